"""ui.assets: the lock, integrity checks, safe unpacking and local links."""

from __future__ import annotations

import hashlib
import io
import tarfile

import folium
import pytest
from folium.plugins import Draw

from geo.errors import UploadRejected
from ui.assets import Package, _sri_sha512, links, localise, missing_files, read_lock, unpack


def _tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _pkg(tarball: bytes, files: dict[str, bytes]) -> Package:
    return Package(
        "fake",
        "1.0.0",
        _sri_sha512(tarball),
        {k: hashlib.sha256(v).hexdigest() for k, v in files.items()},
        ("dist/a.js",),
        (),
    )


def test_lock_pins_leaflet_and_draw_with_checksums():
    lock = {p.name: p for p in read_lock()}
    assert {"leaflet", "leaflet-draw"} <= set(lock)
    for p in lock.values():
        assert p.integrity.startswith("sha512-") and len(p.integrity) > 80
        assert all(len(h) == 64 for h in p.files.values())
        assert set(p.js) | set(p.css) <= set(p.files)
        assert p.version.count(".") == 2


def test_unpack_verifies_integrity_and_files(tmp_path):
    files = {"dist/a.js": b"console.log(1)", "dist/b.css": b"a{}"}
    tb = _tarball(files)
    pkg = _pkg(tb, files)
    written = unpack(pkg, tb, tmp_path)
    assert sorted(p.name for p in written) == ["a.js", "b.css"]
    assert missing_files(tmp_path, (pkg,)) == []
    (tmp_path / "fake/dist/a.js").write_bytes(b"tampered")
    assert missing_files(tmp_path, (pkg,)) == ["fake/dist/a.js"]
    with pytest.raises(UploadRejected, match="integrity"):
        unpack(pkg, _tarball({"dist/a.js": b"evil", "dist/b.css": b"a{}"}), tmp_path)


def test_unpack_refuses_a_file_whose_checksum_differs(tmp_path):
    files = {"dist/a.js": b"x"}
    tb = _tarball(files)
    pkg = Package("fake", "1.0.0", _sri_sha512(tb), {"dist/a.js": "0" * 64}, (), ())
    with pytest.raises(UploadRejected, match="sha256"):
        unpack(pkg, tb, tmp_path)
    pkg2 = Package("fake", "1.0.0", _sri_sha512(tb), {"dist/missing.js": "0" * 64}, (), ())
    with pytest.raises(UploadRejected, match="not in the tarball"):
        unpack(pkg2, tb, tmp_path)


def test_localise_points_map_and_draw_at_local_files():
    m = localise(folium.Map(), base_url="/base/vendor")
    draw = localise(Draw(), base_url="/base/vendor")
    assert [u for _, u in m.default_js] == ["/base/vendor/leaflet/dist/leaflet.js"]
    assert [u for _, u in m.default_css] == ["/base/vendor/leaflet/dist/leaflet.css"]
    assert [u for _, u in draw.default_js] == ["/base/vendor/leaflet-draw/dist/leaflet.draw.js"]
    assert folium.Map.default_js[0][1].startswith("https://")  # class attribute untouched
    js, css = links("/x/")
    assert js[0][1] == "/x/leaflet/dist/leaflet.js" and len(css) == 2
