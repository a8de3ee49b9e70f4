"""Graph questions on planning units: connected components, contiguity, neighbouring grids,
and the incremental "does this group stay connected without that unit" check of the search."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:

    pass
from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


def components(units: Iterable[str], neighbors: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Connected pieces of ``units`` in the adjacency graph, largest first (ties: smallest id)."""
    left = set(units)
    out = []
    while left:
        start = min(left)
        seen = {start}
        stack = [start]
        while stack:
            u = stack.pop()
            for v in neighbors.get(u, ()):
                if v in left and v not in seen:
                    seen.add(v)
                    stack.append(v)
        left -= seen
        out.append(sorted(seen))
    return sorted(out, key=lambda c: (-len(c), c[0]))


def is_connected(units: Iterable[str], neighbors: Mapping[str, Iterable[str]]) -> bool:
    """True when ``units`` form one piece (an empty set counts as connected)."""
    return len(components(units, neighbors)) <= 1


def grid_neighbors(grid: str, members: Mapping[str, set[str]], assignment: Mapping[str, str],
                   neighbors: Mapping[str, Iterable[str]]) -> set[str]:
    """Grids sharing a cell edge with ``grid``."""
    out = set()
    for u in members.get(grid, ()):
        for v in neighbors.get(u, ()):
            g = assignment.get(v)
            if g is not None and g != grid:
                out.add(g)
    return out


def is_contiguous(unit_ids: Collection[str], neighbors: Mapping[str, Iterable[str]]) -> bool:
    """True when the units form one connected piece of the adjacency graph (empty: True)."""
    members = set(unit_ids)
    if len(members) <= 1:
        return True
    start = next(iter(members))
    seen = {start}
    stack = [start]
    while stack:
        u = stack.pop()
        for v in neighbors.get(u, ()):
            if v in members and v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen) == len(members)


def stays_connected(group: set[int], removed: int, nbr_ids: list[list[int]]) -> bool:
    """Whether ``group`` minus ``removed`` is still connected (BFS inside the group).

    ``nbr_ids[u]`` lists the neighbours of unit ``u``.
    """
    rest = len(group) - 1
    inside = [v for v in nbr_ids[removed] if v in group]
    if not inside:
        return rest == 0
    if len(inside) == 1:
        return True  # a leaf of its grid: the others stay connected as they were
    start = inside[0]
    seen = {start}
    stack = [start]
    while stack:
        x = stack.pop()
        for y in nbr_ids[x]:
            if y != removed and y in group and y not in seen:
                seen.add(y)
                stack.append(y)
    return len(seen) == rest


