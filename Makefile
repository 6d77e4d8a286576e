# make run   - the echo server on the supervised listener, gen_tcp.ranch (PORT=5678 by default);
#              make run NODES=N serves the port from N nodes, one OS process each
# make build - compile the hot modules with mypyc into build/mypyc (pure Python without a
#              C compiler and Python headers; see mypyc_build.py and actors/_build.py)
# make test  - type-check, build, and run every test (stress runs excluded) twice: the whole
#              suite on pure Python (ACTORS_BUILD=pure), then the whole suite again on the
#              compiled build (ACTORS_BUILD=compiled: an unusable build fails instead of
#              falling back); the second run is skipped only where no compiler can build it
# make shell - the REPL: a process of a running node
# make bench - benchmarks, each printed beside its baselines as ratios
# make stress - stress and soak runs
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5678
STAMP := $(VENV)/.installed
MANIFEST := build/mypyc/manifest.json
SOURCES := $(shell find actors ports gen_tcp -name '*.py' -o -name '*.c')

.PHONY: run build test shell bench stress typecheck clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,fast]'
	touch $(STAMP)

$(MANIFEST): $(STAMP) $(SOURCES) mypyc_build.py
	$(PY) mypyc_build.py

build: $(MANIFEST)

# run and bench take the compiled build when it is fresh (ACTORS_BUILD=auto)
run: $(STAMP) $(MANIFEST)
ifdef NODES
	$(PY) examples/echo_server.py --port $(PORT) --acceptors 8 --nodes $(NODES)
else
	$(PY) examples/ranch_echo.py --port $(PORT) --acceptors 8
endif

typecheck: $(STAMP)
	$(PY) -m mypy

test: $(STAMP) typecheck $(MANIFEST)
	ACTORS_BUILD=pure $(PY) -m pytest -q -m "not stress"
	@if $(PY) mypyc_build.py --built; then \
		echo "make test: again on the compiled build"; \
		ACTORS_BUILD=compiled $(PY) -m pytest -q -m "not stress"; \
	else echo "make test: pure Python only"; fi

shell: $(STAMP)
	$(PY) -m actors

bench: $(STAMP) $(MANIFEST)
	$(PY) -m tests.bench

stress: $(STAMP)
	$(PY) -m pytest -q -m stress

clean:
	rm -rf $(VENV) build *.egg-info
