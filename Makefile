# gridplan: `make run` starts the app on the bundled demo, `make test` runs the test suite.
# Both build the local virtual environment .venv from the pinned requirements first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check -q

.PHONY: venv venv-test run test lint bench demo clean assets browser

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps -e .
	touch $@

venv-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PIP) install -r requirements-test.txt
	touch $@

run: venv
	$(BIN)/streamlit run app.py

test: venv-test
	$(BIN)/python -m pytest

lint: venv-test
	$(BIN)/ruff check geo allocation cli ui app.py tests bench

demo: venv
	$(BIN)/python -m geo.demo --out data/boundaries

clean:
	rm -rf $(VENV) .pytest_cache
