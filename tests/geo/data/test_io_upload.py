"""Upload safety: size and type limits, zip-slip, symlinks, too many members, zip bombs."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from geo.data.io import check_upload, safe_extract_zip
from geo.errors import UploadRejected


def make_zip(path: Path, members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_safe_zip_extracts_inside_dest(tmp_path):
    archive = make_zip(tmp_path / "ok.zip", {"layers/estates.geojson": b"{}", "a.txt": b"x"})
    files = safe_extract_zip(archive, tmp_path / "out")
    assert sorted(f.relative_to(tmp_path / "out").as_posix() for f in files) == [
        "a.txt",
        "layers/estates.geojson",
    ]


@pytest.mark.parametrize("name", ["../evil.txt", "layers/../../evil.txt", "..\\evil.txt"])
def test_zip_slip_refused(tmp_path, name):
    archive = make_zip(tmp_path / "slip.zip", {"ok.txt": b"x", name: b"owned"})
    with pytest.raises(UploadRejected, match=r"points outside the archive"):
        safe_extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "out").exists()  # refused before anything was written


@pytest.mark.parametrize("name", ["/etc/evil.txt", "C:/evil.txt"])
def test_absolute_member_refused(tmp_path, name):
    archive = make_zip(tmp_path / "abs.zip", {name: b"owned"})
    with pytest.raises(UploadRejected, match=r"absolute path"):
        safe_extract_zip(archive, tmp_path / "out")


def test_symlink_member_refused(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("estates.geojson")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UploadRejected, match=r"`estates.geojson` is a symbolic link"):
        safe_extract_zip(archive, tmp_path / "out")


def test_too_many_members_refused(tmp_path):
    archive = make_zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(12)})
    with pytest.raises(UploadRejected, match=r"has 12 members, above the limit of 10"):
        safe_extract_zip(archive, tmp_path / "out", max_members=10)


def test_zip_bomb_ratio_refused(tmp_path):
    # 20 MB of zeros deflates to ~20 kB: a ratio near 1000, far above the 200 limit
    archive = make_zip(tmp_path / "bomb.zip", {"estates.geojson": b"\0" * (20 * 1024 * 1024)})
    assert archive.stat().st_size < 100_000
    with pytest.raises(UploadRejected, match=r"zip bomb"):
        safe_extract_zip(archive, tmp_path / "out")
    with pytest.raises(UploadRejected, match=r"zip bomb"):
        check_upload(archive, "bomb.zip")
    with pytest.raises(UploadRejected, match=r"zip bomb"):
        check_upload(archive.read_bytes(), "bomb.zip")


def test_unzipped_size_limit_refused(tmp_path):
    archive = make_zip(
        tmp_path / "big.zip",
        {"a.bin": b"ab" * 40_000, "b.bin": b"cd" * 40_000},
        compression=zipfile.ZIP_STORED,
    )
    with pytest.raises(UploadRejected, match=r"expands to 156.2 KiB, above the limit of 97.7 KiB"):
        safe_extract_zip(archive, tmp_path / "out", max_bytes=100_000)


def test_duplicate_member_refused(tmp_path):
    archive = tmp_path / "dup.zip"
    with zipfile.ZipFile(archive, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("a.txt", b"1")
        zf.writestr("a.txt", b"2")
    with pytest.raises(UploadRejected, match=r"appears twice"):
        safe_extract_zip(archive, tmp_path / "out")


def test_not_a_zip(tmp_path):
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"not a zip at all")
    with pytest.raises(UploadRejected, match=r"not a readable zip archive"):
        safe_extract_zip(fake, tmp_path / "out")
    with pytest.raises(UploadRejected, match=r"`fake.zip` does not look like a \.zip file"):
        check_upload(fake.read_bytes(), "fake.zip")
    with pytest.raises(UploadRejected, match=r"not a readable zip archive"):
        check_upload(b"PK\x03\x04 truncated", "cut.zip")


def test_check_upload_size_and_type(tmp_path):
    assert check_upload(b"{}", "Estates.GeoJSON") == ".geojson"
    assert check_upload(b"\xef\xbb\xbf\n {}", "bom.geojson") == ".geojson"
    assert check_upload(b"<graphml/>", "walk.graphml") == ".graphml"
    with pytest.raises(UploadRejected, match=r"unknown file type \.exe"):
        check_upload(b"MZ", "tool.exe")
    with pytest.raises(UploadRejected, match=r"unknown file type \.shp.*zipped"):
        check_upload(b"x", "estates.shp")
    with pytest.raises(UploadRejected, match=r"above the upload limit"):
        check_upload(b"{" * 2000, "estates.geojson", max_bytes=1000)
    path = tmp_path / "e.geojson"
    path.write_bytes(b"{" * 2000)
    with pytest.raises(
        UploadRejected,
        match=r"`e.geojson` is 2.0 KiB \(2,000 bytes\), above the upload limit of 1000 bytes",
    ):
        check_upload(path, "e.geojson", max_bytes=1000)


def test_upload_limit_printed_as_set():
    """The limit printed is the setting in its own binary unit (200 MiB, not '210 MB')."""
    from geo.settings import MAX_UPLOAD_BYTES

    class Sized(bytes):
        def __len__(self) -> int:
            return MAX_UPLOAD_BYTES + 1

    with pytest.raises(
        UploadRejected,
        match=r"above the upload limit of 200 MiB "
        r"\(209,715,200 bytes\)",
    ):
        check_upload(Sized(b"{"), "estates.geojson")


def test_gbk_member_names_decoded(tmp_path):
    class GBKInfo(zipfile.ZipInfo):  # as written by Chinese Windows tools: GBK, no UTF-8 flag
        def _encodeFilenameFlags(self):  # noqa: N802 (zipfile.ZipInfo API)
            return self.filename.encode("gbk"), self.flag_bits

    archive = tmp_path / "gbk.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(GBKInfo("社区.geojson"), b"{}")
    with zipfile.ZipFile(archive) as zf:
        assert zf.namelist() != ["社区.geojson"]  # what zipfile alone would show
    files = safe_extract_zip(archive, tmp_path / "out")
    assert [f.name for f in files] == ["社区.geojson"]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00", "estates.geojson"),
        (b"{}", "data.gpkg"),
        (b"SQLite format 3\x00", "a.zip"),
        (b"PK\x03\x04", "walk.osm"),
    ],
)
def test_content_must_match_extension(content, name):
    with pytest.raises(UploadRejected, match=r"does not look like a \.\w+ file"):
        check_upload(content, name)


def test_real_files_pass_the_content_check(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(120.3, 31.5)], crs=4326)
    gdf.to_file(tmp_path / "x.gpkg", driver="GPKG")
    gdf.to_file(tmp_path / "x.geojson", driver="GeoJSON")
    assert check_upload(tmp_path / "x.gpkg", "x.gpkg") == ".gpkg"
    assert check_upload((tmp_path / "x.geojson").read_bytes(), "x.geojson") == ".geojson"
    assert check_upload(make_zip(tmp_path / "x.zip", {"x.geojson": b"{}"}), "x.zip") == ".zip"
