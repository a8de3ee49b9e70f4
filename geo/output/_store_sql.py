"""SQL side of the plan store: schema, GeoPackage registration, geometry encoding, dialects.

Two backends share one schema and one set of statements (SQLAlchemy Core ``text()``):

* SQLite written as an OGC GeoPackage 1.3 (``application_id`` GPKG, ``gpkg_contents``,
  ``gpkg_geometry_columns``), so QGIS and GDAL open the store file: the ``grids`` and
  ``posts`` tables are feature layers (WGS84 display geometry), the others attribute tables.
* PostgreSQL with PostGIS (``geometry(Geometry, 4326)`` display geometry).

Exact geometry, in the plan's own metric CRS, is kept as WKB in ``geom_wkb`` in both.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import shapely
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError

from geo.errors import StoreError

#: GeoPackage application id ("GPKG") and user_version (1.3.0).
GPKG_APPLICATION_ID = 0x47504B47
GPKG_USER_VERSION = 10300
#: Seconds a writer waits for another writer's lock on a SQLite store.
SQLITE_BUSY_TIMEOUT_S = 60

_TABLES = """
CREATE TABLE IF NOT EXISTS plans (
    name TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    author TEXT NOT NULL,
    latest_version INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS versions (
    plan TEXT NOT NULL REFERENCES plans(name),
    version INTEGER NOT NULL,
    parent_plan TEXT,
    parent_version INTEGER,
    author TEXT NOT NULL,
    created TEXT NOT NULL,
    message TEXT NOT NULL,
    params TEXT NOT NULL,
    names TEXT NOT NULL,
    locked TEXT NOT NULL,
    crs TEXT,
    schemas TEXT NOT NULL,
    history TEXT NOT NULL,
    n_grids INTEGER NOT NULL,
    n_units INTEGER NOT NULL,
    PRIMARY KEY (plan, version)
);
CREATE TABLE IF NOT EXISTS assignment (
    plan TEXT NOT NULL,
    version INTEGER NOT NULL,
    unit_id TEXT NOT NULL,
    grid_id TEXT NOT NULL,
    PRIMARY KEY (plan, version, unit_id)
);
CREATE TABLE IF NOT EXISTS grids (
    fid {pk},
    geom {geom},
    plan TEXT NOT NULL,
    version INTEGER NOT NULL,
    row_no INTEGER NOT NULL,
    grid_id TEXT,
    community_id TEXT,
    name TEXT,
    households {real},
    party_members {real},
    residents {real},
    geom_wkb {blob},
    attrs TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS grids_plan_version ON grids (plan, version);
CREATE TABLE IF NOT EXISTS posts (
    fid {pk},
    geom {geom},
    plan TEXT NOT NULL,
    version INTEGER NOT NULL,
    row_no INTEGER NOT NULL,
    geom_wkb {blob},
    attrs TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS posts_plan_version ON posts (plan, version);
CREATE TABLE IF NOT EXISTS staffing (
    plan TEXT NOT NULL,
    version INTEGER NOT NULL,
    row_no INTEGER NOT NULL,
    grid_id TEXT,
    attrs TEXT NOT NULL,
    PRIMARY KEY (plan, version, row_no)
);
CREATE TABLE IF NOT EXISTS events (
    id {pk},
    plan TEXT NOT NULL,
    version INTEGER NOT NULL,
    session TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created TEXT NOT NULL,
    event TEXT NOT NULL,
    UNIQUE (plan, version, session, seq)
);
"""

#: A layer of the latest version of every plan (what QGIS users usually want to see).
_LATEST_VIEW = """
CREATE VIEW {if_not_exists}grids_latest AS
SELECT g.fid AS fid, g.geom AS geom, g.plan AS plan, g.version AS version, g.grid_id AS grid_id,
       g.community_id AS community_id, g.name AS name, g.households AS households,
       g.party_members AS party_members, g.residents AS residents
FROM grids g JOIN plans p ON p.name = g.plan AND p.latest_version = g.version
"""

_GPKG_META = """
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
    description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT
    (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,
    max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id)
    REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
    table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
"""

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

_SRS_ROWS = (
    (
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system",
    ),
    (
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system",
    ),
    (
        "WGS 84 geodetic",
        4326,
        "EPSG",
        4326,
        _WGS84_WKT,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
    ),
)

#: GeoPackage contents: feature layers and attribute tables, with a description for QGIS.
_CONTENTS = (
    (
        "grids",
        "features",
        "grid polygons of every plan version (WGS84; exact metric WKB in geom_wkb)",
    ),
    ("grids_latest", "features", "grid polygons of the latest version of every plan"),
    ("posts", "features", "proposed posts of every plan version"),
    ("plans", "attributes", "saved plans"),
    ("versions", "attributes", "plan versions: parameters, parent, author, time, edit history"),
    ("assignment", "attributes", "unit -> grid assignment per version"),
    ("staffing", "attributes", "workers per grid per version"),
    ("events", "attributes", "edit events journal, appended as they happen"),
)


# --------------------------------------------------------------------------- geometry blobs


def gpkg_blob(geom: shapely.Geometry | None, srs_id: int = 4326) -> bytes | None:
    """Encode a geometry as a GeoPackage binary blob (header, envelope, little-endian WKB)."""
    if geom is None:
        return None
    if geom.is_empty:
        flags = 0b00010001  # empty, no envelope, little endian
        wkb: bytes = shapely.to_wkb(geom, byte_order=1)
        return b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id) + wkb
    minx, miny, maxx, maxy = geom.bounds
    flags = 0b00000011  # envelope [minx, maxx, miny, maxy], little endian
    header = b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id)
    wkb = shapely.to_wkb(geom, byte_order=1)
    return header + struct.pack("<4d", minx, maxx, miny, maxy) + bytes(wkb)


def gpkg_blob_to_geom(blob: bytes | None) -> shapely.Geometry | None:
    """Decode a GeoPackage binary blob (used by tests and readers of the display column)."""
    if blob is None:
        return None
    flags = blob[3]
    envelope = (flags >> 1) & 0b111
    size = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[envelope]
    return shapely.from_wkb(bytes(blob[8 + size :]))


def to_wkb(geoms: np.ndarray) -> list[bytes | None]:
    """Exact ISO WKB of each geometry (``None`` stays ``None``)."""
    return [
        None if g is None else bytes(b)
        for g, b in zip(geoms, shapely.to_wkb(geoms, flavor="iso"), strict=True)
    ]


# --------------------------------------------------------------------------- dialects


class Dialect:
    """SQL differences between the GeoPackage/SQLite and the PostGIS backends."""

    name = "base"
    types: ClassVar[dict[str, str]] = {}
    lock_suffix = ""
    #: DB-API placeholder for bulk inserts through ``exec_driver_sql``.
    placeholder = "?"

    def geom_param(self, param: str) -> str:
        raise NotImplementedError

    def columns(self, conn: Connection, table: str) -> set[str]:
        """Column names of ``table`` (empty when there is no such table)."""
        raise NotImplementedError

    def geom_value(self, geom: shapely.Geometry | None) -> Any:
        raise NotImplementedError

    def create_schema(self, conn: Connection) -> None:
        for stmt in _TABLES.format(**self.types).split(";"):
            if stmt.strip():
                conn.execute(text(stmt))


#: Columns each store table must have (a file with other tables of these names is no store).
STORE_COLUMNS = {
    "plans": {"name", "latest_version"},
    "versions": {"plan", "version", "schemas", "history"},
    "assignment": {"plan", "version", "unit_id", "grid_id"},
    "grids": {"plan", "version", "row_no", "geom_wkb", "attrs"},
    "posts": {"plan", "version", "row_no", "geom_wkb", "attrs"},
    "staffing": {"plan", "version", "row_no", "attrs"},
    "events": {"plan", "version", "session", "seq", "event"},
}


def foreign_tables(conn: Connection, dialect: Dialect) -> list[str]:
    """Store tables that exist with other columns (e.g. an export's ``grids`` layer)."""
    bad = []
    for table, needed in STORE_COLUMNS.items():
        have = dialect.columns(conn, table)
        if have and not needed <= have:
            bad.append(table)
    return bad


class SQLiteDialect(Dialect):
    name = "sqlite"
    types: ClassVar[dict[str, str]] = {
        "pk": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "geom": "GEOMETRY",
        "real": "REAL",
        "blob": "BLOB",
    }

    def geom_param(self, param: str) -> str:
        return f":{param}"

    def columns(self, conn: Connection, table: str) -> set[str]:
        return {r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info('{table}')")}

    def geom_value(self, geom: shapely.Geometry | None) -> Any:
        return gpkg_blob(geom)

    def create_schema(self, conn: Connection) -> None:
        conn.exec_driver_sql(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
        conn.exec_driver_sql(f"PRAGMA user_version = {GPKG_USER_VERSION}")
        for stmt in _GPKG_META.split(";"):
            if stmt.strip():
                conn.execute(text(stmt))
        conn.execute(
            text("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (:a, :b, :c, :d, :e, :f)"),
            [dict(zip("abcdef", row, strict=True)) for row in _SRS_ROWS],
        )
        super().create_schema(conn)
        conn.execute(text(_LATEST_VIEW.format(if_not_exists="IF NOT EXISTS ")))
        for table, kind, description in _CONTENTS:
            conn.execute(
                text(
                    "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
                    "VALUES (:t, :k, :t, :d, :s)"
                ),
                {
                    "t": table,
                    "k": kind,
                    "d": description,
                    "s": 4326 if kind == "features" else None,
                },
            )
            if kind == "features":
                conn.execute(
                    text(
                        "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (:t, 'geom', 'GEOMETRY', 4326, 0, 0)"
                    ),
                    {"t": table},
                )


class PostgresDialect(Dialect):
    name = "postgresql"
    types: ClassVar[dict[str, str]] = {
        "pk": "BIGSERIAL PRIMARY KEY",
        "geom": "geometry(Geometry, 4326)",
        "real": "DOUBLE PRECISION",
        "blob": "BYTEA",
    }
    lock_suffix = " FOR UPDATE"
    placeholder = "%s"

    def geom_param(self, param: str) -> str:
        return f"ST_GeomFromWKB(:{param}, 4326)"

    def columns(self, conn: Connection, table: str) -> set[str]:
        rows = conn.execute(
            text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = :t"
            ),
            {"t": table},
        )
        return {r[0] for r in rows}

    def geom_value(self, geom: shapely.Geometry | None) -> Any:
        return None if geom is None else shapely.to_wkb(geom, flavor="iso")

    def create_schema(self, conn: Connection) -> None:
        # serialise concurrent first opens: CREATE ... IF NOT EXISTS races in PostgreSQL
        conn.execute(text("SELECT pg_advisory_xact_lock(74212026)"))
        has = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first()
        if has is None:
            try:
                with conn.begin_nested():
                    conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            except DBAPIError as exc:  # the server's own message says why (privileges, package)
                raise StoreError(
                    "the PostgreSQL database has no PostGIS and it could not be created "
                    f"({exc.__class__.__name__}: {str(exc).splitlines()[0]}); "
                    "install PostGIS on the server or run `CREATE EXTENSION postgis` as its owner"
                ) from exc
        super().create_schema(conn)
        if not self.columns(conn, "grids_latest"):
            conn.execute(text(_LATEST_VIEW.format(if_not_exists="")))


# --------------------------------------------------------------------------- engines


def is_url(target: str) -> bool:
    """Whether ``target`` is a database URL rather than a file path."""
    return "://" in target


def make_engine(target: str) -> tuple[Engine, Dialect]:
    """Create the SQLAlchemy engine for a store path or URL.

    ``postgresql://`` and ``postgres://`` URLs use psycopg 3; ``sqlite:///path`` and plain
    paths are GeoPackage files (parent folders are created).

    Raises
    ------
    StoreError
        For an unsupported URL scheme.
    """
    if is_url(target):
        scheme, rest = target.split("://", 1)
        base = scheme.split("+", 1)[0]
        if base in ("postgresql", "postgres"):
            engine = create_engine(f"postgresql+psycopg://{rest}", pool_pre_ping=True)
            return engine, PostgresDialect()
        if base == "sqlite":
            # sqlite:///relative.gpkg and sqlite:////absolute/path.gpkg
            return make_engine(rest[1:] if rest.startswith("/") else rest)
        raise StoreError(
            f"store URL scheme `{scheme}` is not supported; use a file path "
            "(GeoPackage) or a postgresql:// URL"
        )
    path = Path(os.path.expanduser(target))
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite+pysqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # take the write lock at once: the version check and the insert see the same state
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine, SQLiteDialect()
