"""One place for output-path safety: where gridplan refuses to write.

Every command that writes a file calls :func:`check_outputs` before any work. Each output is
resolved (``~``, ``..`` and symlinks followed, :meth:`pathlib.Path.resolve`) and refused when

* it is the plan store or one of its SQLite side files (``-wal``, ``-shm``, ``-journal``): the
  store named by ``--store`` *and* the default one (``$GRIDPLAN_STORE``, else the per-user
  file), since replacing it would lose every saved plan;
* it is one of the command's own inputs: a file given as an option, or a file of an input
  folder that the loader reads (layer files such as ``estates.geojson``, a GeoPackage, the walk
  network);
* two outputs of one command are the same file;
* it cannot be written: a folder where a file is expected (or a file where a folder is), a
  "folder" on the way that is a regular file, or a folder without write permission.

A missing folder is fine when it can be created (the writers create it). All problems are
reported together in one :class:`~geo.errors.ValidationError` naming both paths and the fix;
the CLI turns it into exit code 2. The writers themselves stay atomic (temporary file, then
rename), see :func:`geo.output.export._atomic_write_bytes`.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "estates.geojson").write_text("{}")
>>> check_outputs([("--out", d / "grids.geojson")], inputs=[("--data", d)], store=None)
>>> try:
...     check_outputs([("--out", d / "estates.geojson")], inputs=[("--data", d)], store=None)
... except Exception as exc:
...     print(type(exc).__name__)
ValidationError
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from geo.errors import Problem, ValidationError
from geo.settings import DEFAULT_STORE_RELPATH, STORE_ENV_VAR

#: SQLite side files that belong to a GeoPackage store (a write onto them corrupts it).
STORE_SIDE_SUFFIXES = ("", "-wal", "-shm", "-journal")
#: Extensions of the walk network the loader finds beside a dataset.
_NETWORK_EXTENSIONS = (".graphml", ".osm")

PathLike = str | os.PathLike[str]
#: ``(option, path)`` pairs; a ``None`` path (option not given) is skipped.
Named = Iterable[tuple[str, PathLike | None]]


def resolve(path: PathLike) -> Path:
    """The absolute path ``path`` stands for: ``~`` expanded, ``..`` and symlinks followed."""
    return Path(os.path.expanduser(os.fspath(path))).resolve()


def store_path(target: str | None) -> Path | None:
    """The GeoPackage file of a store target (``plans.gpkg``, ``sqlite:///plans.gpkg``).

    ``None`` for a database server URL (``postgresql://``): no local file to protect.
    """
    if target is None:
        return None
    if "://" in target:
        scheme, rest = target.split("://", 1)
        if scheme.split("+", 1)[0] != "sqlite":
            return None
        target = rest[1:] if rest.startswith("/") else rest
    return resolve(target)


def store_files(targets: Iterable[str | None]) -> dict[Path, str]:
    """Every local file of the given stores and their SQLite side files -> the store shown."""
    files: dict[Path, str] = {}
    for target in targets:
        path = store_path(target)
        if path is not None:
            for suffix in STORE_SIDE_SUFFIXES:
                files.setdefault(path.with_name(path.name + suffix), str(path))
    return files


def _loader_reads(name: str) -> bool:
    """Whether the dataset loader would read a file of this name inside a data folder."""
    from geo.data.io import LAYER_EXTENSIONS, NETWORK_FILES, _layer_key

    p = Path(name)
    ext = p.suffix.lower()
    if name in NETWORK_FILES or ext in _NETWORK_EXTENSIONS or ext == ".gpkg":
        return True
    return (
        ext in (*LAYER_EXTENSIONS, ".dbf", ".shx", ".prj", ".cpg")
        and _layer_key(p.stem) is not None
    )


def input_files(path: PathLike) -> set[Path]:
    """The files an input option reads: the file itself (a shapefile with its side files),
    or, for a dataset folder, the layer files, GeoPackages and walk network inside it; a
    GeoPackage dataset also reads the network beside it."""
    p = resolve(path)
    if p.is_dir():
        return {f.resolve() for f in p.iterdir() if f.is_file() and _loader_reads(f.name)}
    files = {p}
    if p.suffix.lower() == ".shp":
        files |= {p.with_suffix(s) for s in (".dbf", ".shx", ".prj", ".cpg")}
    if p.suffix.lower() == ".gpkg":
        from geo.data.io import NETWORK_FILES

        files |= {(p.parent / n).resolve() for n in NETWORK_FILES if (p.parent / n).is_file()}
    return files


def _writable_problem(option: str, shown: str, out: Path, *, folder: bool) -> Problem | None:
    """Why ``out`` cannot be written (a file or folder in the way, no permission), if so."""
    if out.is_dir() and not folder:
        return Problem(
            option,
            f"`{shown}` is a folder, not a file.",
            "give a file name inside it, e.g. `" + str(Path(shown) / "grids.geojson") + "`",
            code="pa_is_folder",
            params={"path": shown, "example": str(Path(shown) / "grids.geojson")},
        )
    if out.exists() and not out.is_dir() and folder:
        return Problem(
            option,
            f"`{shown}` is a file, but this output is a folder.",
            "give a folder path (it is created if missing)",
            code="pa_is_file",
            params={"path": shown},
        )
    ancestor = out if folder and out.is_dir() else out.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return Problem(
            option,
            f"cannot write `{shown}`: `{ancestor}` is a file, not a folder.",
            "choose an output in an existing folder (or a new folder's path)",
            code="pa_parent_file",
            params={"path": shown, "parent": str(ancestor)},
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return Problem(
            option,
            f"cannot write `{shown}`: the folder `{ancestor}` is not writable.",
            "choose a folder you can write to, or ask for write permission on it",
            code="pa_not_writable",
            params={"path": shown, "parent": str(ancestor)},
        )
    return None


def check_outputs(
    outputs: Named,
    *,
    folders: Named = (),
    inputs: Named = (),
    store: str | None = None,
    default_store: bool = True,
) -> None:
    """Refuse, before any work, outputs that would destroy the store or an input.

    Parameters
    ----------
    outputs : iterable of (option, path)
        Every file the command will write (side files too, e.g. ``grids_assignment.csv``),
        under the option that names it; ``None`` paths are skipped.
    folders : iterable of (option, path)
        Output folders (``export --format csv``, ``demo --out``); list the files written
        inside them in ``outputs`` as well.
    inputs : iterable of (option, path)
        Every file or dataset folder the command reads.
    store : str, optional
        The ``--store`` target of the command (a path or URL), if any.
    default_store : bool
        Also protect the default store (``$GRIDPLAN_STORE`` or the per-user file); on by
        default, whether or not the command uses a store.

    Raises
    ------
    ValidationError
        Listing every refused output with both paths and the fix (exit code 2 in the CLI).
    """
    targets = [store, default_store_target() if default_store else None]
    protected = {p: f"the plan store `{s}`" for p, s in store_files(targets).items()}
    for option, path in inputs:
        if path is not None:
            for f in sorted(input_files(path)):
                protected.setdefault(f, f"the input `{f}` of {option}")
    problems: list[Problem] = []
    seen: dict[Path, str] = {}
    for is_folder, (option, path) in [
        *((True, f) for f in folders),
        *((False, o) for o in outputs),
    ]:
        if path is None:
            continue
        shown, out = os.fspath(path), resolve(path)
        what = protected.get(out)
        if what is not None:
            fix = (
                "choose another output path; the store holds every saved plan"
                if what.startswith("the plan store")
                else "write the output to another file; never overwrite an input"
            )
            problems.append(
                Problem(
                    option,
                    f"refusing to write `{shown}`: it is {what}.",
                    fix,
                    code="pa_store" if what.startswith("the plan store") else "pa_input",
                    params={"path": shown, "target": what.split("`")[1]},
                )
            )
            continue
        if out in seen:
            problems.append(
                Problem(
                    option,
                    f"`{shown}` is also written as {seen[out]}.",
                    "give each output its own path",
                    code="pa_twice",
                    params={"path": shown, "other": seen[out]},
                )
            )
            continue
        seen[out] = f"`{shown}` ({option})"
        problem = _writable_problem(option, shown, out, folder=is_folder)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise ValidationError(problems, title="refusing to write")


def _named(
    args: object, items: Iterable[str | tuple[str, PathLike | None]]
) -> list[tuple[str, PathLike | None]]:
    """Attribute names of ``args`` as ``(--option, value)`` pairs; pairs pass through."""
    return [
        (f"--{item.replace('_', '-')}", getattr(args, item, None))
        if isinstance(item, str)
        else item
        for item in items
    ]


def check_args(
    args: object,
    *,
    outputs: Iterable[str | tuple[str, PathLike | None]] = (),
    folders: Iterable[str | tuple[str, PathLike | None]] = (),
    inputs: Iterable[str | tuple[str, PathLike | None]] = (),
) -> None:
    """:func:`check_outputs` for a command's parsed arguments.

    Items are attribute names of ``args`` (``"out"`` stands for ``--out``) or explicit
    ``(option, path)`` pairs for side files; ``args.store`` is protected when present.

    Examples
    --------
    >>> import argparse
    >>> check_args(argparse.Namespace(out=None, grids=None), outputs=["out"], inputs=["grids"])
    """
    check_outputs(
        _named(args, outputs),
        folders=_named(args, folders),
        inputs=_named(args, inputs),
        store=getattr(args, "store", None),
    )


def default_store_target() -> str:
    """``$GRIDPLAN_STORE`` if set, else the per-user file ``~/.local/share/gridplan/plans.gpkg``.

    Lives here, not in :mod:`geo.output.store`, so that checking a command's paths imports no
    geospatial library (``gridplan site --cost-matrix`` stays light).
    """
    env = os.environ.get(STORE_ENV_VAR, "").strip()
    return env or str(Path.home() / DEFAULT_STORE_RELPATH)
