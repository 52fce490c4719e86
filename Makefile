# The course in two commands: `make lab` and `make test`. Everything installs into .venv.
PYTHON ?= python3
# .ci/run's second leg uses VENV=.venv-py3.12 (a comment on the same line would end up in VENV)
VENV ?= .venv
BIN := $(VENV)/bin
LAB_ARGS ?=
# Two workers, each test file whole on one, the browser and notebook tests together (see
# tests/conftest.py). `make test PARALLEL=` runs everything in one process.
PARALLEL ?= -n 2
START := notebooks/00_start_here.ipynb
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

.PHONY: lab test bench environment serve lint clean

# A fresh venv with a current pip (old pips cannot install from pyproject.toml alone).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when the requirement files change.
$(VENV)/.runtime-installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements-classroom.txt $(VENV)/.runtime-installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# make lab serves the course's root (notebooks/ and exercises/ both reachable) and opens START.
# Each default is left out when LAB_ARGS sets the same option (Jupyter refuses an option given
# twice), so `make lab LAB_ARGS="--ip=0.0.0.0"` overrides 127.0.0.1 instead of clashing.
lab_given = $(filter $(foreach o,$(1),--$(o)=% --$(o)),$(LAB_ARGS))
LAB_DEFAULTS = $(if $(call lab_given,ip ServerApp.ip),,--ServerApp.ip=127.0.0.1) \
	$(if $(call lab_given,notebook-dir ServerApp.root_dir ServerApp.notebook_dir),,--ServerApp.root_dir="$(CURDIR)") \
	$(if $(call lab_given,LabApp.default_url ServerApp.default_url),,--LabApp.default_url=/lab/tree/$(START))

lab: $(VENV)/.runtime-installed  ## install, then open the course in JupyterLab
	JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
		$(BIN)/python -m jupyter lab $(LAB_DEFAULTS) $(ROOT_FLAG) $(LAB_ARGS)

test: $(VENV)/.dev-installed  ## install, then run every test (notebooks included)
	$(BIN)/python -m pytest $(PARALLEL) $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/python -m ruff check .

environment: $(VENV)/.runtime-installed  ## is this machine ready for the course?
	$(BIN)/python -m course environment

bench: $(VENV)/.runtime-installed  ## measure the course's numbers and print a table
	$(BIN)/python -m course bench $(BENCH_ARGS)

.PHONY: exercises grade
exercises: $(VENV)/.runtime-installed  ## regenerate exercises/ from solutions/ (EXERCISES_ARGS=--force to overwrite edits)
	$(BIN)/python -m course exercises $(EXERCISES_ARGS)

grade: $(VENV)/.runtime-installed  ## grade submitted notebooks: make grade SUBMISSIONS=folder/ [GRADE_ARGS="--csv grades.csv"]
	$(BIN)/python -m course grade $(or $(SUBMISSIONS),$(error Give the notebooks to grade: make grade SUBMISSIONS=folder/)) $(GRADE_ARGS)

# A JupyterHub for a class on this machine (classroom/README.md): JupyterHub and nbgitpuller in
# the venv, npm's configurable-http-proxy in classroom/node_modules (needs Node and npm).
# 127.0.0.1 by default; open it to the class deliberately: make hub HUB_IP=0.0.0.0
HUB_IP ?= 127.0.0.1
HUB_PORT ?= 8000
.PHONY: hub hub-proxy
$(VENV)/.classroom-installed: requirements-classroom.txt $(VENV)/.runtime-installed
	$(BIN)/python -m pip install --quiet -r requirements-classroom.txt
	touch $@

classroom/node_modules/.installed: classroom/package.json classroom/package-lock.json
	cd classroom && npm ci --no-audit --no-fund --loglevel=error
	touch $@

hub-proxy: classroom/node_modules/.installed

hub: $(VENV)/.classroom-installed hub-proxy  ## a JupyterHub for a class: learners log in at http://HUB_IP:HUB_PORT
	COURSE_HUB_IP=$(HUB_IP) COURSE_HUB_PORT=$(HUB_PORT) $(BIN)/jupyterhub -f classroom/jupyterhub_config.py $(HUB_ARGS)

.PHONY: test-matrix
test-matrix:  ## the suite on each installed Python among 3.11, 3.12, 3.13 (own venvs)
	PYTHON=$(PYTHON) PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/test_matrix.sh

serve: $(VENV)/.runtime-installed  ## the demo project under uvicorn on 127.0.0.1:8000
	cd demo_project && DEMO_DB_PATH=$${DEMO_DB_PATH:-/tmp/demo-db.sqlite3} ../$(BIN)/python manage.py migrate --verbosity=0
	cd demo_project && DEMO_DB_PATH=$${DEMO_DB_PATH:-/tmp/demo-db.sqlite3} ../$(BIN)/python manage.py seed_demo
	DEMO_DB_PATH=$${DEMO_DB_PATH:-/tmp/demo-db.sqlite3} $(BIN)/python -m uvicorn demo_project.asgi:application --host 127.0.0.1 --port 8000 --lifespan off

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
