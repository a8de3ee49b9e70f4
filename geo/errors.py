"""Every error gridplan raises, in one module. All subclass built-ins.

A :class:`ValidationError` carries *every* problem found, each naming the layer, the
feature and the fix, so a planner can correct a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in an input layer.

    Parameters
    ----------
    layer : str
        Layer name (``"estates"``) or file name.
    message : str
        What is wrong, with the offending values.
    fix : str
        What the user should change.
    feature : str or None
        Feature id or row number, when the problem is about one feature.
    field : str or None
        Column concerned, if any.
    severity : str
        ``"error"`` stops loading; ``"warning"`` is reported (e.g. a repaired geometry).
    """

    layer: str
    message: str
    fix: str
    feature: str | None = None
    field: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"layer `{self.layer}`"
        if self.feature is not None:
            where += f", feature {self.feature}"
        if self.field is not None:
            where += f", field `{self.field}`"
        return f"[{self.severity}] {where}: {self.message} Fix: {self.fix}"


class GridplanError(Exception):
    """Base class of gridplan's own errors."""


class ValidationError(GridplanError, ValueError):
    """Input data failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], *, title: str = "") -> None:
        self.problems = tuple(problems)
        head = title or f"{len(self.problems)} problem(s) in the input data"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class UploadRejected(GridplanError, ValueError):  # noqa: N818 -- public name used across modules
    """An uploaded file was refused before reading (size, zip safety, unknown format)."""


class CRSError(GridplanError, ValueError):
    """A coordinate reference system is missing, unknown or inconsistent with the data."""


class InfeasibleError(GridplanError, ValueError):
    """A model or rule cannot be satisfied by the input; the message says what to change."""


class EditError(GridplanError, ValueError):
    """A planner's edit on a grid plan was refused (e.g. it would break contiguity)."""


class ConflictError(GridplanError, RuntimeError):
    """Another session saved the same plan first; nothing was overwritten."""


class StoreError(GridplanError, LookupError):
    """A plan store cannot be opened, or a plan or version is not in it."""
