"""Every error gridplan raises, in one module. All subclass built-ins.

A :class:`ValidationError` carries *every* problem found, each naming the layer, the
feature and the fix, so a planner can correct a file in one pass.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any


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
    code : str or None
        Stable code of the message (``"personal_dropped"``), so that a shell can say it in
        another language from ``params``; ``message`` and ``fix`` stay the English (the CLI's).
    params : dict
        The values the message names (column names, counts), keyed as the shell's templates
        expect.
    """

    layer: str
    message: str
    fix: str
    feature: str | None = None
    field: str | None = None
    severity: str = "error"
    code: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)

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
    """A model or rule cannot be satisfied by the input; the message says what to change.

    ``code`` and ``params`` (optional) name the case and its values, so that a shell can say
    it in another language (``ie_<code>`` in ``ui.i18n``); ``str(exc)`` stays the English.
    """

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class EditError(GridplanError, ValueError):
    """A planner's edit on a grid plan was refused (e.g. it would break contiguity).

    ``code`` and ``params`` (optional) name the refusal and its values, so that a shell can
    say it in another language; ``str(exc)`` stays the English message.
    """

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class ConflictError(GridplanError, RuntimeError):
    """Another session saved the same plan first; nothing was overwritten.

    ``code`` and ``params`` (optional) as for :class:`InfeasibleError` (``ce_<code>``).
    """

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class StoreError(GridplanError, LookupError):
    """A plan store cannot be opened, or a plan or version is not in it.

    ``code`` and ``params`` (optional) as for :class:`InfeasibleError` (``se_<code>``).
    """

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


# --------------------------------------------------------------------------- rule messages

#: Stable codes of the grid-rule messages (``Plan.grids()["issue"]``, edit violations) and the
#: English phrase each code is written as (``geo.grids.metrics``); the named groups are the
#: parameters a shell needs to say the same in another language. ``what`` is "households" or
#: "party members" (``GridParams.size_by``).
ISSUE_CODES: tuple[tuple[str, str], ...] = (
    ("not_contiguous", r"not contiguous"),
    (
        "unit_too_big",
        r"one unit alone holds (?P<size>\d+) (?P<what>households|party members) "
        r"\(> (?P<limit>\d+)\); split that estate by buildings",
    ),
    (
        "community_too_small",
        r"the whole community holds only (?P<size>\d+) "
        r"(?P<what>households|party members) \(< (?P<limit>\d+)\); "
        r"merge it with a neighbour or accept a small grid",
    ),
    ("over_band", r"(?P<size>\d+) (?P<what>households|party members) > (?P<limit>\d+)"),
    ("under_band", r"(?P<size>\d+) (?P<what>households|party members) < (?P<limit>\d+)"),
    ("few_party_members", r"(?P<size>\d+) party members < (?P<limit>\d+) for a party group"),
)
_ISSUE_RES = tuple((code, re.compile(pattern + r"(?=; |$)")) for code, pattern in ISSUE_CODES)
_VIOLATION_RE = re.compile(r"grid (?P<grid>\S+): (?P<issue>.*)")


def issue_codes(issue: str) -> list[tuple[str, dict[str, str]]]:
    """The rule message ``issue`` (parts joined by ``"; "``) as ``(code, params)`` pairs.

    A part no code matches comes back as ``("text", {"text": part})``, so nothing is lost.

    Examples
    --------
    >>> issue_codes("736 households > 500; 2 party members < 3 for a party group")
    [('over_band', {'size': '736', 'what': 'households', 'limit': '500'}), \
('few_party_members', {'size': '2', 'limit': '3'})]
    """
    out: list[tuple[str, dict[str, str]]] = []
    pos = 0
    while pos < len(issue):
        for code, rx in _ISSUE_RES:  # phrases may hold "; " themselves: match from the left
            m = rx.match(issue, pos)
            if m:
                out.append((code, m.groupdict()))
                pos = m.end()
                break
        else:
            end = issue.find("; ", pos)
            end = len(issue) if end < 0 else end
            out.append(("text", {"text": issue[pos:end]}))
            pos = end
        pos += 2 if issue.startswith("; ", pos) else 0
    return out


def violation_codes(violation: str) -> tuple[str | None, list[tuple[str, dict[str, str]]]]:
    """An edit violation (``"grid <id>: <issue>"``) as ``(grid id, issue_codes(issue))``."""
    m = _VIOLATION_RE.fullmatch(violation)
    if not m:
        return None, issue_codes(violation)
    return m.group("grid"), issue_codes(m.group("issue"))
