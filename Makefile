# make run: the main job on the embedded default data. make test: the whole test suite.
# Both create .venv when missing and install the project with its dev extras.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Wheels only: pip refuses to build any dependency from source (no compiler needed, no build time, the binaries that
# were tested). The project itself is still built editable from this folder (pip's format control covers index
# packages, not a local path). The one pinned dependency PyPI ships as source only, lifelines' pure-Python
# autograd-gamma, is a wheel in wheels/ (how it was made: wheels/README.md).
PIP := $(PY) -m pip install -q --only-binary=:all: --find-links wheels

.PHONY: run test lab export check-export bench install refs params lock

run: $(STAMP)
	$(VENV)/bin/emploi-lab run

test: $(STAMP)
	$(MAKE) check-export
	$(VENV)/bin/nbdev_test --n_workers 2
	$(PY) -m pytest -q; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is missing, failing"; fi; exit $$rc

# JupyterLab rooted at the project (nbs/ and reports/ both reachable), opening on the notebooks' index; the
# notebooks name the registered kernel `emploi-lab` (this environment); its display name is the one nbdev_clean writes
# into every notebook, so opening a notebook changes nothing in it
lab: $(STAMP)
	$(PY) -m ipykernel install --sys-prefix --name emploi-lab --display-name emploi-lab
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/nbs/index.ipynb $(if $(filter 0,$(shell id -u)),--allow-root)

install: $(STAMP)

$(STAMP): pyproject.toml settings.ini constraints.txt $(wildcard wheels/*.whl)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) -c constraints.txt pip
	$(PIP) -c constraints.txt -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name emploi-lab --display-name emploi-lab >/dev/null
	touch $(STAMP)

# emploi_lab/ must be exactly what nbdev_export makes from nbs/ (CI fails otherwise).
export: $(STAMP)
	$(VENV)/bin/nbdev_export
	$(VENV)/bin/nbdev_clean
	$(PY) tools/readme.py

check-export: $(STAMP)
	$(PY) tools/check_export.py

bench: $(STAMP)
	$(PIP) -c constraints.txt -e ".[dev,bench]"
	set -e; for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f; done

# the versions a fresh clone installs (constraints.txt): rewrite it after changing dependencies in pyproject.toml
lock: $(STAMP)
	$(PIP) -e ".[dev,bench]"
	{ echo "# Versions tested with emploi-lab on Python 3.11 (pip constraints: \`pip install -c constraints.txt -e .[dev]\`)."; \
	  echo "# Regenerate after changing dependencies: make lock"; echo "pip==$$($(PY) -m pip --version | cut -d' ' -f2)"; \
	  $(PY) -m pip freeze --exclude-editable; } > constraints.txt

refs: $(STAMP)
	$(VENV)/bin/emploi-lab refs build

params: $(STAMP)
	$(VENV)/bin/emploi-lab params init
