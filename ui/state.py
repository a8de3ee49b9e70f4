"""Session state of the app, and the map-interaction logic as plain functions.

The functions on GeoDataFrames (which unit a click hit, which units a lasso holds) carry no
streamlit import, so AppTest and unit tests call them directly: AppTest only sees an
``st_folium`` map as its JSON arguments and cannot click it.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import geopandas as gpd
import shapely
from shapely.geometry import shape

if TYPE_CHECKING:
    from geo.grids.edits import PlanEditor
    from geo.grids.plan import Plan

#: What :class:`Session` wraps: ``st.session_state`` (keys ``str`` or ``int``) or, in tests, a
#: plain dict keyed by ``str``.
StateMapping = MutableMapping[str, Any] | MutableMapping[str | int, Any]

#: Session key of the selected units (the grids tab's unit multiselect).
SEL_KEY = "sel_units"
#: Session keys computed from the current plan: dropped when a plan starts (and with the dataset).
PLAN_KEYS = (
    "last_edit",
    "staffing",
    "click_seen",
    "lasso_seen",
    "exports",
    "export_error",
    "_sel_for_grid",
    "_shown_units",
    "atlas_pdf",
    "atlas_error",
    "_em_unit_labels",
    "_em_labels_for",
)
#: Session keys computed from the dataset: dropped, with :data:`PLAN_KEYS`, when it changes.
#: (Widget keys such as ``edit_grid`` are not listed: they are checked against their options.)
DATASET_KEYS = (
    "plan",
    "editor",
    SEL_KEY,
    "open_plan",
    "plan_conflict",
    "plan_message",
    "resumed",
    "resume_error",
    "coverage",
    "siting",
    "curve",
    "_export_estates",
    "repair_over",
)
#: Everything a dataset switch forgets.
DERIVED_KEYS = (*DATASET_KEYS, *PLAN_KEYS)


@dataclass(frozen=True)
class Session:
    """The app's per-browser-tab state, typed, over ``st.session_state`` (any mapping in tests).

    Read the plan, its editor and the selection here; change what depends on the plan or the
    dataset only through :meth:`start_plan` and :meth:`reset_dataset`, so that every result
    computed from an old plan or dataset goes with it (the lists above are the one place that
    names those keys).
    """

    state: StateMapping

    @property
    def plan(self) -> Plan | None:
        """The current plan, or ``None``."""
        plan: Plan | None = self.state.get("plan")
        return plan

    @property
    def editor(self) -> PlanEditor | None:
        """The editor of the current plan (undo history), or ``None``."""
        editor: PlanEditor | None = self.state.get("editor")
        return editor

    @property
    def selection(self) -> list[str]:
        """The selected unit ids."""
        return [str(u) for u in self.state.get(SEL_KEY, [])]

    def start_plan(self, plan: Plan, editor: PlanEditor | None) -> None:
        """Make ``plan`` current with ``editor`` (its plan wins when given); forget the old plan's results."""
        for key in PLAN_KEYS:
            self.state.pop(key, None)
        self.state["editor"] = editor
        self.state["plan"] = editor.plan if editor is not None else plan
        self.state[SEL_KEY] = []

    def reset_dataset(self) -> None:
        """Forget the plan and every result computed from the previous dataset."""
        for key in DERIVED_KEYS:
            self.state.pop(key, None)


#: Largest gap between a click and a unit still taken as that unit, degrees (about 3 m): display
#: simplification leaves slivers of a few decimetres between neighbouring cells.
CLICK_TOLERANCE_DEG = 3e-5


def unit_at(
    units: gpd.GeoDataFrame,
    lon: float,
    lat: float,
    *,
    id_col: str = "unit_id",
    tolerance_deg: float = CLICK_TOLERANCE_DEG,
) -> str | None:
    """Return the id of the unit whose polygon holds the point (or lies within a sliver of it).

    Parameters
    ----------
    units : GeoDataFrame
        Unit cells in the map's coordinates (display frame, degrees).
    lon, lat : float
        The click in the same coordinates.
    tolerance_deg : float
        A click in a simplification sliver goes to the nearest unit within this distance.
    """
    if len(units) == 0:
        return None
    pt = shapely.Point(float(lon), float(lat))
    hits = units.sindex.query(pt, predicate="intersects")
    if len(hits) == 0 and tolerance_deg > 0:
        hits = units.sindex.nearest(pt, max_distance=tolerance_deg, return_all=False)[1]
    if len(hits) == 0:
        return None
    return str(units[id_col].iloc[int(sorted(hits)[0])])


def units_in_polygon(
    units: gpd.GeoDataFrame, geometry: Mapping[str, Any], *, id_col: str = "unit_id"
) -> list[str]:
    """Return ids of units whose representative point lies inside a drawn (lasso) polygon.

    ``geometry`` is a GeoJSON geometry (or Feature) in WGS84, as Leaflet.draw returns it.
    """
    geom = geometry.get("geometry", geometry) if isinstance(geometry, Mapping) else geometry
    lasso = shape(geom)
    if lasso.is_empty or lasso.geom_type not in ("Polygon", "MultiPolygon"):
        return []
    pts = units.geometry.representative_point()
    inside = pts.within(lasso)
    return [str(u) for u in units.loc[inside.values, id_col]]


#: Click entries of an ``st_folium`` value, preferred first: where the map was clicked, then
#: the clicked object's anchor (a click fires both; only one is handled).
CLICK_KEYS = ("last_clicked", "last_object_clicked")


def click_from_map(
    result: Mapping[str, Any] | None, seen: Mapping[str, Any] | None = None
) -> tuple[float, float] | None:
    """Extract ``(lat, lng)`` of a new click from an ``st_folium`` return value.

    ``seen`` holds the click entries already handled (``{key: value}``); a click is new when
    an entry differs from it. Returns ``None`` when there is no new click.
    """
    if not result:
        return None
    seen = seen or {}
    for key in CLICK_KEYS:
        click = result.get(key)
        if not click or click == seen.get(key):
            continue
        try:
            return float(click["lat"]), float(click["lng"])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def clicks_seen(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """The click entries of an ``st_folium`` value, to pass as ``seen`` next time."""
    return {k: (result or {}).get(k) for k in CLICK_KEYS}


def toggle(selection: Iterable[str], unit_id: str) -> list[str]:
    """Add ``unit_id`` to the selection, or remove it when already selected (a click toggles)."""
    current = [str(s) for s in selection]
    return [s for s in current if s != unit_id] if unit_id in current else [*current, unit_id]


def reset_derived(state: StateMapping) -> None:
    """:meth:`Session.reset_dataset` on ``state`` (a widget callback's signature)."""
    Session(state).reset_dataset()


#: Session key of the map's edits answered but not yet journaled (a :class:`JournalQueue`).
JOURNAL_QUEUE_KEY = "_em_journal_queue"


class JournalQueue:
    """Edits answered on the map whose journal entries are written after the map's delta.

    The grids tab queues each accepted edit's event with the plan version and journal open
    when it was made (:meth:`put`), and hands the writing to one long-lived thread
    (:meth:`flush`), so the next command need not wait for the store's commit. One writer
    thread for the process keeps every session's events in their order (``drain`` is only ever
    run there or, in tests, alone); :meth:`drain` stops at
    the first error and keeps the rest queued (its text in :attr:`error`) for the next flush.
    A reload resumes from the journal; a crash before the write loses at most the edits still
    queued (in practice the last one: a write takes milliseconds).
    """

    #: The process's one writer thread, made on first use.
    _writer: ClassVar[concurrent.futures.ThreadPoolExecutor | None] = None

    def __init__(self) -> None:
        import threading

        self.pending: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.error: str | None = None
        self._lock = threading.Lock()

    def put(self, target: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        """Queue ``event`` for the journal ``target`` (``{"name", "version", "journal"}``)."""
        with self._lock:
            self.pending.append((dict(target), dict(event)))

    def drain(self, store: Any) -> str | None:
        """Write the queued events oldest first with ``store.append_event``; the error text."""
        from geo.errors import GridplanError

        while True:
            with self._lock:  # held only to read and pop: :meth:`put` never waits for a write
                if not self.pending:
                    break
                target, event = self.pending[0]
            try:
                store.append_event(
                    target["name"], target["version"], event, session=target["journal"]
                )
            except GridplanError as exc:
                self.error = str(exc)
                return self.error
            with self._lock:
                self.error = None
                self.pending.pop(0)
        return None

    def flush(self, store: Any, *, wait: bool = False) -> str | None:
        """Drain in the writer thread (and wait for it with ``wait``); the last error seen."""
        if not self.pending:
            return self.error
        if JournalQueue._writer is None:
            JournalQueue._writer = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="gp-journal"
            )
        done = JournalQueue._writer.submit(self.drain, store)
        return done.result() if wait else self.error
