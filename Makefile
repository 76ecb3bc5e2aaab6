# Two entry points, both starting from a fresh clone:
#   make build   create .venv, install cicada, run `cicada build configs/quickstart.yaml`
#   make test    create .venv, install cicada with its test and pythia extras, run the test suite
# `make build` installs only what a build needs (half a minute less than with the test extras:
# Dask, MLflow, uproot, Pythia and the test tools); `make test` adds the extras to the same .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= configs/quickstart.yaml

.PHONY: build test clean install install-test

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,pythia]"
	touch $@

build: install
	$(BIN)/cicada build $(CONFIG)

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) models/*/ hls_projects/*/
