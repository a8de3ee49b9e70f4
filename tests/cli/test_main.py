import pytest

from cli.main import build_parser, main


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "gridplan" in capsys.readouterr().out


def test_parser_requires_a_command():
    with pytest.raises(SystemExit):
        build_parser().parse_args([])


def test_program_exits_at_once_with_outputs_flushed_and_exit_handlers_run(tmp_path):
    """``gridplan`` as a program ends through ``exit_now`` (no interpreter teardown): the exit
    code, the whole JSON summary on stdout, both output files, a non-daemon thread's work and
    the exit handlers survive."""
    import json
    import subprocess
    import sys

    from tests.geo.grids._realshape import make_district

    d = make_district(2, nx=2, ny=2, parcels_per_community=5)
    data = tmp_path / "data"
    data.mkdir()
    d.communities.to_file(data / "communities.geojson", driver="GeoJSON")
    d.estates.to_file(data / "estates.geojson", driver="GeoJSON")
    out = tmp_path / "g.geojson"
    code = (
        "import atexit, sys, threading, time, cli.main; "
        "atexit.register(lambda: print('exit handler ran', file=sys.stderr)); "
        "threading.Thread(target=lambda: (time.sleep(0.5), "
        f"open({str(tmp_path / 'thread.txt')!r}, 'w').write('done'))).start(); "
        f"sys.argv = ['gridplan', 'grid', '--data', {str(data)!r}, '--out', {str(out)!r}]; "
        "cli.main.main(); "
        "print('not reached', file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["n_grids"] > 0
    assert "exit handler ran" in proc.stderr and "not reached" not in proc.stderr
    assert (tmp_path / "thread.txt").read_text() == "done"  # non-daemon threads end first
    assert json.loads(out.read_text(encoding="utf-8"))["features"]
    assert out.with_name("g_assignment.csv").stat().st_size > 0
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "grid",
            "--data",
            str(tmp_path / "none"),
            "--out",
            str(tmp_path / "x.geojson"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert bad.returncode == 2 and "does not exist" in bad.stderr


def test_main_with_argv_returns(tmp_path, monkeypatch):
    """Called with ``argv`` (tests, other Python code) ``main`` returns its code."""
    monkeypatch.setattr("cli.main.exit_now", lambda code: pytest.fail("exit_now called"))
    assert (
        main(["grid", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "x.geojson")]) == 2
    )
