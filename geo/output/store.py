"""Plan store: saved plans with versions, parents, edit history; compare two versions.

Embedded by default in one GeoPackage file (QGIS opens it: layers ``grids`` and ``posts``,
tables ``plans``, ``versions``, ``assignment``, ``staffing``, ``events``); the same store
runs on PostgreSQL/PostGIS through a ``postgresql://`` URL. Saves are single transactions
(a killed writer leaves the previous version intact) with an optimistic version check
(:class:`geo.errors.ConflictError` when someone else saved first; nothing is overwritten).
Every edit can be appended to the journal as it happens (:meth:`Store.append_event`) so that
an app resumes an open plan after a browser refresh or a server restart.

Examples
--------
Not run as a doctest: it writes a store file and needs a plan record.

>>> store = open_store("/tmp/plans.gpkg")                          # doctest: +SKIP
>>> saved = store.save(record)                                     # doctest: +SKIP
>>> store.append_event(saved.name, saved.version, {"op": "move"})  # doctest: +SKIP
>>> store.load(saved.name).version                                 # doctest: +SKIP
1
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import datetime as dt
import getpass
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from sqlalchemy import Connection, text

from geo.errors import ConflictError, Problem, StoreError, ValidationError
from geo.output._store_sql import Dialect, foreign_tables, is_url, make_engine
from geo.output.export import json_safe
from geo.output.paths import default_store_target
from geo.settings import DIFF_SHAPE_TOLERANCE_M, WGS84

#: Journal session used when the caller names none.
DEFAULT_SESSION = "default"


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True, eq=False)
class PlanRecord:
    """One saved version of a plan, as the store keeps it.

    Parameters
    ----------
    name : str
        Plan name (unique in a store).
    assignment : dict of str to str
        Unit id -> grid id; every unit exactly once.
    grids : GeoDataFrame
        Grid polygons and their figures, in the plan's metric CRS (``Plan.grids()``).
    params : dict
        Gridding parameters, JSON-safe.
    names : dict of str to str
        Grid id -> display name.
    locked : frozenset of str
        Locked grid ids.
    posts : GeoDataFrame, optional
        Proposed posts (points).
    staffing : DataFrame, optional
        Workers per grid.
    events : list of dict
        Edit history that produced this version from its parent (JSON-safe events).
    version, parent : int, optional
        Filled by the store: this version's number, the version it was derived from.
    parent_plan : str, optional
        Plan of the parent when it was saved under another name (a branch).
    author, created, message : str
        Who saved it, when (ISO 8601 UTC), and a note.
    """

    name: str
    assignment: Mapping[str, str]
    grids: gpd.GeoDataFrame
    params: Mapping[str, Any] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    posts: gpd.GeoDataFrame | None = None
    staffing: pd.DataFrame | None = None
    events: Sequence[Mapping[str, Any]] = ()
    version: int | None = None
    parent: int | None = None
    parent_plan: str | None = None
    author: str = ""
    created: str | None = None
    message: str = ""

    def replace(self, **changes: Any) -> PlanRecord:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)


def record_from_plan(
    plan: Any,
    name: str,
    *,
    posts: gpd.GeoDataFrame | None = None,
    staffing: pd.DataFrame | None = None,
    events: Sequence[Mapping[str, Any]] = (),
    author: str = "",
    message: str = "",
) -> PlanRecord:
    """Make a :class:`PlanRecord` from the engine's ``geo.grids.plan.Plan``.

    Uses only ``plan.assignment``, ``plan.names``, ``plan.locked``, ``plan.params`` (a
    dataclass or mapping) and ``plan.grids()``.
    """
    params = plan.params
    if dataclasses.is_dataclass(params) and not isinstance(params, type):
        params = dataclasses.asdict(params)
    return PlanRecord(
        name=name,
        assignment={str(k): str(v) for k, v in plan.assignment.items()},
        grids=plan.grids(),
        params=json_safe(dict(params or {})),
        names={str(k): str(v) for k, v in dict(plan.names).items()},
        locked=frozenset(str(g) for g in plan.locked),
        posts=posts,
        staffing=staffing,
        events=[json_safe(dict(e)) for e in events],
        author=author,
        message=message,
    )


def repair_event(report: Mapping[str, Any]) -> dict[str, Any]:
    """The history event recording a repair with its change report (JSON-safe).

    ``report`` is :meth:`geo.grids.repair.RepairResult.summary`'s ``"repair"`` part, with the
    data changes (``"data_changes"``) when the repair followed new data. Saved as the event
    of the version the repair produced (``record_from_plan(..., events=[repair_event(r)])``).
    """
    keep = (
        "households_moved",
        "bound",
        "status",
        "gap",
        "new_codes",
        "retired_codes",
        "grid_changes",
        "still_out",
        "data_changes",
        "n_kept",
    )
    event: dict[str, Any] = json_safe(
        {"op": "repair", **{k: report[k] for k in keep if k in report}}
    )
    return event


def record_to_plan(record: PlanRecord, units: Any) -> Any:
    """Rebuild the engine's ``geo.grids.plan.Plan`` from a record on the same units.

    Parameters
    ----------
    record : PlanRecord
    units : geo.grids.units.UnitGraph
        The units the plan was made on (rebuilt from the same layers).

    Raises
    ------
    ValidationError
        If the record's assignment does not cover exactly the units (other data), or its
        parameters are not valid ``GridParams``.
    """
    from geo.grids.params import GridParams
    from geo.grids.plan import Plan

    known = {f.name for f in dataclasses.fields(GridParams)}
    params = GridParams(**{k: v for k, v in dict(record.params).items() if k in known})
    plan = Plan(units, {}, dict(record.names), frozenset(record.locked), params)
    return plan.with_assignment(dict(record.assignment))


# --------------------------------------------------------------------------- frames <-> rows


def _crs_text(crs: Any) -> str | None:
    if crs is None:
        return None
    crs = CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    if epsg is not None and CRS.from_epsg(epsg) == crs:
        return f"EPSG:{epsg}"
    return str(crs.to_wkt())


#: Key of a row's index value in its stored attributes (frames with a non-default index).
_INDEX_KEY = "__index__"


def _default_index(df: pd.DataFrame) -> bool:
    return (
        isinstance(df.index, pd.RangeIndex)
        and df.index.start == 0
        and df.index.step == 1
        and df.index.name is None
    )


def _frame_schema(df: pd.DataFrame) -> dict[str, Any]:
    geom = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    return {
        "columns": [str(c) for c in df.columns],
        "dtypes": {str(c): str(t) for c, t in df.dtypes.items() if c != geom},
        "geometry": geom,
        "crs": _crs_text(df.crs) if geom is not None else None,
        "index": None
        if _default_index(df)
        else {"name": df.index.name, "dtype": str(df.index.dtype)},
    }


def _row_attrs(df: pd.DataFrame) -> list[str]:
    geom = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    cols = [c for c in df.columns if c != geom]
    records = df[cols].to_dict(orient="records") if cols else [{} for _ in range(len(df))]
    if not _default_index(df):
        records = [{**r, _INDEX_KEY: i} for r, i in zip(records, df.index, strict=True)]
    return [json.dumps(json_safe(r), ensure_ascii=False, allow_nan=False) for r in records]


def _set_index(
    df: pd.DataFrame, spec: Mapping[str, Any] | None, values: Sequence[Any]
) -> pd.DataFrame:
    if spec is None:
        return df
    index = pd.Index(list(values), name=spec.get("name"))
    with contextlib.suppress(TypeError, ValueError):
        index = index.astype(spec["dtype"])
    return df.set_axis(index, axis=0)


def _restore_frame(
    schema: Mapping[str, Any], attrs: Sequence[str], wkb: Sequence[bytes | None] | None
) -> pd.DataFrame:
    rows = [json.loads(a) for a in attrs]
    index_values = [r.pop(_INDEX_KEY, None) for r in rows]
    geom = schema["geometry"]
    plain_cols = [c for c in schema["columns"] if c != geom]
    df = (
        pd.DataFrame.from_records(rows, columns=plain_cols)
        if rows
        else pd.DataFrame(columns=plain_cols)
    )
    for col, dtype in schema["dtypes"].items():
        # a dtype that cannot be rebuilt (e.g. a category without its categories) stays decoded
        with contextlib.suppress(TypeError, ValueError):
            df[col] = df[col].astype(dtype)
    if geom is None:
        return _set_index(df, schema.get("index"), index_values)
    geoms = shapely.from_wkb(
        np.array([None if b is None else bytes(b) for b in (wkb or [])], dtype=object)
    )
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=schema["crs"]), crs=schema["crs"])
    if geom != "geometry":
        out = out.rename_geometry(geom)
    return _set_index(out[schema["columns"]], schema.get("index"), index_values)


def _display_geoms(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if gdf.crs is None or len(gdf) == 0:
        return np.array([None] * len(gdf), dtype=object)
    return np.asarray(gdf.geometry.to_crs(WGS84).values, dtype=object)


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


# --------------------------------------------------------------------------- validation


def _validate(record: PlanRecord) -> None:
    problems: list[Problem] = []
    if not isinstance(record.name, str) or not record.name.strip():
        problems.append(
            Problem(
                layer="plan",
                field="name",
                message=f"name {record.name!r} is empty",
                fix="give the plan a name",
                code="st_name_empty",
            )
        )
    if not isinstance(record.grids, gpd.GeoDataFrame):
        problems.append(
            Problem(
                layer="grids",
                message=f"is a {type(record.grids).__name__}",
                fix="pass Plan.grids() (a GeoDataFrame)",
                code="st_bad_type",
                params={"type": type(record.grids).__name__},
            )
        )
    if record.posts is not None and not isinstance(record.posts, gpd.GeoDataFrame):
        problems.append(
            Problem(
                layer="posts",
                message=f"is a {type(record.posts).__name__}",
                fix="pass a GeoDataFrame of points or None",
                code="st_bad_type",
                params={"type": type(record.posts).__name__},
            )
        )
    if record.staffing is not None and not isinstance(record.staffing, pd.DataFrame):
        problems.append(
            Problem(
                layer="staffing",
                message=f"is a {type(record.staffing).__name__}",
                fix="pass a DataFrame or None",
                code="st_bad_type",
                params={"type": type(record.staffing).__name__},
            )
        )
    for i, ev in enumerate(record.events):
        try:
            json.dumps(ev, allow_nan=False)
        except (TypeError, ValueError) as exc:
            problems.append(
                Problem(
                    layer="events",
                    feature=str(i),
                    message=f"is not JSON-safe ({exc})",
                    fix="record events as plain dicts of str/int/float/list",
                    code="st_event_json",
                    params={"msg": str(exc)},
                )
            )
    if problems:
        raise ValidationError(problems, title=f"cannot save plan `{record.name}`")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _default_author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# --------------------------------------------------------------------------- the store


def open_store(url_or_path: str | os.PathLike[str] | None = None) -> Store:
    """Open (creating if needed) the plan store at a GeoPackage path or a PostgreSQL URL.

    Parameters
    ----------
    url_or_path : str or path-like, optional
        ``plans.gpkg``, ``sqlite:///plans.gpkg`` or ``postgresql://user@host:port/db``;
        default :func:`default_store_target`.

    Raises
    ------
    StoreError
        If the store cannot be opened (unsupported URL, no PostGIS, unreachable server).
    """
    target = str(url_or_path) if url_or_path is not None else default_store_target()
    return Store(target)


class Store:
    """A plan store; see the module docstring. Use :func:`open_store` to make one."""

    def __init__(self, target: str) -> None:
        from sqlalchemy.exc import DBAPIError

        self.target = target
        self.engine, self.dialect = make_engine(target)
        try:
            with self.engine.begin() as conn:
                foreign = foreign_tables(conn, self.dialect)
                if foreign:
                    raise StoreError(
                        f"{self.describe()} is not a gridplan plan store: it has table(s) "
                        f"{', '.join(f'`{t}`' for t in foreign)} of another kind (an export?); "
                        "choose another --store file or database",
                        code="foreign",
                        store=self.describe(),
                        tables=", ".join(foreign),
                    )
                self.dialect.create_schema(conn)
        except DBAPIError as exc:
            self.engine.dispose()
            raise StoreError(
                f"cannot open the plan store {self.describe()}: "
                f"{str(exc.orig).strip().splitlines()[0]}",
                code="cannot_open",
                store=self.describe(),
                msg=str(exc.orig).strip().splitlines()[0],
            ) from exc
        except StoreError:
            self.engine.dispose()
            raise

    # -- housekeeping -------------------------------------------------------------------

    def describe(self) -> str:
        """The store's location, without any password."""
        if is_url(self.target):
            return self.engine.url.render_as_string(hide_password=True)
        return self.target

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.describe()!r}, backend={self.dialect.name})"

    # -- saving ---------------------------------------------------------------------------

    def save(self, record: PlanRecord, *, expected_version: int | None = None) -> PlanRecord:
        """Save ``record`` as the next version of its plan, in one transaction.

        Parameters
        ----------
        record : PlanRecord
            The plan; ``record.version`` (if set) becomes the parent of the new version.
        expected_version : int, optional
            The latest version the caller knows (the one it opened). ``None`` means the
            plan must be new. If another session saved since, nothing is written.

        Returns
        -------
        PlanRecord
            ``record`` with ``version``, ``parent``, ``author`` and ``created`` filled.

        Raises
        ------
        ConflictError
            When the plan's latest version is not ``expected_version``.
        ValidationError
            When the record is malformed.
        """
        _validate(record)
        created = _now()
        author = record.author or _default_author()
        parent = record.parent if record.version is None else record.version
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO plans (name, created, author, latest_version) "
                    "VALUES (:n, :c, :a, 0) ON CONFLICT (name) DO NOTHING"
                ),
                {"n": record.name, "c": created, "a": author},
            )
            latest = self._latest(conn, record.name, lock=True)
            if latest != (expected_version or 0):
                raise self._conflict(conn, record.name, expected_version, latest)
            version = latest + 1
            saved = record.replace(
                version=version,
                parent=parent,
                author=author,
                created=created,
                parent_plan=record.parent_plan if record.parent_plan != record.name else None,
            )
            self._insert_version(conn, saved)
            conn.execute(
                text("UPDATE plans SET latest_version = :v WHERE name = :n"),
                {"v": version, "n": record.name},
            )
        return saved

    def save_as(self, record: PlanRecord, name: str, *, message: str | None = None) -> PlanRecord:
        """Save ``record`` as version 1 of a new plan ``name`` whose parent is the record's version.

        This is how a session that lost a :class:`ConflictError` keeps its work.
        """
        branch = record.replace(
            name=name,
            parent_plan=record.name if record.version is not None else record.parent_plan,
            parent=record.version if record.version is not None else record.parent,
            version=None,
            message=record.message if message is None else message,
        )
        return self.save(branch, expected_version=None)

    def _latest(self, conn: Connection, name: str, *, lock: bool = False) -> int:
        suffix = self.dialect.lock_suffix if lock else ""
        row = conn.execute(
            text(f"SELECT latest_version FROM plans WHERE name = :n{suffix}"), {"n": name}
        ).first()
        return 0 if row is None else int(row[0])

    def _conflict(
        self, conn: Connection, name: str, expected: int | None, latest: int
    ) -> ConflictError:
        params: dict[str, Any] = {"plan": name, "latest": latest, "expected": expected}
        if expected is None:
            code = "exists"
            msg = (
                f"plan `{name}` already exists (latest version {latest}); nothing was written. "
                f"Pass expected_version={latest} to add a version, or save under a new name "
                "with save_as(record, 'NEW NAME')."
            )
        elif expected > latest:
            code = "no_version"
            msg = (
                f"plan `{name}` has no version {expected} (latest {latest or 'none'}); nothing "
                f"was written. Pass the version you loaded as expected_version."
            )
        else:
            row = conn.execute(
                text("SELECT author, created FROM versions WHERE plan = :n AND version = :v"),
                {"n": name, "v": latest},
            ).first()
            who = f" by {row[0]} at {row[1]}" if row is not None else ""
            code = "newer"
            params["who"] = str(row[0]) if row is not None else ""
            msg = (
                f"plan `{name}` was saved as version {latest}{who} after you opened version "
                f"{expected}; nothing was overwritten and your plan is not lost. Keep yours with "
                f"save_as(record, 'NEW NAME'), or load version {latest} and redo your edits."
            )
        err = ConflictError(msg, code=code, **params)
        err.plan, err.expected_version, err.latest_version = name, expected, latest  # type: ignore[attr-defined]
        return err

    def _insert_version(self, conn: Connection, rec: PlanRecord) -> None:
        schemas = {
            "grids": _frame_schema(rec.grids),
            "posts": None if rec.posts is None else _frame_schema(rec.posts),
            "staffing": None if rec.staffing is None else _frame_schema(rec.staffing),
        }
        conn.execute(
            text(
                "INSERT INTO versions (plan, version, parent_plan, parent_version, author, created, "
                "message, params, names, locked, crs, schemas, history, n_grids, n_units) VALUES "
                "(:plan, :version, :pp, :pv, :author, :created, :message, :params, :names, :locked, "
                ":crs, :schemas, :history, :n_grids, :n_units)"
            ),
            {
                "plan": rec.name,
                "version": rec.version,
                "pp": rec.parent_plan,
                "pv": rec.parent,
                "author": rec.author,
                "created": rec.created,
                "message": rec.message,
                "params": json.dumps(json_safe(dict(rec.params)), ensure_ascii=False),
                "names": json.dumps(json_safe(dict(rec.names)), ensure_ascii=False),
                "locked": json.dumps(sorted(str(g) for g in rec.locked)),
                "crs": _crs_text(rec.grids.crs),
                "schemas": json.dumps(schemas, ensure_ascii=False),
                "history": json.dumps([json_safe(dict(e)) for e in rec.events], ensure_ascii=False),
                "n_grids": len(rec.grids),
                "n_units": len(rec.assignment),
            },
        )
        key = {"plan": rec.name, "version": rec.version}
        if rec.assignment:  # the biggest table: straight to the driver's executemany
            ph = self.dialect.placeholder
            conn.exec_driver_sql(
                f"INSERT INTO assignment (plan, version, unit_id, grid_id) VALUES ({ph}, {ph}, {ph}, {ph})",
                [(rec.name, rec.version, str(u), str(g)) for u, g in rec.assignment.items()],
            )
        self._insert_features(conn, "grids", rec.grids, key, grid_columns=True)
        if rec.posts is not None:
            self._insert_features(conn, "posts", rec.posts, key, grid_columns=False)
        if rec.staffing is not None and len(rec.staffing):
            grid_ids = (
                rec.staffing["grid_id"] if "grid_id" in rec.staffing else [None] * len(rec.staffing)
            )
            conn.execute(
                text(
                    "INSERT INTO staffing (plan, version, row_no, grid_id, attrs) "
                    "VALUES (:plan, :version, :r, :g, :a)"
                ),
                [
                    {**key, "r": i, "g": None if g is None else str(g), "a": a}
                    for i, (g, a) in enumerate(zip(grid_ids, _row_attrs(rec.staffing), strict=True))
                ],
            )

    def _insert_features(
        self,
        conn: Connection,
        table: str,
        gdf: gpd.GeoDataFrame,
        key: Mapping[str, Any],
        *,
        grid_columns: bool,
    ) -> None:
        if len(gdf) == 0:
            return
        d: Dialect = self.dialect
        display = _display_geoms(gdf)
        wkb = [None if g is None else shapely.to_wkb(g, flavor="iso") for g in gdf.geometry.values]
        attrs = _row_attrs(gdf)
        rows = [
            {**key, "r": i, "geom": d.geom_value(display[i]), "wkb": wkb[i], "a": attrs[i]}
            for i in range(len(gdf))
        ]
        if grid_columns:  # plain columns for QGIS / SQL users; attrs stays authoritative
            for col in ("grid_id", "community_id", "name"):
                values = gdf[col].tolist() if col in gdf else [None] * len(gdf)
                for row, v in zip(rows, values, strict=True):
                    row[col] = (
                        None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                    )
            for col in ("households", "party_members", "residents"):
                values = gdf[col].tolist() if col in gdf else [None] * len(gdf)
                for row, v in zip(rows, values, strict=True):
                    row[col] = _num(v)
        cols = "plan, version, row_no, geom, geom_wkb, attrs"
        vals = f":plan, :version, :r, {d.geom_param('geom')}, :wkb, :a"
        if grid_columns:
            cols += ", grid_id, community_id, name, households, party_members, residents"
            vals += ", :grid_id, :community_id, :name, :households, :party_members, :residents"
        conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({vals})"), rows)

    # -- loading ------------------------------------------------------------------------

    def codes_used(self, name: str) -> set[str]:
        """Every grid code any version of plan ``name`` has used (empty for an unknown plan).

        A repair passes these as ``retired`` so that a new grid never takes the code of a grid
        that existed before (:func:`geo.grids.repair.repair_plan`).
        """
        with self.engine.begin() as conn:
            rows = conn.execute(
                text("SELECT DISTINCT grid_id FROM assignment WHERE plan = :n"), {"n": name}
            )
            return {str(r[0]) for r in rows}

    def latest_version(self, name: str) -> int | None:
        """The plan's latest version, or ``None`` if there is no such plan."""
        with self.engine.begin() as conn:
            v = self._latest(conn, name)
        return v or None

    def load(self, name: str, version: int | None = None) -> PlanRecord:
        """Load a plan version (the latest when ``version`` is None).

        Raises
        ------
        StoreError
            If the plan or the version is not in the store.
        """
        with self.engine.begin() as conn:
            if version is None:
                version = self._latest(conn, name) or None
                if version is None:
                    raise self._missing(conn, name)
            row = (
                conn.execute(
                    text("SELECT * FROM versions WHERE plan = :n AND version = :v"),
                    {"n": name, "v": int(version)},
                )
                .mappings()
                .first()
            )
            if row is None:
                raise self._missing(conn, name, int(version))
            key = {"n": name, "v": int(version)}
            assignment: dict[str, str] = dict(
                conn.execute(
                    text(
                        "SELECT unit_id, grid_id FROM assignment WHERE plan = :n AND version = :v "
                        "ORDER BY unit_id"
                    ),
                    key,
                ).all()
            )
            schemas = json.loads(row["schemas"])
            grids = self._load_features(conn, "grids", schemas["grids"], key)
            posts = (
                None
                if schemas["posts"] is None
                else self._load_features(conn, "posts", schemas["posts"], key)
            )
            staffing = None
            if schemas["staffing"] is not None:
                attrs = [
                    r[0]
                    for r in conn.execute(
                        text(
                            "SELECT attrs FROM staffing WHERE plan = :n AND version = :v ORDER BY row_no"
                        ),
                        key,
                    )
                ]
                staffing = _restore_frame(schemas["staffing"], attrs, None)
        return PlanRecord(
            name=name,
            assignment=assignment,
            grids=grids,
            params=json.loads(row["params"]),
            names=json.loads(row["names"]),
            locked=frozenset(json.loads(row["locked"])),
            posts=posts,
            staffing=staffing,
            events=json.loads(row["history"]),
            version=int(row["version"]),
            parent=None if row["parent_version"] is None else int(row["parent_version"]),
            parent_plan=row["parent_plan"],
            author=row["author"],
            created=row["created"],
            message=row["message"],
        )

    def _load_features(
        self, conn: Connection, table: str, schema: Mapping[str, Any], key: Mapping[str, Any]
    ) -> gpd.GeoDataFrame:
        rows = conn.execute(
            text(
                f"SELECT attrs, geom_wkb FROM {table} WHERE plan = :n AND "
                "version = :v ORDER BY row_no"
            ),
            key,
        ).all()
        return _restore_frame(schema, [r[0] for r in rows], [r[1] for r in rows])

    def _missing(self, conn: Connection, name: str, version: int | None = None) -> StoreError:
        plans = [
            r[0]
            for r in conn.execute(
                text("SELECT name FROM plans WHERE latest_version > 0 ORDER BY name")
            )
        ]
        if version is None or name not in plans:
            known = ", ".join(f"`{p}`" for p in plans[:20]) or "none"
            return StoreError(
                f"no plan `{name}` in the store {self.describe()} (plans: {known}); "
                "check the name with `gridplan plan list`",
                code="no_plan",
                plan=name,
                plans=known,
            )
        latest = self._latest(conn, name)
        return StoreError(
            f"plan `{name}` has no version {version} (versions 1-{latest}); "
            f"see `gridplan plan show {name}`",
            code="no_version",
            plan=name,
            version=version,
            latest=latest,
        )

    # -- listing ------------------------------------------------------------------------

    def list(self) -> pd.DataFrame:
        """Plans in the store: name, latest_version, n_versions, author, created, updated, message."""
        sql = (
            "SELECT p.name, p.latest_version, p.author, p.created, v.created AS updated, "
            "v.author AS updated_by, v.message, "
            "(SELECT COUNT(*) FROM versions w WHERE w.plan = p.name) AS n_versions "
            "FROM plans p JOIN versions v ON v.plan = p.name AND v.version = p.latest_version "
            "ORDER BY p.name"
        )
        with self.engine.begin() as conn:
            df = pd.DataFrame(
                conn.execute(text(sql)).mappings().all(),
                columns=[
                    "name",
                    "latest_version",
                    "author",
                    "created",
                    "updated",
                    "updated_by",
                    "message",
                    "n_versions",
                ],
            )
        return df[
            [
                "name",
                "latest_version",
                "n_versions",
                "author",
                "created",
                "updated",
                "updated_by",
                "message",
            ]
        ]

    def versions(self, name: str) -> pd.DataFrame:
        """Versions of a plan: version, parent_plan, parent_version, author, created, message,
        n_grids, n_units, n_history (events that produced it), n_journal (events appended on it).

        Raises
        ------
        StoreError
            If there is no such plan.
        """
        sql = (
            "SELECT v.version, v.parent_plan, v.parent_version, v.author, v.created, v.message, "
            "v.n_grids, v.n_units, v.history, "
            "(SELECT COUNT(*) FROM events e WHERE e.plan = v.plan AND e.version = v.version) AS n_journal "
            "FROM versions v WHERE v.plan = :n ORDER BY v.version"
        )
        with self.engine.begin() as conn:
            rows = conn.execute(text(sql), {"n": name}).mappings().all()
            if not rows:
                raise self._missing(conn, name)
        df = pd.DataFrame(rows)
        df["n_history"] = df.pop("history").map(lambda h: len(json.loads(h)))
        return df

    # -- the edit journal ----------------------------------------------------------------

    def append_event(
        self, plan: str, version: int, event: Mapping[str, Any], *, session: str = DEFAULT_SESSION
    ) -> int:
        """Append one edit event to the journal of ``plan`` ``version``, committed at once.

        Parameters
        ----------
        plan, version
            The saved version the edits apply to.
        event : mapping
            A JSON-safe edit event (``PlanEditor.events`` item).
        session : str
            Journal name, so that two sessions editing the same version keep separate logs.

        Returns
        -------
        int
            The event's sequence number in the journal (1, 2, ...).

        Raises
        ------
        StoreError
            If the version is not in the store.
        ValidationError
            If the event is not JSON-safe.
        """
        try:
            payload = json.dumps(dict(event), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                [
                    Problem(
                        layer="events",
                        message=f"event is not JSON-safe ({exc})",
                        fix="record events as plain dicts of str/int/float/list",
                        code="st_event_json",
                        params={"msg": str(exc)},
                    )
                ],
                title=f"cannot append an event to plan `{plan}`",
            ) from exc
        with self.engine.begin() as conn:
            self._latest(conn, plan, lock=True)  # serialises appenders on PostgreSQL
            exists = conn.execute(
                text("SELECT 1 FROM versions WHERE plan = :n AND version = :v"),
                {"n": plan, "v": int(version)},
            ).first()
            if exists is None:
                raise self._missing(conn, plan, int(version))
            seq = conn.execute(
                text(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE plan = :n "
                    "AND version = :v AND session = :s"
                ),
                {"n": plan, "v": int(version), "s": session},
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO events (plan, version, session, seq, created, event) "
                    "VALUES (:n, :v, :s, :q, :c, :e)"
                ),
                {
                    "n": plan,
                    "v": int(version),
                    "s": session,
                    "q": int(seq),
                    "c": _now(),
                    "e": payload,
                },
            )
        return int(seq)

    def events(
        self, plan: str, version: int, *, session: str = DEFAULT_SESSION
    ) -> builtins.list[dict[str, Any]]:
        """The journal of ``plan`` ``version`` (events in the order they were appended)."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT event FROM events WHERE plan = :n AND version = :v "
                    "AND session = :s ORDER BY seq"
                ),
                {"n": plan, "v": int(version), "s": session},
            ).all()
        return [json.loads(r[0]) for r in rows]

    def clear_events(self, plan: str, version: int, *, session: str = DEFAULT_SESSION) -> int:
        """Delete a journal (e.g. after its edits were saved as a new version); return the count."""
        with self.engine.begin() as conn:
            res = conn.execute(
                text("DELETE FROM events WHERE plan = :n AND version = :v AND session = :s"),
                {"n": plan, "v": int(version), "s": session},
            )
        return int(res.rowcount or 0)

    def sessions(self, plan: str, version: int) -> builtins.list[str]:
        """Names of the journals kept on ``plan`` ``version``."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT DISTINCT session FROM events WHERE plan = :n AND "
                    "version = :v ORDER BY session"
                ),
                {"n": plan, "v": int(version)},
            )
            return [r[0] for r in rows]


def resume_editor(
    store: Store,
    units: Any,
    name: str,
    version: int | None = None,
    *,
    session: str = DEFAULT_SESSION,
) -> tuple[PlanRecord, Any]:
    """Reopen a plan where it was left: load a version and replay its edit journal.

    Parameters
    ----------
    store : Store
    units : geo.grids.units.UnitGraph
        The units the plan was made on.
    name, version
        The plan and the saved version the edits were journaled on (default: latest).
    session : str
        The journal to replay.

    Returns
    -------
    (PlanRecord, geo.grids.plan.PlanEditor)
        The saved version, and an editor holding the journaled edits (undo/redo included),
        whose ``events`` equal the journal.
    """
    from geo.grids.edits import PlanEditor

    record = store.load(name, version)
    events = store.events(name, int(record.version or 0), session=session)
    return record, PlanEditor.replay(record_to_plan(record, units), events)


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True, eq=False)
class PlanDiff:
    """Differences between two plan versions ``a`` (before) and ``b`` (after).

    Attributes
    ----------
    moved : DataFrame
        ``unit_id``, ``from_grid``, ``to_grid`` of units present in both whose grid changed.
    units_added, units_removed : list of str
        Units only in ``b`` / only in ``a``.
    grids_added, grids_removed, grids_changed : list of str
        Grid ids only in ``b``, only in ``a``, in both with another set of units or shape.
    metrics : DataFrame
        ``metric``, ``a``, ``b``, ``delta`` for plan-level figures.
    grid_deltas : DataFrame
        Per grid in both: numeric columns of ``a`` and ``b`` and their deltas (changed grids).
    changed_areas : GeoDataFrame
        ``grid_id``, ``change`` ("added" / "removed" / "gained" / "lost"), ``area_m2`` and the
        geometry of each difference, in ``b``'s CRS: the map of the differences.
    """

    a: tuple[str, int | None]
    b: tuple[str, int | None]
    moved: pd.DataFrame
    units_added: list[str]
    units_removed: list[str]
    grids_added: list[str]
    grids_removed: list[str]
    grids_changed: list[str]
    metrics: pd.DataFrame
    grid_deltas: pd.DataFrame
    changed_areas: gpd.GeoDataFrame

    def summary(self) -> dict[str, Any]:
        """JSON-safe summary (counts, lists, metric deltas)."""
        summary: dict[str, Any] = json_safe(
            {
                "from": {"plan": self.a[0], "version": self.a[1]},
                "to": {"plan": self.b[0], "version": self.b[1]},
                "units_moved": len(self.moved),
                "units_added": self.units_added,
                "units_removed": self.units_removed,
                "grids_added": self.grids_added,
                "grids_removed": self.grids_removed,
                "grids_changed": self.grids_changed,
                "metrics": self.metrics.to_dict(orient="records"),
                "changed_area_m2": float(self.changed_areas["area_m2"].sum())
                if len(self.changed_areas)
                else 0.0,
            }
        )
        return summary


#: Columns of a grids frame compared per grid and summarised per plan.
_DIFF_COLUMNS = ("households", "party_members", "residents", "n_units", "polsby_popper")


def _grid_units(assignment: Mapping[str, str]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for u, g in assignment.items():
        out.setdefault(str(g), set()).add(str(u))
    return {g: frozenset(s) for g, s in out.items()}


def _plan_metrics(rec: PlanRecord) -> dict[str, float]:
    g = rec.grids
    m: dict[str, float] = {
        "n_grids": float(len(g)),
        "n_units": float(len(rec.assignment)),
        "n_locked": float(len(rec.locked)),
    }
    for col in ("households", "party_members"):
        if col in g and len(g):
            vals = pd.to_numeric(g[col], errors="coerce")
            m[f"{col}_mean"] = float(vals.mean())
            m[f"{col}_min"] = float(vals.min())
            m[f"{col}_max"] = float(vals.max())
            mean = float(vals.mean())
            m[f"{col}_max_abs_dev_pct"] = (
                float((vals - mean).abs().max() / mean * 100) if mean else float("nan")
            )
    if "in_band" in g and len(g):
        m["in_band_share"] = float(pd.Series(g["in_band"]).astype(float).mean())
    if "polsby_popper" in g and len(g):
        m["polsby_popper_mean"] = float(pd.to_numeric(g["polsby_popper"], errors="coerce").mean())
    if "contiguous" in g and len(g):
        m["non_contiguous"] = float((~pd.Series(g["contiguous"]).astype(bool)).sum())
    return m


def _by_grid(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "grid_id" not in gdf:
        raise ValidationError(
            [
                Problem(
                    layer="grids",
                    field="grid_id",
                    message="column missing",
                    fix="compare plans whose grids carry grid_id",
                    code="st_no_grid_id",
                )
            ],
            title="cannot compare plans",
        )
    return gdf.assign(grid_id=gdf["grid_id"].astype(str)).set_index("grid_id")


def diff_plans(a: PlanRecord, b: PlanRecord) -> PlanDiff:
    """Compare plan versions ``a`` (before) and ``b`` (after).

    Parameters
    ----------
    a, b : PlanRecord
        Two versions, usually of the same plan; grids in metric CRSs (``a`` is reprojected
        to ``b``'s CRS for the map of differences).

    Returns
    -------
    PlanDiff
    """
    moved = [
        (u, a.assignment[u], b.assignment[u])
        for u in sorted(set(a.assignment) & set(b.assignment))
        if str(a.assignment[u]) != str(b.assignment[u])
    ]
    units_a, units_b = _grid_units(a.assignment), _grid_units(b.assignment)
    ga, gb = _by_grid(a.grids), _by_grid(b.grids)
    if ga.crs is not None and gb.crs is not None and ga.crs != gb.crs:
        ga = ga.to_crs(gb.crs)
    ids_a, ids_b = set(ga.index) | set(units_a), set(gb.index) | set(units_b)
    common = sorted(ids_a & ids_b)
    # The same plan rebuilt from another source (another datum, a GeoJSON round trip) moves
    # boundaries by millimetres; only a shift above DIFF_SHAPE_TOLERANCE_M is a change.
    tolerance = DIFF_SHAPE_TOLERANCE_M
    if gb.crs is not None and not gb.crs.is_projected:
        tolerance = DIFF_SHAPE_TOLERANCE_M / 111_000.0
    changed = []
    for g in common:
        same_units = units_a.get(g, frozenset()) == units_b.get(g, frozenset())
        shape_a = ga.geometry.get(g) if g in ga.index else None
        shape_b = gb.geometry.get(g) if g in gb.index else None
        same_shape = (shape_a is None) == (shape_b is None) and (
            shape_a is None or shapely.hausdorff_distance(shape_a, shape_b) <= tolerance
        )
        if not (same_units and same_shape):
            changed.append(g)
    metrics_a, metrics_b = _plan_metrics(a), _plan_metrics(b)
    metrics = pd.DataFrame(
        [
            {"metric": k, "a": metrics_a.get(k, np.nan), "b": metrics_b.get(k, np.nan)}
            for k in dict.fromkeys([*metrics_a, *metrics_b])
        ]
    )
    metrics["delta"] = metrics["b"] - metrics["a"]
    cols = [c for c in _DIFF_COLUMNS if c in ga and c in gb]
    deltas = pd.DataFrame({"grid_id": changed})
    for c in cols:
        va = pd.to_numeric(ga[c], errors="coerce").reindex(changed).to_numpy()
        vb = pd.to_numeric(gb[c], errors="coerce").reindex(changed).to_numpy()
        deltas[f"{c}_a"], deltas[f"{c}_b"], deltas[f"{c}_delta"] = va, vb, vb - va
    return PlanDiff(
        a=(a.name, a.version),
        b=(b.name, b.version),
        moved=pd.DataFrame(moved, columns=["unit_id", "from_grid", "to_grid"]),
        units_added=sorted(set(b.assignment) - set(a.assignment)),
        units_removed=sorted(set(a.assignment) - set(b.assignment)),
        grids_added=sorted(ids_b - ids_a),
        grids_removed=sorted(ids_a - ids_b),
        grids_changed=changed,
        metrics=metrics,
        grid_deltas=deltas,
        changed_areas=_changed_areas(ga, gb, sorted(ids_b - ids_a), sorted(ids_a - ids_b), changed),
    )


def _changed_areas(
    ga: gpd.GeoDataFrame,
    gb: gpd.GeoDataFrame,
    added: Iterable[str],
    removed: Iterable[str],
    changed: Iterable[str],
) -> gpd.GeoDataFrame:
    rows: list[tuple[str, str, Any]] = []
    rows += [(g, "added", gb.geometry[g]) for g in added if g in gb.index]
    rows += [(g, "removed", ga.geometry[g]) for g in removed if g in ga.index]
    for g in changed:
        if g in ga.index and g in gb.index:
            old, new = ga.geometry[g], gb.geometry[g]
            rows.append((g, "gained", shapely.difference(new, old)))
            rows.append((g, "lost", shapely.difference(old, new)))
    out = gpd.GeoDataFrame(
        rows, columns=["grid_id", "change", "geometry"], geometry="geometry", crs=gb.crs
    )
    geoms = out.geometry.values
    out = out[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if out.crs is not None and out.crs.is_projected:
        out = out.assign(area_m2=out.area)
    else:
        out = out.assign(area_m2=np.nan)
    keep = out["area_m2"].isna() | (out["area_m2"] > 1e-6)
    return out[keep][["grid_id", "change", "area_m2", "geometry"]].reset_index(drop=True)
