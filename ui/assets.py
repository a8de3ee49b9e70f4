"""Offline map assets: pinned Leaflet and Leaflet.draw from the npm registry, served locally.

folium points every map at CDNs; on a government intranet with no internet the map pane stays
empty. ``python -m ui.assets`` (``make assets``) fetches the packages pinned in
``ui/assets.lock.json`` with ``npm pack``, checks each tarball's sha512 integrity and each
extracted file's sha256 against the lock, and unpacks them into ``static/vendor/<package>/``
(gitignored). Streamlit serves ``./static`` at ``/app/static/`` when
``server.enableStaticServing`` is on (``.streamlit/config.toml``), and :func:`localise`
rewrites a folium element's ``default_js`` / ``default_css`` to those local files.

Which folium assets the app needs: the maps use only GeoJson layers, CircleMarkers, tooltips,
a LayerControl, a legend control and the Draw plugin, so Leaflet's JS/CSS and Leaflet.draw's
JS/CSS are all that is loaded. folium's other defaults (jQuery, Bootstrap, awesome-markers,
Font Awesome, glyphicons) serve ``folium.Marker`` icons and popups, which the app never uses;
they are dropped from the maps rather than left pointing at a CDN.

This module imports no streamlit, so it also runs from the Makefile.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.errors import UploadRejected

ROOT = Path(__file__).resolve().parents[1]
#: Committed lock: package, version, tarball integrity (sha512 SRI) and sha256 per file kept.
LOCK_PATH = Path(__file__).with_name("assets.lock.json")
#: Folder Streamlit serves at ``/app/static/`` (next to app.py); vendor files go below it.
STATIC_DIR = ROOT / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
#: URL under which ``VENDOR_DIR`` is served by Streamlit's static file serving.
VENDOR_URL = "/app/static/vendor"


@dataclass(frozen=True)
class Package:
    """One pinned npm package and the files the app takes from it."""

    name: str
    version: str
    integrity: str
    files: dict[str, str]  # path inside the package -> sha256 hex
    js: tuple[str, ...]  # folium default_js names -> paths, in load order
    css: tuple[str, ...]


def read_lock(path: Path = LOCK_PATH) -> tuple[Package, ...]:
    """Read the asset lock file.

    Returns
    -------
    tuple of Package
        In load order (Leaflet first).
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(
        Package(
            name=p["name"],
            version=p["version"],
            integrity=p["integrity"],
            files=dict(p["files"]),
            js=tuple(p.get("js", ())),
            css=tuple(p.get("css", ())),
        )
        for p in data["packages"]
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def missing_files(
    vendor_dir: Path = VENDOR_DIR, lock: tuple[Package, ...] | None = None
) -> list[str]:
    """List vendored files that are absent or whose sha256 differs from the lock.

    An empty list means the maps can render with no internet.
    """
    lock = read_lock() if lock is None else lock
    bad = []
    for pkg in lock:
        for rel, digest in pkg.files.items():
            path = vendor_dir / pkg.name / rel
            if not path.is_file() or _sha256(path.read_bytes()) != digest:
                bad.append(f"{pkg.name}/{rel}")
    return bad


def _npm_pack(spec: str, dest: Path) -> bytes:
    """Download one package tarball with the npm client and return its bytes."""
    npm = shutil.which("npm")
    if npm is None:
        raise UploadRejected(
            "`npm` is not on PATH; install Node.js/npm (Debian package `npm`) "
            "to fetch the offline map assets, or copy static/vendor/ from a machine that has them"
        )
    out = subprocess.run(
        [npm, "pack", spec, "--pack-destination", str(dest), "--json", "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise UploadRejected(
            f"`npm pack {spec}` failed ({out.returncode}): {out.stderr.strip()[-500:]}"
        )
    info = json.loads(out.stdout)
    filename: str = info[0]["filename"]
    return (dest / filename).read_bytes()


def unpack(pkg: Package, tarball: bytes, vendor_dir: Path) -> list[Path]:
    """Verify ``tarball`` against the lock and write the locked files below ``vendor_dir/name``.

    Only the files named in the lock are read from the archive (by name, never extracted
    wholesale), so a path in the archive cannot escape ``vendor_dir``.

    Raises
    ------
    UploadRejected
        If the tarball's sha512 or a file's sha256 differs from the lock, or a file is missing.
    """
    got = _sri_sha512(tarball)
    if got != pkg.integrity:
        raise UploadRejected(
            f"{pkg.name}@{pkg.version}: tarball integrity {got} does not match "
            f"the lock's {pkg.integrity}; refusing it (re-check ui/assets.lock.json)"
        )
    written = []
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        for rel, digest in pkg.files.items():
            try:
                member = tar.extractfile(f"package/{rel}")
            except KeyError:
                member = None
            if member is None:
                raise UploadRejected(f"{pkg.name}@{pkg.version}: `{rel}` is not in the tarball")
            data = member.read()
            if _sha256(data) != digest:
                raise UploadRejected(
                    f"{pkg.name}@{pkg.version}: `{rel}` sha256 {_sha256(data)} "
                    f"does not match the lock's {digest}"
                )
            target = vendor_dir / pkg.name / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(target.suffix + ".part")
            tmp.write_bytes(data)
            os.replace(tmp, target)
            written.append(target)
    return written


def fetch(vendor_dir: Path = VENDOR_DIR, lock_path: Path = LOCK_PATH) -> list[str]:
    """Fetch every package whose files are missing or wrong; return the packages fetched."""
    lock = read_lock(lock_path)
    fetched = []
    for pkg in lock:
        if not missing_files(vendor_dir, (pkg,)):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            unpack(pkg, _npm_pack(f"{pkg.name}@{pkg.version}", Path(tmp)), vendor_dir)
        fetched.append(f"{pkg.name}@{pkg.version}")
    return fetched


def links(
    base_url: str = VENDOR_URL, lock: tuple[Package, ...] | None = None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return folium-style ``(name, url)`` lists of the local JS and CSS files, Leaflet first."""
    lock = read_lock() if lock is None else lock
    base = base_url.rstrip("/")
    js = [(f"{p.name}:{rel}", f"{base}/{p.name}/{rel}") for p in lock for rel in p.js]
    css = [(f"{p.name}:{rel}", f"{base}/{p.name}/{rel}") for p in lock for rel in p.css]
    return js, css


def localise(element: Any, *, base_url: str = VENDOR_URL) -> Any:
    """Point a folium Map (or plugin) at the local files instead of CDNs; returns ``element``.

    The Map gets Leaflet's files; a ``folium.plugins.Draw`` gets Leaflet.draw's. Any other
    element keeps no external links at all (the app uses no other plugin). Instance
    attributes shadow folium's class attributes, so other maps in the process are unaffected.
    """
    import folium

    # a Draw exists only once folium.plugins is imported: a plain map does not import it (its
    # 39 plugin templates cost the first map ~0.1-0.2 s)
    plugins = sys.modules.get("folium.plugins")
    lock = read_lock()
    by_name = {p.name: p for p in lock}
    if isinstance(element, folium.Map):
        chosen = [by_name["leaflet"]]
    elif plugins is not None and isinstance(element, plugins.Draw):
        chosen = [by_name["leaflet-draw"]]
    else:
        chosen = []
    js, css = links(base_url, tuple(chosen))
    element.default_js = js
    element.default_css = css
    return element


def _update_lock(lock_path: Path) -> None:
    """Re-pin: fill integrity and sha256 of the listed files from freshly packed tarballs."""
    data = json.loads(lock_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        for p in data["packages"]:
            tarball = _npm_pack(f"{p['name']}@{p['version']}", Path(tmp))
            p["integrity"] = _sri_sha512(tarball)
            with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
                for rel in p["files"]:
                    member = tar.extractfile(f"package/{rel}")
                    if member is None:
                        raise UploadRejected(f"{p['name']}: `{rel}` is not a file in the tarball")
                    p["files"][rel] = _sha256(member.read())
    lock_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """``python -m ui.assets [--check] [--update-lock]``."""
    parser = argparse.ArgumentParser(
        prog="python -m ui.assets", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--dest", type=Path, default=VENDOR_DIR)
    parser.add_argument("--check", action="store_true", help="only report missing files")
    parser.add_argument(
        "--update-lock",
        action="store_true",
        help="re-pin checksums in the lock from the registry (maintainers)",
    )
    args = parser.parse_args(argv)
    if args.update_lock:
        _update_lock(LOCK_PATH)
    if args.check:
        bad = missing_files(args.dest)
        print(json.dumps({"missing": bad}))
        return 1 if bad else 0
    try:
        fetched = fetch(args.dest)
    except UploadRejected as exc:
        print(f"assets: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"fetched": fetched, "dest": str(args.dest)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
