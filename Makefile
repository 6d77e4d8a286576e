# make run   - the echo server on the supervised listener, gen_tcp.ranch (PORT=5678 by default)
# make test  - type-check and run every test (stress runs excluded)
# make shell - the REPL: a process of a running node
# make bench - benchmarks, each printed beside its baselines as ratios
# make stress - stress and soak runs
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5678
STAMP := $(VENV)/.installed

.PHONY: run test shell bench stress typecheck clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,fast]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) examples/ranch_echo.py --port $(PORT) --acceptors 8

typecheck: $(STAMP)
	$(PY) -m mypy

test: $(STAMP) typecheck
	$(PY) -m pytest -q -m "not stress"

shell: $(STAMP)
	$(PY) -m actors

bench: $(STAMP)
	$(PY) -m tests.bench

stress: $(STAMP)
	$(PY) -m pytest -q -m stress

clean:
	rm -rf $(VENV) build *.egg-info
