# make run: the main job on the embedded default data. make test: the whole test suite.
# Both create .venv when missing and install the project with its dev extras.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lab export check-export readme clean-nbs bench install refs params

run: $(STAMP)
	$(VENV)/bin/emploi-lab run

test: $(STAMP)
	$(MAKE) check-export
	$(VENV)/bin/nbdev_test --n_workers 2
	$(PY) -m pytest -q; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is missing, failing"; fi; exit $$rc

lab: $(STAMP)
	$(PY) -m ipykernel install --sys-prefix --name emploi-lab --display-name "Python (emploi-lab)"
	$(VENV)/bin/jupyter lab --notebook-dir=nbs

install: $(STAMP)

$(STAMP): pyproject.toml settings.ini
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name emploi-lab --display-name "Python (emploi-lab)" >/dev/null
	touch $(STAMP)

# emploi_lab/ must be exactly what nbdev_export makes from nbs/ (CI fails otherwise).
export: $(STAMP)
	$(VENV)/bin/nbdev_export
	$(VENV)/bin/nbdev_clean
	$(PY) tools/readme.py

check-export: $(STAMP)
	$(VENV)/bin/nbdev_export
	$(PY) tools/readme.py
	@if [ -n "$$(git status --porcelain -- emploi_lab README.md)" ]; then \
	  git status --porcelain -- emploi_lab README.md; \
	  echo "emploi_lab/ or README.md differ from a fresh export of nbs/: run 'make export' and commit"; exit 1; fi

bench: $(STAMP)
	$(PY) bench/bench_generate.py

refs: $(STAMP)
	$(VENV)/bin/emploi-lab refs build

params: $(STAMP)
	$(VENV)/bin/emploi-lab params init
