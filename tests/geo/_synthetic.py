"""Synthetic communities of rectangular estates with households, for unit and property tests.

Each community is a rectangle cut by streets into blocks; every block is an estate (a
rectangle set back from the street) with random households and party members. Metric CRS
EPSG:32651 (UTM 51N, around Wuxi). Deterministic for a given seed.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

CRS = "EPSG:32651"
X0, Y0 = 200_000.0, 3_500_000.0


def make_frames(
    seed: int = 0,
    *,
    n_communities: int = 1,
    nx: int = 6,
    ny: int = 5,
    block_m: float = 120.0,
    street_m: float = 20.0,
    households: tuple[int, int] = (40, 260),
    big_estates: int = 0,
    buildings: bool = True,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Return ``(communities, estates, buildings)`` frames of synthetic communities.

    Communities are laid side by side west to east. ``big_estates`` estates per community
    get 600-1100 households (above a grid's maximum) and, when ``buildings``, 6-10
    buildings each.
    """
    rng = np.random.default_rng(seed)
    comms, ests, blds = [], [], []
    pitch = block_m + street_m
    for c in range(n_communities):
        cid = f"C{c + 1:02d}"
        ox = X0 + c * nx * pitch
        comms.append(
            {
                "community_id": cid,
                "name": f"Community {c + 1}",
                "geometry": shapely.box(ox, Y0, ox + nx * pitch, Y0 + ny * pitch),
            }
        )
        big = set(rng.choice(nx * ny, size=min(big_estates, nx * ny), replace=False).tolist())
        for i in range(nx):
            for j in range(ny):
                k = i * ny + j
                w = block_m * rng.uniform(0.6, 1.0)
                h = block_m * rng.uniform(0.6, 1.0)
                x = ox + i * pitch + street_m / 2
                y = Y0 + j * pitch + street_m / 2
                geom = shapely.box(x, y, x + w, y + h)
                hh = int(rng.integers(600, 1100)) if k in big else int(rng.integers(*households))
                eid = f"{cid}-E{k + 1:03d}"
                ests.append(
                    {
                        "estate_id": eid,
                        "community_id": cid,
                        "households": hh,
                        "party_members": int(rng.binomial(hh, 0.06)),
                        "geometry": geom,
                    }
                )
                if k in big and buildings:
                    nb = int(rng.integers(6, 11))
                    hb = rng.multinomial(hh, np.ones(nb) / nb)
                    for b in range(nb):
                        bx = x + (b % 4) * w / 4 + 2
                        by = y + (b // 4) * h / 3 + 2
                        blds.append(
                            {
                                "building_id": f"{eid}-B{b + 1}",
                                "estate_id": eid,
                                "households": int(hb[b]),
                                "geometry": shapely.box(bx, by, bx + w / 4 - 6, by + h / 3 - 6),
                            }
                        )
    communities = gpd.GeoDataFrame(comms, crs=CRS)
    estates = gpd.GeoDataFrame(ests, crs=CRS)
    buildings_gdf = gpd.GeoDataFrame(blds, crs=CRS) if blds else None
    return communities, estates, buildings_gdf


def block_units(nx: int = 4, ny: int = 3, hh: float = 100, n_comm: int = 1):
    """A UnitGraph of ``n_comm`` communities of nx x ny estates (100 m blocks, 20 m streets).

    Estate ``C1-x-y``: community 1, column x (west to east), row y (south to north), ``hh``
    households and 10 party members each.
    """
    from geo.grids.units import build_units_from_frames

    comms, ests = [], []
    for c in range(n_comm):
        ox = c * nx * 120.0
        comms.append(
            {
                "community_id": f"C{c + 1}",
                "name": f"Community {c + 1}",
                "geometry": shapely.box(ox, 0, ox + nx * 120.0, ny * 120.0),
            }
        )
        for x in range(nx):
            for y in range(ny):
                ests.append(
                    {
                        "estate_id": f"C{c + 1}-{x}-{y}",
                        "community_id": f"C{c + 1}",
                        "households": hh,
                        "party_members": 10,
                        "geometry": shapely.box(
                            ox + x * 120 + 10, y * 120 + 10, ox + x * 120 + 110, y * 120 + 110
                        ),
                    }
                )
    return build_units_from_frames(
        gpd.GeoDataFrame(comms, crs=CRS), gpd.GeoDataFrame(ests, crs=CRS)
    )


def break_plan(plan, n_pairs: int = 4):
    """Push units of compliant grids into a compliant neighbour until both leave the band.

    Pairs that cannot both leave the band are undone, so every broken grid is repairable
    under the default rule (its partner is out of rule too). Returns the broken plan and the
    ids of the grids pushed out of the band. Used by the repair test and bench/bench_edits.py.
    """
    from geo.errors import EditError
    from geo.grids.edits import PlanEditor

    ed = PlanEditor(plan)
    grids = plan.grids()
    ok = set(grids.index[grids["issue"] == ""])
    nbrs, comm = plan.units.neighbors, plan.units.community_of
    broken: set[str] = set()
    used: set[str] = set()
    for a in sorted(ok):
        if len(broken) >= 2 * n_pairs:
            break
        if a in used:
            continue
        partners = sorted(
            {
                ed.plan.assignment[v]
                for u in ed.plan.members[a]
                for v in nbrs[u]
                if comm[v] == comm[u]
            }
            & (ok - used - {a})
        )
        if not partners:
            continue
        b = partners[0]
        used |= {a, b}
        n = 0
        for _ in range(15):
            movable = [
                u for u in ed.plan.members[a] if any(ed.plan.assignment[v] == b for v in nbrs[u])
            ]
            for u in movable:
                try:
                    ed.move(u, b)
                except EditError:
                    continue
                n += 1
                break
            else:
                break
            t = ed.plan.grids()
            if not t.loc[a, "in_band"] and not t.loc[b, "in_band"]:
                broken |= {a, b}
                break
        if {a, b} - broken:
            for _ in range(n):
                ed.undo()
    return ed.plan, broken
