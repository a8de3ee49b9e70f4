"""Constants of gridplan, each documented once. Import from here; never hard-code."""

from __future__ import annotations

#: CRS of everything leaving the engine (maps, GeoJSON per RFC 7946).
WGS84 = "EPSG:4326"
#: CGCS2000 geographic CRS (China Geodetic Coordinate System 2000).
CGCS2000 = "EPSG:4490"
#: Offset datums of Chinese map services, declared by the user (not EPSG codes).
GCJ02 = "GCJ-02"
BD09 = "BD-09"
#: Datums a user may declare for a file besides any EPSG code.
DATUMS = ("WGS84", "CGCS2000", GCJ02, BD09)

#: Households per urban party-building grid: the usual rule in Chinese grid management.
DEFAULT_MIN_HOUSEHOLDS = 300
DEFAULT_MAX_HOUSEHOLDS = 500
#: Party-member view of the size rule, and the floor for a party group in a grid.
DEFAULT_MIN_PARTY_MEMBERS = 15
DEFAULT_MAX_PARTY_MEMBERS = 40
DEFAULT_MIN_PARTY_PER_GRID = 3
#: Residents per household used when a layer gives no residents (China 2020 census, urban).
RESIDENTS_PER_HOUSEHOLD = 2.62

#: Life-circle walking distances in metres: 5-, 10- and 15-minute circles.
LIFE_CIRCLES_M = (300.0, 500.0, 1000.0)
#: Detour factor applied to straight-line distance when no walking network is given.
DEFAULT_DETOUR_FACTOR = 1.3
#: A point snapped farther than this from the walking network is flagged, in metres.
SNAP_WARN_M = 250.0

#: Default staffing totals of the reference development zone.
DEFAULT_FULL_TIME_WORKERS = 242
DEFAULT_PART_TIME_WORKERS = 1134

#: Facility levels, from the district centre down to estate posts.
FACILITY_LEVELS = ("district", "street", "community", "post", "other")

#: Upload limits: one file, one zip archive's members and its decompressed size. Sizes are
#: binary units (MiB = 2**20 bytes, GiB = 2**30 bytes), and messages print them in those units.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

# --- plausibility of counts (geo.data._validate.check_plausible) ---
#: Largest plausible count per layer and field; a value above it is refused with the feature
#: named. The largest Chinese estates (天通苑, 回龙观 sub-estates) hold some 10,000-40,000
#: households; a single residential building rarely exceeds 2,000 (the tallest have ~130
#: floors). Values beyond these are typing errors (an extra digit, a total pasted into a row,
#: a population figure in the households column).
PLAUSIBLE_MAX_COUNTS: dict[str, dict[str, float]] = {
    "estates": {"households": 50_000, "party_members": 50_000, "residents": 200_000},
    "buildings": {"households": 5_000, "party_members": 5_000, "residents": 20_000, "floors": 200},
    "facilities": {"capacity": 1_000_000},
}
#: Ceiling of every other count field (any layer): far above anything real, and far below
#: 2**53, so that every accepted count is an exact float and fits int64 (no overflow).
MAX_ANY_COUNT = 1_000_000_000
#: Party members per household above which an estate's or building's figures are refused
#: (an urban household has 2.62 people on average; 3 party members per household in every
#: household of an estate does not happen; the usual cause is swapped columns).
MAX_PARTY_MEMBERS_PER_HOUSEHOLD = 3.0
#: Largest number of equal-area parts one estate without buildings is split into
#: (geo.grids.units.split_polygon); an estate that would need more is refused, which bounds the
#: work of the split whatever the households say.
MAX_SPLIT_PARTS = 1000

# --- estates and their communities (geo.data.io) ---
#: Share of an estate's area lying outside its community below which it is ignored
#: (digitising noise: boundaries drawn on different base maps differ by a few metres).
ESTATE_OUTSIDE_TOLERANCE = 0.02
#: From this share of its area outside its community on, an estate straddling two
#: communities is an error (its households would all count in one community while a large
#: part of it is planned in another); between the tolerance and this share it is a warning.
ESTATE_OUTSIDE_ERROR_SHARE = 0.10

#: Administrative division code of 无锡市滨湖区 / the demo's district (6 digits).
DEMO_DIVISION_CODE = "320211"

#: Column-name patterns (regular expressions searched in the lower-cased name with spaces,
#: dots and hyphens turned into ``_``) of personal fields: people's names, ID numbers,
#: phones, addresses of persons. Such columns never leave gridplan; party-member figures
#: are exported as counts only.
PERSONAL_FIELD_PATTERNS = (
    r"姓名",
    r"名字",
    r"身份证",
    r"证件",
    r"电话",
    r"手机",
    r"联系人",
    r"联系方式",
    r"住址",
    r"出生",
    r"性别",
    r"民族",
    r"微信",
    r"邮箱",
    r"户主",
    r"党员名",
    r"成员名",
    r"id_?card",
    r"id_?number",
    r"(?<![a-z])id_?no(?![a-z])",
    r"identity",
    r"passport",
    r"(?<![a-z])ssn(?![a-z])",
    r"phone",
    r"mobile",
    r"(?<![a-z])tel(?![a-z])",
    r"e_?mail",
    r"wechat",
    r"^person$",
    r"person_?(name|id|info|no)",
    r"member_?name",
    r"first_?name",
    r"last_?name",
    r"full_?name",
    r"surname",
    r"given_?name",
    r"resident_?name",
    r"owner_?name",
    r"contact",
    r"birth",
    r"gender",
    r"home_?address",
    r"personal",
    r"(?<![a-z])sex(?![a-z])",
    r"(?<![a-z])dob(?![a-z])",
    r"citizen_?id",
)
#: Values that are personal whatever the column is called: an 18-character resident ID
#: number (region, birth date 18xx-20xx, sequence, check digit), an 11-digit mainland mobile
#: number (optionally +86).
PERSONAL_VALUE_PATTERNS = (
    r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]",
    r"(?:\+?86[- ]?)?1[3-9]\d{9}",
)
#: Identifier columns of gridplan's own layers: never taken for personal data by their values
#: (a long numeric grid or building code can look like a phone or ID number).
NON_PERSONAL_ID_FIELDS = (
    "grid_id",
    "unit_id",
    "estate_id",
    "building_id",
    "community_id",
    "facility_id",
    "candidate_id",
    "street_code",
    "community_code",
)
#: Decimal places of WGS84 coordinates in exports (1e-7 degree is about 1 cm).
EXPORT_COORD_PRECISION = 7
#: Environment variable naming the plan store (a file path or a postgresql:// URL).
STORE_ENV_VAR = "GRIDPLAN_STORE"
#: Per-user default plan store, relative to the home directory.
DEFAULT_STORE_RELPATH = ".local/share/gridplan/plans.gpkg"

# --- planning units and gridding (geo.grids.units, geo.grids.gridding) ---
#: Two cells are adjacent when their shared edge is longer than this, in metres.
ADJACENCY_MIN_EDGE_M = 1.0
#: Seed points per unit footprint boundary for the cell tessellation (Voronoi seeds).
TESSELLATION_POINTS_PER_UNIT = 16
#: Smallest spacing of those seed points along a footprint boundary, in metres.
TESSELLATION_SPACING_MIN_M = 2.0
#: Default weight of compactness (grid perimeter² / 4πA) against balance in the gridding objective.
DEFAULT_COMPACTNESS_WEIGHT = 0.2
#: Weight of one party member in the "load" balance attribute (load = households + w x party members).
DEFAULT_PARTY_LOAD_WEIGHT = 10.0
#: Restarts of the gridding local search per community (best objective kept).
DEFAULT_GRID_RESTARTS = 2
#: Cap on local-search passes over the boundary units of one community (keeps time bounded).
MAX_LOCAL_SEARCH_PASSES = 60
#: Below this many units in total, communities are gridded in-process (a pool costs more).
SERIAL_UNIT_THRESHOLD = 3000
#: Tiling check tolerance: |area(union of grids) - area(community)| / area(community).
TILING_REL_TOL = 1e-6
#: Household estimate for footprint-only data: floor area (footprint x levels) per household, m².
FLOOR_AREA_PER_HOUSEHOLD_M2 = 90.0
# --- fusion, plan import and repair (geo.grids.fusion, geo.grids.import_plan) ---
#: Overlap, in square metres, from which a party grid counts as touching another grid
#: (fusion report) and from which an imported plan's gap or double cover is reported.
FUSION_MIN_OVERLAP_M2 = 1.0
#: A unit is "cut" by an imported plan's boundaries when less than this share of its
#: covered area lies in its dominant grid.
IMPORT_CUT_SHARE = 0.99
#: Upper bound on the units a repair of an imported plan may move per out-of-band grid
#: (bounds the search time; repair reports the grids it could not bring into the band).
REPAIR_MAX_MOVES_PER_GRID = 50
#: A community whose grids deviate more than this on average (%) is re-gridded on estates
#: split by buildings (GridParams.split_to_fit).
REFINE_MEAN_DEV_PCT = 5.0
#: Gridding stops restarting a community once every grid is in band and the mean deviation
#: is at most this (%); restarts beyond the first rarely pay then.
EARLY_STOP_DEV_PCT = 3.0

#: Plan diff: a grid boundary that moved less than this (metres) is unchanged (datum and
#: GeoJSON round trips move boundaries by millimetres).
DIFF_SHAPE_TOLERANCE_M = 0.01

#: A building lying farther than this (metres) outside the estate it names is an error
#: (usually a layer in another datum).
BUILDING_OFF_ESTATE_M = 30.0

#: Most payloads (communities) per task sent to a local worker process: small chunks keep
#: both cores busy to the end of a large run.
EXECUTOR_MAX_CHUNK = 4

# --- hostile input: tables and walk networks (allocation.tables, geo.network.walk) ---
#: Largest CSV table (cost matrix, grid table, id list) gridplan reads, in bytes: a dense
#: 5,000 x 5,000 cost matrix in metres is about 150 MB.
MAX_TABLE_BYTES = 512 * 1024 * 1024
#: Examples listed per kind of problem in a table (the count of the rest is given).
TABLE_PROBLEM_EXAMPLES = 5
#: When every estate (or every facility) snaps farther than this (metres) to the walk
#: network, the network does not cover the data: another city, or a CRS/datum mix-up
#: (a datum offset such as GCJ-02 moves points by hundreds of metres, not kilometres).
NETWORK_FAR_M = 2000.0

# --- real-district gridding (issue 11) -------------------------------------------------------
#: A grid whose Polsby-Popper compactness is below this needs a stated reason (its community's
#: shape, or a single unit that is itself that thin).
MIN_POLSBY_POPPER = 0.2
#: A community part whose own Polsby-Popper is below this multiple of the floor forces thin
#: grids (the ``pp_thin_part`` reason of :func:`geo.grids.metrics.shape_reasons`).
THIN_PART_PP_FACTOR = 1.5
#: Points sampled per part when an estate without buildings is split into compact parts
#: (k-means on a dense sample of its footprint, then Voronoi cells clipped to it).
SPLIT_SAMPLE_POINTS_PER_PART = 60
#: Lloyd iterations of that k-means (sample points weighted equally).
SPLIT_KMEANS_ITERATIONS = 30
#: Rounds tuning the power weights on the parts' true areas (stops at 2 % from equal).
SPLIT_AREA_ROUNDS = 10
#: Pieces and holes of a grid's polygon smaller than this (m²) are floating-point debris of the
#: union of its cells (which tile the community exactly) and are dropped.
GRID_DEBRIS_M2 = 0.01
#: Half-width (m) below which a piece of a grid's polygon, or a hole in it, is a sliver of a
#: recut or rounded boundary (coordinates rounded to 7 decimals of a degree move ~1 cm): a part
#: thinner than twice this everywhere is debris, not land that makes a grid two-part.
GRID_THIN_M = 0.05
#: When parts of about one grid leave grids out of band, large estates without buildings are
#: split again into parts of this share of the band's middle (about half a grid), which small
#: neighbouring estates can join; the better plan is kept.
FINE_PART_SHARE = 0.5
#: When the union of a grid's cells falls apart on floating-point gaps, it is redone on a grid
#: of this size (metres), which closes gaps narrower than it and moves no vertex further.
GRID_SNAP_M = 1e-4
#: Largest community part (units) whose out-of-band grids are checked exactly: is there any
#: division of its units into connected grids all within the band? (geo.grids.feasibility)
FEASIBILITY_MAX_UNITS = 16
#: Search nodes (sets tried) of that exact check before it gives up undecided.
FEASIBILITY_NODE_BUDGET = 200_000
