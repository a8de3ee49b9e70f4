"""One harness for the hostile-input tables: run a ``gridplan`` command on a file a user could
give, and check the three things every refusal owes the user.

1. the exit code (``1`` for a failed check, ``2`` for a refused command);
2. a message that names the problem (a regular expression on stdout + stderr);
3. nothing the user had was changed: every file under the watched folders has the same bytes
   (and no file appeared or vanished) before and after the call.

A case is a row of a table, so each finding of the hostile-input review is one line and the
related cases sit beside it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cli.main import main


def snapshot(*folders: Path) -> dict[str, str]:
    """sha256 of every file below ``folders`` (relative path -> digest); hidden files included,
    so a stray temporary file left behind is caught as well."""
    out: dict[str, str] = {}
    for folder in folders:
        if not folder.exists():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@dataclass(frozen=True)
class Case:
    """One hostile input.

    ``build(tmp_path)`` writes the user's files and returns the ``gridplan`` arguments;
    ``watch(tmp_path)`` names the folders whose content must not change (default: all of
    ``tmp_path``, minus ``allowed`` names that the command may legitimately create).
    """

    id: str
    build: Callable[[Path], Sequence[str]]
    exit_code: int
    message: str
    allowed: tuple[str, ...] = field(default_factory=tuple)


def run_case(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run one case and assert exit code, message and untouched files; returns the output."""
    argv = list(case.build(tmp_path))
    before = snapshot(tmp_path)
    code = main(argv)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code == case.exit_code, f"{case.id}: exit {code}, expected {case.exit_code}\n{text}"
    assert re.search(case.message, text, flags=re.S), f"{case.id}: message not found\n{text}"
    assert "Traceback" not in text, f"{case.id}: a traceback reached the user\n{text}"
    after = {
        k: v
        for k, v in snapshot(tmp_path).items()
        if not any(Path(k).name == a for a in case.allowed)
    }
    assert after == {
        k: v for k, v in before.items() if not any(Path(k).name == a for a in case.allowed)
    }, f"{case.id}: the user's files changed"
    return text
