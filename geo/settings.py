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

#: Upload limits: one file, one zip archive's members and its decompressed size.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

#: Administrative division code of 无锡市滨湖区 / the demo's district (6 digits).
DEMO_DIVISION_CODE = "320211"
