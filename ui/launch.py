"""Start the app with its first page's work already begun: ``python -m ui.launch`` (``make run``).

Streamlit runs ``app.py`` only when the first browser session connects, so under a plain
``streamlit run app.py`` the server sits idle while the browser starts and loads Streamlit's
page, and the first script run then imports geopandas, folium and the engine, reads the start
dataset and reviews its coverage before the overview's map can be drawn. This launcher starts
the same server (``streamlit run app.py`` plus the arguments it was given) and, in a background
thread, does that work while the browser loads the page:

1. it waits until Streamlit's runtime has started (the server's own start is not slowed, and
   the caches filled below are then the ones the script reads);
2. it lowers its own scheduling priority (a nice value for the thread): on a machine with few
   cores the browser starting and loading the page comes first;
3. it imports the first script run's libraries (:data:`LIBRARIES`) and modules
   (:data:`APP_MODULES`);
4. it makes the first run's cached calls (:func:`warm_caches`): the start dataset
   (:func:`ui.data.load_default_layers`), its display frames (:func:`ui.data.display_layers`)
   and the overview's coverage review (:func:`ui.tabs_overview.overview_coverage`).

The script calls the same functions with the same keys, so it finds them imported and cached
(``st.cache_data`` makes a second caller of a value being computed wait for it rather than
compute it twice). A failure here is only logged: the script then does the work itself and shows
the error as it always did.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

#: Libraries the first script run imports that do not touch Streamlit.
LIBRARIES: tuple[str, ...] = ("pandas", "geopandas", "shapely", "pyogrio", "pyproj", "folium")

#: The first script run's own modules (app.py's shell, the overview tab and what they call).
#: Not ``streamlit_folium``: a Components v1 component is registered with the server only when
#: it is declared inside a script run, so the script must import it (the first page does not).
APP_MODULES: tuple[str, ...] = (
    "ui.shell",
    "ui.plans",
    "ui.tabs_overview",
    "geo.data.io",
    "allocation.coverage",
)

#: The warm-up thread's name.
WARM_UP_THREAD = "gridplan-warm-up"

#: The warm-up thread's nice value (Linux: per thread), above the server's and the browser's.
WARM_UP_NICE = 10

#: The app's script, next to this package.
APP = Path(__file__).resolve().parents[1] / "app.py"

_log = logging.getLogger(__name__)


def _import(names: Sequence[str]) -> None:
    for name in names:  # those already imported cost nothing
        importlib.import_module(name)


def warm_caches() -> str:
    """Fill the first script run's caches for the start dataset; return its dataset key.

    The calls and keys are those of :func:`ui.shell.main` on a new session (the default data
    source) and of the overview tab, so the script's own calls are cache hits.
    """
    from ui import data, tabs_overview

    source = data.default_source()
    key = data.default_key(source)
    layers = data.load_default_layers(source)
    data.display_layers(layers, key)
    tabs_overview.overview_coverage(layers, key)
    return key


def _server_started() -> bool:
    """Whether Streamlit's runtime has started (it exists from the server's creation on, before
    the server has imported its web stack and listens: too early to compete with it)."""
    from streamlit import runtime
    from streamlit.runtime.runtime import RuntimeState

    return runtime.exists() and runtime.get_instance().state != RuntimeState.INITIAL


def _wait_for_server(timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while not _server_started():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def _lower_priority() -> None:
    """Give this thread (not the process) a higher nice value, where the OS allows it."""
    if not hasattr(os, "setpriority"):
        return
    with contextlib.suppress(OSError):  # Linux: a thread's id is a process id for setpriority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WARM_UP_NICE)


class _NoContextWarning(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warning for the warm-up thread, which calls
    cached functions outside a script run on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.threadName == WARM_UP_THREAD
            and "missing ScriptRunContext" in record.getMessage()
        )


def warm_up(timeout_s: float = 60) -> None:
    """The background thread's work (see the module's docstring)."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        _NoContextWarning()
    )
    try:
        if not _wait_for_server(timeout_s):
            _log.warning("gridplan warm-up: Streamlit's runtime not started after %s s", timeout_s)
            return
        _lower_priority()
        _import(LIBRARIES)
        _import(APP_MODULES)
        warm_caches()
    except Exception:  # the script does the same work and reports the error in the page
        _log.warning("gridplan warm-up failed; the first script run does the work", exc_info=True)


def start_warm_up() -> threading.Thread:
    """Start :func:`warm_up` in a daemon thread (it never keeps the server alive)."""
    thread = threading.Thread(target=warm_up, name=WARM_UP_THREAD, daemon=True)
    thread.start()
    return thread


def skip_component_scan() -> None:
    """Skip Streamlit's scan of installed packages for Components v2 manifests.

    When its runtime is created, Streamlit reads the metadata of every installed distribution
    (about 150 here) to find packaged v2 components; that is CPU on the server's start, before
    it answers, in the one process whose interpreter the first script run needs. gridplan's one
    v2 element (the editing map, ``ui/tabs_grids.py``) is declared inline and is registered when
    the script declares it, and no installed package ships a manifest
    (``tests/ui/test_launch.py`` runs the real scan and fails if one appears), so the scan finds
    nothing to register. Measured in ``docs/benchmarks.md`` (first map from a cold start).
    """
    from streamlit.components.v2.component_manager import BidiComponentManager

    def _no_scan(self: BidiComponentManager, *, start_file_watching: bool = True) -> None:
        return None

    BidiComponentManager.discover_and_register_components = _no_scan  # type: ignore[method-assign]


def main(argv: Sequence[str] | None = None) -> int:
    """``streamlit run app.py [args]`` with :func:`warm_up` running beside the server."""
    from streamlit.web import cli

    skip_component_scan()
    start_warm_up()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    try:
        cli.main()
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
