# gridplan: `make run` starts the app on the bundled demo, `make test` runs the test suite.
# Both build the local virtual environment .venv from the pinned requirements first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check -q

.PHONY: venv venv-test run test lint bench demo clean assets fonts browser postgres

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps -e .
	$(BIN)/python -c "from allocation._lagrange_jit import warm_up; warm_up()"  # numba, once
	touch $@

venv-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PIP) install -r requirements-test.txt
	touch $@

run: venv assets fonts
	$(BIN)/python -m ui.launch  # streamlit run app.py, the first page's work begun at start (docs/app.md)

test: venv-test assets fonts browser postgres
	$(BIN)/python -m pytest

# The gate (.ci/run runs it before the tests): ruff lint and format on the whole repo, mypy on the
# modules listed in pyproject.toml [tool.mypy] files, the architecture contracts of
# [tool.importlinter].
lint: venv-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

demo: venv
	$(BIN)/python -m geo.demo --out data/boundaries

clean:
	rm -rf $(VENV) .pytest_cache

# Offline map assets: pinned Leaflet + Leaflet.draw from the npm registry, checksummed against
# ui/assets.lock.json, unpacked into static/vendor/ (gitignored; served at /app/static/vendor).
assets: venv
	$(BIN)/python -m ui.assets

# Noto CJK fonts (embedded in the printable atlas, drawn by the app's charts) and poppler-utils
# (pdftotext, with which the atlas test reads the Chinese text back): apt-get when missing and
# running as root, otherwise left alone (the atlas then says which font it fell back to).
fonts:
	@if dpkg -s fonts-noto-cjk >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk poppler-utils >/dev/null; \
	else \
		echo "fonts: fonts-noto-cjk/poppler-utils missing and not root; the atlas test will skip"; \
	fi

# Debian chromium + CJK fonts for the real-browser test (tests/browser); installed with apt-get
# when missing and running as root, otherwise left alone (the test then says why it skips).
browser:
	@if command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else \
		echo "browser: chromium/fonts-noto-cjk missing and not root; the browser test will skip"; \
	fi

# PostgreSQL + PostGIS from Debian for the plan-store tests (apt-get when missing, as root).
postgres:
	sh scripts/install_postgres.sh
