"""Walking distances: load a walk network, snap points to it, compute distances many-to-many.

A walk network is an osmnx ``MultiDiGraph`` (GraphML or .osm XML, offline; or downloaded by
place name / bounding box only when ``online=True``). For computing it is compacted once into a
:class:`WalkNetwork`: node coordinates in the dataset's metric CRS, a symmetric scipy CSR matrix
of edge lengths in metres (walking ignores one-way rules) and a KD-tree for snapping. The object
is frozen and picklable, so the app can cache it.

Distances run on :mod:`scipy.sparse.csgraph` (Dijkstra with a ``limit`` from the smaller side,
or a multi-source ``min_only`` run for the nearest facility), with every point's snap distance
added. Without a network the stated fallback is the straight-line distance times a detour
factor, and the ``method`` label says so wherever a result shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from geo.errors import CRSError, Problem, ValidationError
from geo.settings import DEFAULT_DETOUR_FACTOR, NETWORK_FAR_M, SNAP_WARN_M

if TYPE_CHECKING:
    import networkx as nx
    from pyproj import CRS

log = logging.getLogger(__name__)

#: Method label of distances computed on a walk network.
NETWORK_METHOD = "network"
#: Zero-length edges are stored with this length (metres): csgraph drops explicit zeros.
_MIN_EDGE_M = 1e-9
#: Dijkstra runs on chunks of sources whose dense output holds at most this many cells
#: (8 MB): small chunks stay in cache and measured 4-10x faster than one big call.
_CHUNK_CELLS = 1_000_000


def straight_line_method(detour_factor: float) -> str:
    """Label of the straight-line fallback, e.g. ``"straight-line x1.3"``."""
    return f"straight-line x{detour_factor:g}"


# --------------------------------------------------------------------------- loading


def load_network(
    path_or_place: str | Path | None = None,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    online: bool = False,
) -> nx.MultiDiGraph:
    """Load a walk network as an osmnx ``MultiDiGraph`` (edge ``length`` in metres).

    Parameters
    ----------
    path_or_place : str or Path, optional
        A GraphML file (``.graphml``), an OSM XML file (``.osm``/``.xml``), or, with
        ``online=True``, a place name for :func:`osmnx.graph_from_place`.
    bbox : tuple of float, optional
        ``(west, south, east, north)`` in WGS84 degrees; downloaded with ``online=True``.
    online : bool
        Allow downloading from OpenStreetMap. Off by default: nothing leaves the machine.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes with ``x``, ``y`` in the graph's ``crs``; edges with ``length`` in metres.

    Raises
    ------
    ValidationError
        If the file is missing or of an unknown type, a download is needed but ``online`` is
        off, or edges have no ``length``.

    Examples
    --------
    Not run as a doctest: it reads a file the caller supplies.

    >>> G = load_network("data/boundaries/walk.graphml")  # doctest: +SKIP
    """
    import osmnx as ox

    if path_or_place is None and bbox is None:
        raise _problem(
            "`path_or_place` or `bbox` is required",
            "pass a GraphML/.osm file path",
            code="net_no_source",
        )
    path = Path(path_or_place) if path_or_place is not None else None
    if path is not None and path.suffix.lower() in (".graphml", ".osm", ".xml"):
        if not path.is_file():
            raise _problem(
                f"network file {str(path)!r} not found",
                "check the path, or omit the network to use the straight-line fallback",
                code="net_file_missing",
                params={"file": str(path)},
            )
        G = _read_with_osmnx(path)
    elif not online:
        what = f"place {str(path_or_place)!r}" if path_or_place is not None else f"bbox {bbox}"
        raise _problem(
            f"{what} is not a .graphml/.osm file and downloading is off",
            "pass a local network file, or online=True (--online) to fetch it from OpenStreetMap",
            code="net_not_local",
            params={"what": str(what)},
        )
    elif bbox is not None:
        G = ox.graph_from_bbox(
            (bbox[0], bbox[1], bbox[2], bbox[3]), network_type="walk", retain_all=True
        )
    else:
        G = ox.graph_from_place(str(path_or_place), network_type="walk", retain_all=True)
    _check_lengths(G)
    return G


def _read_with_osmnx(path: Path) -> nx.MultiDiGraph:
    """Read a GraphML or .osm file with osmnx, turning its parse errors into a message."""
    import xml.etree.ElementTree as ET

    import osmnx as ox

    try:
        if path.suffix.lower() == ".graphml":
            return ox.load_graphml(path)
        return ox.graph_from_xml(path, bidirectional=True, simplify=True, retain_all=True)
    except ET.ParseError as exc:
        raise _problem(
            f"{path.name} is not valid XML: {exc}",
            "export the network again (osmnx GraphML, or OSM XML from JOSM/Overpass)",
            layer=path.name,
            code="net_bad_xml",
            params={"file": path.name, "msg": str(exc)},
        ) from None
    except (KeyError, ValueError, TypeError) as exc:  # osmnx: a node without lat/lon, no ways ...
        raise _problem(
            f"{path.name} is not a usable walk network ({type(exc).__name__}: {exc})",
            "export the network again with its nodes (lat, lon) and walkable ways",
            layer=path.name,
            code="net_unusable",
            params={"file": path.name, "msg": f"{type(exc).__name__}: {exc}"},
        ) from None


def project_network(G: nx.MultiDiGraph, crs: Any) -> nx.MultiDiGraph:
    """Return a copy of ``G`` with node ``x``/``y`` (and edge geometries) in ``crs``."""
    import osmnx as ox

    return ox.projection.project_graph(G, to_crs=crs)


def _check_lengths(G: nx.MultiDiGraph) -> None:
    bad = [(u, v) for u, v, d in G.edges(data=True) if _bad_length(d.get("length"))]
    if bad:
        raise _problem(
            f"{len(bad)} edge(s) have no valid `length` in metres, e.g. {bad[:3]}",
            "save the network with osmnx (edges carry `length`) or fix those edges",
            code="net_bad_lengths",
            params={"n": len(bad), "examples": ", ".join(map(str, bad[:3]))},
        )


def _bad_length(value: Any) -> bool:
    try:
        return not (float(value) >= 0.0)
    except (TypeError, ValueError):
        return True


def _problem(
    message: str,
    fix: str,
    *,
    layer: str = "network",
    code: str | None = None,
    params: dict[str, Any] | None = None,
) -> ValidationError:
    """A walk network error: one problem with its stable ``code`` and ``params``."""
    return ValidationError(
        [Problem(layer=layer, message=message, fix=fix, code=code, params=params or {})],
        title="walk network problem",
    )


def _graph_crs(graph_crs: Any, source: str) -> CRS:
    from pyproj import CRS as _CRS
    from pyproj.exceptions import CRSError as _ProjCRSError

    try:
        return _CRS.from_user_input(graph_crs)
    except _ProjCRSError:
        raise _problem(
            f"the graph's `crs` {str(graph_crs)!r} is not a known CRS",
            "write the CRS of the node coordinates as `EPSG:<code>` in the graph's crs",
            layer=source,
            code="net_bad_crs",
            params={"crs": str(graph_crs)},
        ) from None


def _check_node_coords(node_ids: np.ndarray, xy: np.ndarray, g_crs: CRS, source: str) -> None:
    """Refuse node coordinates that are not finite or lie outside the declared CRS's range.

    The usual case: coordinates in metres (a projected CRS) while the graph says WGS84; the
    transform and the KD-tree would otherwise fail with ``data must be finite``.
    """
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise _problem(
            f"{int(bad.sum())} node(s) have a non-finite `x`/`y`, e.g. "
            f"{_node_sample(node_ids, xy, bad)}",
            "give every node numeric coordinates, or export the network again",
            layer=source,
            code="net_nodes_not_finite",
            params={"n": int(bad.sum()), "examples": _node_sample(node_ids, xy, bad)},
        )
    if g_crs.is_geographic:
        out = (np.abs(xy[:, 0]) > 180.0) | (np.abs(xy[:, 1]) > 90.0)
        if out.any():
            raise _problem(
                f"{int(out.sum())} of {len(xy)} node(s) lie outside longitude -180..180 / latitude "
                f"-90..90 of the declared CRS {g_crs.to_string()}, e.g. {_node_sample(node_ids, xy, out)}: "
                "the coordinates look like metres of a projected CRS",
                "an .osm file holds WGS84 degrees: export it again from OpenStreetMap data"
                if source.lower().endswith((".osm", ".xml"))
                else "set the graph's `crs` to the CRS the coordinates are in (e.g. EPSG:32651, UTM 51N), "
                "or export the network again in WGS84",
                layer=source,
                code="net_metres_as_degrees",
                params={
                    "n": int(out.sum()),
                    "total": len(xy),
                    "crs": g_crs.to_string(),
                    "examples": _node_sample(node_ids, xy, out),
                },
            )
        return
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(g_crs, "EPSG:4326", always_xy=True).transform(
        xy[:, 0], xy[:, 1]
    )
    out = ~(np.isfinite(lon) & np.isfinite(lat))
    if out.any():
        raise _problem(
            f"{int(out.sum())} of {len(xy)} node(s) lie outside the range of the declared CRS "
            f"{g_crs.to_string()}, e.g. {_node_sample(node_ids, xy, out)}",
            "set the graph's `crs` to the CRS the coordinates are in",
            layer=source,
            code="net_outside_crs",
            params={
                "n": int(out.sum()),
                "total": len(xy),
                "crs": g_crs.to_string(),
                "examples": _node_sample(node_ids, xy, out),
            },
        )


def _node_sample(node_ids: np.ndarray, xy: np.ndarray, mask: np.ndarray) -> str:
    picks = np.flatnonzero(mask)[:3]
    return ", ".join(f"node {node_ids[i]} ({xy[i, 0]:.9g}, {xy[i, 1]:.9g})" for i in picks)


# --------------------------------------------------------------------------- compact network


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """A walk network compacted for fast distances (frozen, picklable).

    Attributes
    ----------
    node_ids : ndarray
        Original graph node ids, position = node index.
    xy : ndarray of float, shape (n, 2)
        Node coordinates in ``crs`` (metres).
    lengths : scipy.sparse.csr_matrix, shape (n, n)
        Symmetric edge lengths in metres (shortest of parallel edges, both directions).
    crs : pyproj.CRS
        The metric CRS of ``xy``.
    component : ndarray of int, shape (n,)
        Connected-component label of each node.
    """

    node_ids: np.ndarray
    xy: np.ndarray
    lengths: sparse.csr_matrix
    crs: CRS
    component: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tree", cKDTree(self.xy))

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("node_ids", "xy", "lengths", "crs", "component")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        self.__post_init__()

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.xy.shape[0])

    @property
    def n_components(self) -> int:
        """Number of connected components (1 for a connected network)."""
        return int(self.component.max()) + 1 if self.n_nodes else 0

    @classmethod
    def from_graph(
        cls, G: nx.MultiDiGraph, crs: Any = None, *, source: str = "network"
    ) -> WalkNetwork:
        """Compact an osmnx/networkx graph; project it to ``crs`` (metric) first if needed.

        Parameters
        ----------
        G : networkx.MultiDiGraph
            Nodes with ``x``, ``y``; edges with ``length`` in metres; ``G.graph["crs"]``.
        crs : CRS-like, optional
            Target metric CRS (the dataset's). Default: ``G``'s CRS when projected, else its
            UTM zone.
        source : str
            File or layer name used in messages.
        """
        if G.number_of_nodes() == 0:
            raise _problem(
                "the network has no nodes",
                "use a network that covers the data",
                code="net_no_nodes",
            )
        _check_lengths(G)
        node_ids = np.array(list(G.nodes), dtype=object)
        try:
            xy = np.array(
                [(float(d["x"]), float(d["y"])) for _, d in G.nodes(data=True)], dtype=float
            )
        except (KeyError, TypeError, ValueError):
            raise _problem(
                "some node(s) have no numeric `x`/`y`",
                "give every node coordinates `x`, `y`",
                layer=source,
                code="net_some_nodes_no_xy",
            ) from None
        position = {node: i for i, node in enumerate(node_ids)}
        edges = [(position[u], position[v], float(d["length"])) for u, v, d in G.edges(data=True)]
        arr = np.array(edges, dtype=float).reshape(-1, 3)
        return cls.from_arrays(
            node_ids,
            xy,
            arr[:, 0].astype(np.int64),
            arr[:, 1].astype(np.int64),
            arr[:, 2],
            graph_crs=G.graph.get("crs", "EPSG:4326"),
            crs=crs,
            source=source,
        )

    @classmethod
    def from_arrays(
        cls,
        node_ids: np.ndarray,
        xy: np.ndarray,
        u: np.ndarray,
        v: np.ndarray,
        length_m: np.ndarray,
        *,
        graph_crs: Any,
        crs: Any = None,
        source: str = "network",
    ) -> WalkNetwork:
        """Build from node and edge arrays (edges as node positions ``u``, ``v``; metres).

        Node points are projected from ``graph_crs`` to ``crs`` (or the UTM zone when
        ``graph_crs`` is geographic and ``crs`` is not given) with pyproj directly.
        Coordinates that are not finite or outside ``graph_crs``'s range (metres declared as
        WGS84) are refused with a :class:`ValidationError` naming ``source``.
        """
        from pyproj import CRS as _CRS

        if len(node_ids) == 0:
            raise _problem(
                "the network has no nodes",
                "use a network that covers the data",
                layer=source,
                code="net_no_nodes",
            )
        g_crs = _graph_crs(graph_crs, source)
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        _check_node_coords(np.asarray(node_ids, dtype=object), xy, g_crs, source)
        target = _CRS.from_user_input(crs) if crs is not None else None
        if target is not None and not target.is_projected:
            raise CRSError(f"`crs` must be a metric CRS, got {target.to_string()}")
        if target is None and not g_crs.is_projected:
            target = _utm_for(xy, g_crs)
        final = g_crs
        if target is not None and target != g_crs:
            # only node points are needed: transform them directly (osmnx.project_graph also
            # rebuilds every edge geometry and took 14 s on a 48,000-node network)
            from pyproj import Transformer

            x, y = Transformer.from_crs(g_crs, target, always_xy=True).transform(xy[:, 0], xy[:, 1])
            xy, final = np.column_stack([x, y]), target
        lengths = _csr_lengths(len(node_ids), u, v, length_m)
        _, labels = csgraph.connected_components(lengths, directed=False)
        return cls(
            node_ids=np.asarray(node_ids, dtype=object),
            xy=np.asarray(xy, dtype=float),
            lengths=lengths,
            crs=final,
            component=labels,
        )

    @classmethod
    def from_file(cls, path: str | Path, crs: Any = None) -> WalkNetwork:
        """Load a GraphML or .osm file and compact it.

        GraphML is streamed straight into arrays (node ``x``/``y``, edge ``length``, graph
        ``crs``): about 10x faster than :func:`osmnx.load_graphml` on large networks, with the
        same result. ``.osm`` goes through :func:`load_network`.
        """
        path = Path(path)
        if path.suffix.lower() == ".graphml":
            if not path.is_file():
                raise _problem(
                    f"network file {str(path)!r} not found",
                    "check the path, or omit the network to use the straight-line fallback",
                    code="net_file_missing",
                    params={"file": str(path)},
                )
            node_ids, xy, u, v, length_m, graph_crs = _read_graphml(path)
            return cls.from_arrays(
                node_ids, xy, u, v, length_m, graph_crs=graph_crs, crs=crs, source=path.name
            )
        return cls.from_graph(load_network(path), crs, source=path.name)

    def snap(self, points: Any) -> tuple[np.ndarray, np.ndarray]:
        """Snap points to their nearest network node.

        Parameters
        ----------
        points : GeoSeries, GeoDataFrame or ndarray of shape (k, 2)
            Points (non-point geometries use their representative point). Geometries are
            reprojected to the network CRS; arrays are taken as already in it (metres).

        Returns
        -------
        node_idx : ndarray of int
            Index of the nearest node (into ``node_ids`` / ``xy``).
        snap_m : ndarray of float
            Straight-line distance to that node in metres. Points farther than
            ``geo.settings.SNAP_WARN_M`` are logged as a warning.
        """
        xy = point_coords(points, self.crs)
        if len(xy) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        snap_m, idx = self._tree.query(xy)  # type: ignore[attr-defined]
        far = int(np.sum(snap_m > SNAP_WARN_M))
        if far:
            log.warning(
                "%d point(s) snapped more than %.0f m to the walk network", far, SNAP_WARN_M
            )
        return np.asarray(idx, dtype=np.int64), np.asarray(snap_m, dtype=float)


def require_network_near(net: WalkNetwork | None, points: Any, *, layer: str) -> None:
    """Refuse a walk network farther than ``NETWORK_FAR_M`` from every point of a layer.

    Snapping would otherwise join each point to a node kilometres away and every later answer
    ("no new post can add coverage") would hide the cause: a network of another city, or a
    network and data in different CRSs or datums.

    Parameters
    ----------
    net : WalkNetwork or None
        The network (``None``: the straight-line fallback, nothing to check).
    points : GeoSeries, GeoDataFrame or ndarray of shape (k, 2)
        The layer's points (metric CRS; reprojected to the network's).
    layer : str
        Layer name for the message (``"estates"``).

    Raises
    ------
    ValidationError
        If the nearest point of the layer lies farther than ``NETWORK_FAR_M`` from the network.
    """
    if net is None:
        return
    xy = point_coords(points, net.crs)
    if len(xy) == 0:
        return
    snap_m, _ = net._tree.query(xy)  # type: ignore[attr-defined]
    nearest_m = float(np.min(snap_m))
    if nearest_m > NETWORK_FAR_M:
        raise ValidationError(
            [
                Problem(
                    layer,
                    f"the walk network is {nearest_m / 1000:.1f} km from the nearest of the {len(xy)} "
                    f"{layer}: probably the network of "
                    "another city, or the network and the data in different CRSs or datums",
                    "pass the walk network of this area (--network FILE), check the network's `crs` and "
                    "the data's --datum, or leave the network out to use straight-line distances",
                    code="net_far",
                    params={"km": f"{nearest_m / 1000:.1f}", "n": len(xy), "layer": layer},
                )
            ],
            title="walk network problem",
        )


def _utm_for(xy: np.ndarray, crs: CRS) -> CRS:
    """UTM zone CRS of lon/lat points (their mean), as osmnx picks it; the choice is logged."""
    from pyproj import CRS as _CRS
    from pyproj import Transformer
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(*xy.mean(axis=0))
    info = query_utm_crs_info(
        datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
    )
    if not info:
        raise CRSError(f"no UTM zone for the network's centre ({lon:.4f}, {lat:.4f}); pass `crs`")
    utm = _CRS.from_epsg(int(info[0].code))
    log.info("walk network projected to %s", utm.to_string())
    return utm


def _csr_lengths(n: int, u: np.ndarray, v: np.ndarray, length_m: np.ndarray) -> sparse.csr_matrix:
    """Symmetric CSR of the shortest edge length (metres) between each pair of nodes."""
    keep = u != v  # self-loops never shorten a walk
    u, v, length_m = u[keep], v[keep], length_m[keep]
    if len(u) == 0:
        return sparse.csr_matrix((n, n))
    rows = np.concatenate([u, v]).astype(np.int64)
    cols = np.concatenate([v, u]).astype(np.int64)
    vals = np.maximum(np.concatenate([length_m, length_m]).astype(float), _MIN_EDGE_M)
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return sparse.csr_matrix((vals[first], (rows[first], cols[first])), shape=(n, n))


def _read_graphml(
    path: Path,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """Stream an osmnx GraphML file into node ids, xy, edge ends, lengths (m) and the CRS."""
    import xml.etree.ElementTree as ET

    keys: dict[str, tuple[str, str]] = {}
    ids: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    src: list[str] = []
    dst: list[str] = []
    lens: list[float] = []
    graph_crs = "EPSG:4326"
    bad_nodes: list[str] = []
    bad_edges: list[tuple[str, str]] = []
    try:
        for _, el in ET.iterparse(path, events=("end",)):
            tag = el.tag.rpartition("}")[2]
            if tag == "key":
                keys[el.get("id", "")] = (el.get("for", ""), el.get("attr.name", ""))
            elif tag == "node":
                data = _data(el, keys, "node")
                try:
                    xs.append(float(data["x"]))
                    ys.append(float(data["y"]))
                    ids.append(el.get("id", ""))
                except (KeyError, ValueError):
                    bad_nodes.append(el.get("id", "?"))
                el.clear()
            elif tag == "edge":
                data = _data(el, keys, "edge")
                src.append(el.get("source", ""))
                dst.append(el.get("target", ""))
                lens.append(
                    float(data["length"]) if not _bad_length(data.get("length")) else np.nan
                )
                if np.isnan(lens[-1]):
                    bad_edges.append((src[-1], dst[-1]))
                el.clear()
            elif (
                tag == "data"
                and keys.get(el.get("key", ""), ("", ""))[1] == "crs"
                and keys[el.get("key", "")][0] == "graph"
            ):
                graph_crs = (el.text or graph_crs).strip()
    except ET.ParseError as exc:
        raise _problem(
            f"{path.name} is not valid GraphML: {exc}",
            "export it again with osmnx",
            code="net_bad_graphml",
            params={"file": path.name, "msg": str(exc)},
        ) from None
    if bad_nodes:
        raise _problem(
            f"{len(bad_nodes)} node(s) have no numeric `x`/`y`, e.g. {bad_nodes[:3]}",
            "save the network with osmnx (nodes carry x and y)",
            code="net_nodes_no_xy",
            params={"n": len(bad_nodes), "examples": ", ".join(map(str, bad_nodes[:3]))},
        )
    if bad_edges:
        raise _problem(
            f"{len(bad_edges)} edge(s) have no valid `length` in metres, e.g. {bad_edges[:3]}",
            "save the network with osmnx (edges carry `length`) or fix those edges",
            code="net_bad_lengths",
            params={"n": len(bad_edges), "examples": ", ".join(map(str, bad_edges[:3]))},
        )
    position = {node: i for i, node in enumerate(ids)}
    missing = sorted({n for n in (*src, *dst) if n not in position})
    if missing:
        raise _problem(
            f"edges refer to {len(missing)} node(s) not in the file, e.g. {missing[:3]}",
            "export the whole network again",
            code="net_missing_nodes",
            params={"n": len(missing), "examples": ", ".join(map(str, missing[:3]))},
        )
    node_ids = np.array(
        [int(i) for i in ids] if all(i.lstrip("-").isdigit() for i in ids) else ids, dtype=object
    )
    u = np.fromiter((position[n] for n in src), dtype=np.int64, count=len(src))
    v = np.fromiter((position[n] for n in dst), dtype=np.int64, count=len(dst))
    return (
        node_ids,
        np.column_stack([xs, ys]).reshape(-1, 2),
        u,
        v,
        np.asarray(lens, float),
        graph_crs,
    )


def _data(el: Any, keys: dict[str, tuple[str, str]], kind: str) -> dict[str, str]:
    out = {}
    for child in el:
        for_, name = keys.get(child.get("key", ""), ("", ""))
        if for_ in (kind, "all"):
            out[name] = child.text or ""
    return out


def point_coords(points: Any, crs: Any = None) -> np.ndarray:
    """Return ``(k, 2)`` coordinates in metres of points given as geometries or an array.

    Geometries are reprojected to ``crs`` when both have a CRS; a geographic result is refused.
    Non-point geometries contribute their representative point.
    """
    import geopandas as gpd
    from pyproj import CRS as _CRS

    if isinstance(points, gpd.GeoDataFrame):
        points = points.geometry
    if isinstance(points, gpd.GeoSeries):
        if crs is not None and points.crs is not None and _CRS.from_user_input(crs) != points.crs:
            points = points.to_crs(crs)
        if points.crs is not None and not points.crs.is_projected:
            raise CRSError(
                f"points must be in a metric CRS, got {points.crs.to_string()}; "
                "load them with geo.data.io or reproject them"
            )
        geom = points.geometry
        not_point = (geom.geom_type != "Point").to_numpy()
        if not_point.any():
            geom = geom.copy()
            geom[not_point] = geom[not_point].representative_point()
        return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()]).astype(float)
    arr = np.asarray(points, dtype=float)
    if arr.size == 0:
        return np.zeros((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"`points` must be geometries or an array of shape (k, 2), got shape {arr.shape}"
        )
    return arr


def as_walk_network(network: Any, crs: Any = None) -> WalkNetwork | None:
    """Accept a :class:`WalkNetwork`, a networkx graph, a file path or ``None``."""
    if network is None or isinstance(network, WalkNetwork):
        return network
    if isinstance(network, (str, Path)):
        return WalkNetwork.from_file(network, crs)
    return WalkNetwork.from_graph(network, crs)


def layers_network(layers: Any) -> WalkNetwork | None:
    """The walk network beside a dataset (``layers.network_path``) in its metric CRS, or ``None``.

    ``None`` means callers use the straight-line fallback and must say so (``method``).
    """
    path = getattr(layers, "network_path", None)
    if path is None:
        return None
    return WalkNetwork.from_file(path, layers.crs)


# --------------------------------------------------------------------------- distances


@dataclass(frozen=True, eq=False)
class DistanceResult:
    """Origin-target walking distances.

    Attributes
    ----------
    matrix_m : ndarray, shape (n_origins, n_targets)
        Distance in metres (snap distances included); ``inf`` beyond ``cutoff_m`` or unreachable.
    method : str
        ``"network"`` or the fallback label ``"straight-line x1.3"``.
    snap_m_origins, snap_m_targets : ndarray
        Snap distances in metres (zeros for the fallback).
    flagged_origins, flagged_targets : ndarray of bool
        Points snapped farther than ``SNAP_WARN_M``.
    unreachable_origins : ndarray of bool
        Origins whose network component holds no target (disconnected network).
    """

    matrix_m: np.ndarray
    method: str
    snap_m_origins: np.ndarray
    snap_m_targets: np.ndarray
    flagged_origins: np.ndarray
    flagged_targets: np.ndarray
    unreachable_origins: np.ndarray

    @property
    def flagged(self) -> dict[str, list[int]]:
        """Positions of flagged origins and targets, JSON-safe."""
        return {
            "origins": np.flatnonzero(self.flagged_origins).tolist(),
            "targets": np.flatnonzero(self.flagged_targets).tolist(),
        }


@dataclass(frozen=True, eq=False)
class NearestResult:
    """Nearest target of each origin.

    Attributes
    ----------
    dist_m : ndarray, shape (n_origins,)
        Distance in metres to the nearest target; ``inf`` beyond the cut-off or unreachable.
    target : ndarray of int, shape (n_origins,)
        Position of that target in ``targets``; ``-1`` when none is within reach.
    method, snap_m_origins, snap_m_targets, flagged_origins, flagged_targets, unreachable_origins
        As in :class:`DistanceResult`.
    """

    dist_m: np.ndarray
    target: np.ndarray
    method: str
    snap_m_origins: np.ndarray
    snap_m_targets: np.ndarray
    flagged_origins: np.ndarray
    flagged_targets: np.ndarray
    unreachable_origins: np.ndarray


def _check_args(cutoff_m: float | None, detour_factor: float) -> None:
    if cutoff_m is not None and not (cutoff_m > 0):
        raise ValueError(f"`cutoff_m` must be > 0 metres or None, got {cutoff_m}")
    if not (detour_factor >= 1.0):
        raise ValueError(f"`detour_factor` must be >= 1, got {detour_factor}")


def _points_crs(points: Any) -> Any:
    return getattr(points, "crs", None)


def distance_matrix(
    origins: Any,
    targets: Any,
    *,
    network: Any = None,
    cutoff_m: float | None = None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> DistanceResult:
    """Walking distance from every origin to every target, in metres.

    Parameters
    ----------
    origins, targets : GeoSeries, GeoDataFrame or ndarray of shape (k, 2)
        Points in a metric CRS (arrays: the network's CRS, or any metric CRS for the fallback).
    network : WalkNetwork, networkx.MultiDiGraph, path or None
        The walk network. ``None`` uses the straight-line fallback.
    cutoff_m : float, optional
        Distances above this are returned as ``inf`` (and not searched: much faster).
    detour_factor : float
        Multiplier of straight-line distance in the fallback (default 1.3).

    Returns
    -------
    DistanceResult

    Notes
    -----
    Dijkstra runs from the unique snapped nodes of the smaller side (walking is symmetric),
    in chunks bounded in memory, with ``limit=cutoff_m``; snap distances are added after.

    Examples
    --------
    >>> r = distance_matrix(np.array([[0.0, 0.0]]), np.array([[30.0, 40.0]]))
    >>> float(r.matrix_m[0, 0]), r.method
    (65.0, 'straight-line x1.3')
    """
    _check_args(cutoff_m, detour_factor)
    net = as_walk_network(network, _points_crs(origins))
    if net is None:
        o, t = point_coords(origins), point_coords(targets)
        _require_metric_points(origins, targets)
        from scipy.spatial.distance import cdist

        matrix = cdist(o, t) * detour_factor if len(o) and len(t) else np.zeros((len(o), len(t)))
        if cutoff_m is not None:
            matrix[matrix > cutoff_m] = np.inf
        return DistanceResult(
            matrix,
            straight_line_method(detour_factor),
            np.zeros(len(o)),
            np.zeros(len(t)),
            np.zeros(len(o), bool),
            np.zeros(len(t), bool),
            np.zeros(len(o), bool) if len(t) else np.ones(len(o), bool),
        )
    o_node, o_snap = net.snap(origins)
    t_node, t_snap = net.snap(targets)
    matrix = _node_distances(net, o_node, t_node, cutoff_m)
    matrix += o_snap[:, None]
    matrix += t_snap[None, :]
    if cutoff_m is not None:
        matrix[matrix > cutoff_m] = np.inf
    return DistanceResult(
        matrix,
        NETWORK_METHOD,
        o_snap,
        t_snap,
        o_snap > SNAP_WARN_M,
        t_snap > SNAP_WARN_M,
        _unreachable(net, o_node, t_node),
    )


def _require_metric_points(*point_sets: Any) -> None:
    for pts in point_sets:
        crs = _points_crs(pts)
        if crs is not None and not crs.is_projected:
            raise CRSError(f"points must be in a metric CRS, got {crs.to_string()}")


def _unreachable(net: WalkNetwork, o_node: np.ndarray, t_node: np.ndarray) -> np.ndarray:
    return ~np.isin(net.component[o_node], np.unique(net.component[t_node]))


def _node_distances(
    net: WalkNetwork, o_node: np.ndarray, t_node: np.ndarray, cutoff_m: float | None
) -> np.ndarray:
    """Network distance (m) between snapped nodes, shape (len(o_node), len(t_node))."""
    o_uniq, o_inv = np.unique(o_node, return_inverse=True)
    t_uniq, t_inv = np.unique(t_node, return_inverse=True)
    swap = len(t_uniq) < len(o_uniq)
    src, dst = (t_uniq, o_uniq) if swap else (o_uniq, t_uniq)
    limit = np.inf if cutoff_m is None else float(cutoff_m)
    out = np.empty((len(src), len(dst)))
    step = max(1, _CHUNK_CELLS // max(net.n_nodes, 1))
    for start in range(0, len(src), step):
        rows = csgraph.dijkstra(
            net.lengths, directed=True, indices=src[start : start + step], limit=limit
        )
        out[start : start + step] = rows[:, dst]
    if swap:
        out = out.T
    return out[np.ix_(o_inv, t_inv)]


def nearest(
    origins: Any,
    targets: Any,
    *,
    network: Any = None,
    cutoff_m: float | None = None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> NearestResult:
    """Distance from every origin to its nearest target, and which target that is.

    One multi-source Dijkstra (``min_only=True``) from all targets at once: each target is a
    virtual source joined to its snapped node by an edge of its snap length, so the snap
    distances of targets count exactly. The fallback uses a KD-tree on straight lines.

    Parameters
    ----------
    origins, targets, network, cutoff_m, detour_factor
        As in :func:`distance_matrix`.

    Returns
    -------
    NearestResult

    Examples
    --------
    >>> r = nearest(np.array([[0.0, 0.0]]), np.array([[100.0, 0.0], [0.0, 10.0]]))
    >>> r.target.tolist(), round(float(r.dist_m[0]), 1)
    ([1], 13.0)
    """
    _check_args(cutoff_m, detour_factor)
    net = as_walk_network(network, _points_crs(origins))
    if net is None:
        return _nearest_straight(origins, targets, cutoff_m, detour_factor)
    o_node, o_snap = net.snap(origins)
    t_node, t_snap = net.snap(targets)
    n_o = len(o_node)
    if n_o == 0 or len(t_node) == 0:
        return NearestResult(
            np.full(n_o, np.inf),
            np.full(n_o, -1),
            NETWORK_METHOD,
            o_snap,
            t_snap,
            o_snap > SNAP_WARN_M,
            t_snap > SNAP_WARN_M,
            np.ones(n_o, bool),
        )
    n = net.n_nodes
    virt = sparse.csr_matrix(
        (np.maximum(t_snap, _MIN_EDGE_M), (np.arange(len(t_node)), t_node)),
        shape=(len(t_node), n + len(t_node)),
    )
    graph = sparse.vstack(
        [sparse.hstack([net.lengths, sparse.csr_matrix((n, len(t_node)))]), virt], format="csr"
    )
    limit = np.inf if cutoff_m is None else float(cutoff_m)
    dist, _, sources = csgraph.dijkstra(
        graph,
        directed=True,
        indices=np.arange(n, n + len(t_node)),
        limit=limit,
        min_only=True,
        return_predecessors=True,
    )
    total = dist[o_node] + o_snap
    target = np.where(sources[o_node] >= 0, sources[o_node] - n, -1)
    beyond = ~np.isfinite(total) | ((total > cutoff_m) if cutoff_m is not None else False)
    total[beyond] = np.inf
    target[beyond] = -1
    return NearestResult(
        total,
        target.astype(np.int64),
        NETWORK_METHOD,
        o_snap,
        t_snap,
        o_snap > SNAP_WARN_M,
        t_snap > SNAP_WARN_M,
        _unreachable(net, o_node, t_node),
    )


def _nearest_straight(
    origins: Any, targets: Any, cutoff_m: float | None, detour_factor: float
) -> NearestResult:
    _require_metric_points(origins, targets)
    o, t = point_coords(origins), point_coords(targets)
    n_o = len(o)
    if len(t) == 0:
        dist, target = np.full(n_o, np.inf), np.full(n_o, -1, dtype=np.int64)
    else:
        d, idx = cKDTree(t).query(o) if n_o else (np.zeros(0), np.zeros(0, dtype=np.int64))
        dist, target = np.asarray(d, float) * detour_factor, np.asarray(idx, np.int64)
    if cutoff_m is not None:
        target = np.where(dist > cutoff_m, -1, target)
        dist = np.where(dist > cutoff_m, np.inf, dist)
    return NearestResult(
        dist,
        target,
        straight_line_method(detour_factor),
        np.zeros(n_o),
        np.zeros(len(t)),
        np.zeros(n_o, bool),
        np.zeros(len(t), bool),
        np.full(n_o, len(t) == 0),
    )


def grid_walk_graph(
    nx_: int,
    ny_: int,
    *,
    spacing_m: float = 50.0,
    origin: tuple[float, float] = (0.0, 0.0),
    crs: Any = "EPSG:32651",
) -> nx.MultiDiGraph:
    """A synthetic osmnx-compatible walk network: an ``nx_`` x ``ny_`` street grid.

    Nodes carry ``x``, ``y`` in ``crs`` (metres); both directions of every street carry
    ``length`` = ``spacing_m``. Used by tests and benchmarks where no real network is at hand.
    """
    import networkx as nx

    G = nx.MultiDiGraph(crs=crs)
    for i in range(nx_):
        for j in range(ny_):
            G.add_node(i * ny_ + j, x=origin[0] + i * spacing_m, y=origin[1] + j * spacing_m)
    for i in range(nx_):
        for j in range(ny_):
            u = i * ny_ + j
            for v in ([u + ny_] if i + 1 < nx_ else []) + ([u + 1] if j + 1 < ny_ else []):
                G.add_edge(u, v, length=spacing_m)
                G.add_edge(v, u, length=spacing_m)
    return G
