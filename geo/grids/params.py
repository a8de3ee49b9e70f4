"""Parameters of automatic gridding: one frozen, validated, hashable dataclass."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from geo.errors import Problem, ValidationError
from geo.settings import (
    DEFAULT_COMPACTNESS_WEIGHT,
    DEFAULT_GRID_RESTARTS,
    DEFAULT_MAX_HOUSEHOLDS,
    DEFAULT_MAX_PARTY_MEMBERS,
    DEFAULT_MIN_HOUSEHOLDS,
    DEFAULT_MIN_PARTY_MEMBERS,
    DEFAULT_MIN_PARTY_PER_GRID,
    DEFAULT_PARTY_LOAD_WEIGHT,
)

if TYPE_CHECKING:
    pass


SizeBy = Literal["households", "party_members"]


Balance = Literal["party_members", "households", "load"]


#: The rule each checked parameter of :class:`GridParams` follows: the code of its message
#: (``gp_band``: 0 < min <= max; ``gp_choice``: one of a few words; ``gp_nonneg``: a finite
#: number >= 0; ``gp_min1``: at least 1).
_PARAM_RULES = {
    "min_households": "gp_band",
    "min_party_members": "gp_band",
    "size_by": "gp_choice",
    "balance": "gp_choice",
    "compactness_weight": "gp_nonneg",
    "n_grids": "gp_min1",
    "min_party_per_grid": "gp_nonneg",
    "restarts": "gp_min1",
    "party_load_weight": "gp_nonneg",
}


@dataclass(frozen=True)
class GridParams:
    """Parameters of automatic gridding (frozen, hashable, validated).

    Parameters
    ----------
    min_households, max_households : int
        Household band per grid (size rule when ``size_by="households"``).
    size_by : {"households", "party_members"}
        Which count the band applies to; the party-member view uses
        ``min_party_members``-``max_party_members``.
    balance : {"party_members", "households", "load"}
        Second count balanced across the grids of a community; ``"load"`` is households +
        ``party_load_weight`` x party members.
    compactness_weight : float
        Weight of inverse Polsby-Popper in the objective (0 ignores shape).
    n_grids : int, optional
        Grids per community (None: from the size rule).
    min_party_per_grid : int
        Party members a grid needs for a party group (soft, reported).
    min_party_members, max_party_members : int
        Party-member band of the party-member view.
    party_load_weight : float
        Weight of one party member in ``balance="load"``.
    restarts : int
        Local-search restarts per community (>= 1).
    seed : int
        Random seed; the same seed gives the same plan.
    split_to_fit : bool
        When gridding from layers: in a community where whole estates leave a grid out of
        band or the mean deviation above :data:`~geo.settings.REFINE_MEAN_DEV_PCT` (quick
        check), split estates above half the minimum by their buildings and grid it on those
        units; the better plan is kept (see :func:`build_and_grid_community`).
    """

    min_households: int = DEFAULT_MIN_HOUSEHOLDS
    max_households: int = DEFAULT_MAX_HOUSEHOLDS
    size_by: SizeBy = "households"
    balance: Balance = "party_members"
    compactness_weight: float = DEFAULT_COMPACTNESS_WEIGHT
    n_grids: int | None = None
    min_party_per_grid: int = DEFAULT_MIN_PARTY_PER_GRID
    min_party_members: int = DEFAULT_MIN_PARTY_MEMBERS
    max_party_members: int = DEFAULT_MAX_PARTY_MEMBERS
    party_load_weight: float = DEFAULT_PARTY_LOAD_WEIGHT
    restarts: int = DEFAULT_GRID_RESTARTS
    seed: int = 0
    split_to_fit: bool = True

    def __post_init__(self) -> None:
        problems = []

        def bad(name: str, msg: str, fix: str) -> None:
            # the code says which rule the parameter breaks (see _PARAM_RULES)
            problems.append(
                Problem(
                    "parameters",
                    f"`{name}` {msg}",
                    fix,
                    field=name,
                    code=_PARAM_RULES[name],
                    params={"param": name, "value": str(getattr(self, name))},
                )
            )

        if not 0 < self.min_households <= self.max_households:
            bad(
                "min_households",
                f"and `max_households` must satisfy 0 < min <= max, got "
                f"{self.min_households}-{self.max_households}.",
                "e.g. 300 and 500",
            )
        if not 0 < self.min_party_members <= self.max_party_members:
            bad(
                "min_party_members",
                f"and `max_party_members` must satisfy 0 < min <= max, got "
                f"{self.min_party_members}-{self.max_party_members}.",
                "e.g. 15 and 40",
            )
        if self.size_by not in ("households", "party_members"):
            bad(
                "size_by",
                f"must be 'households' or 'party_members', got {self.size_by!r}.",
                "choose one of the two",
            )
        if self.balance not in ("party_members", "households", "load"):
            bad(
                "balance",
                f"must be 'party_members', 'households' or 'load', got {self.balance!r}.",
                "choose one of the three",
            )
        if not (math.isfinite(self.compactness_weight) and self.compactness_weight >= 0):
            bad(
                "compactness_weight",
                f"must be a finite number >= 0, got {self.compactness_weight}.",
                "e.g. 0.05",
            )
        if self.n_grids is not None and self.n_grids < 1:
            bad(
                "n_grids",
                f"must be >= 1 or None, got {self.n_grids}.",
                "leave it empty to use the size rule",
            )
        if self.min_party_per_grid < 0:
            bad("min_party_per_grid", f"must be >= 0, got {self.min_party_per_grid}.", "e.g. 3")
        if self.restarts < 1:
            bad("restarts", f"must be >= 1, got {self.restarts}.", "e.g. 3")
        if not (math.isfinite(self.party_load_weight) and self.party_load_weight >= 0):
            bad("party_load_weight", f"must be >= 0, got {self.party_load_weight}.", "e.g. 10")
        if problems:
            raise ValidationError(problems, title="invalid gridding parameters")

    def band(self) -> tuple[float, float]:
        """``(min, max)`` of the sized count per grid."""
        if self.size_by == "party_members":
            return float(self.min_party_members), float(self.max_party_members)
        return float(self.min_households), float(self.max_households)

    def balance_values(self, units: pd.DataFrame) -> np.ndarray:
        """The balance count of every unit."""
        if self.balance == "load":
            return (units["households"] + self.party_load_weight * units["party_members"]).to_numpy(
                float
            )
        return units[self.balance].to_numpy(float)
