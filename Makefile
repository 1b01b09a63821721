# The two Quickstart commands: `make demo` (the main job) and `make test` (the tests).
VENV := .venv
PY := $(VENV)/bin/python

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

.PHONY: demo test system-packages lint bench
system-packages:
	scripts/install-system-packages

demo: $(VENV)/.installed
	$(VENV)/bin/dtoa demo

test: system-packages $(VENV)/.installed
	$(VENV)/bin/ruff check dtoa pipelines tests bench
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) -m bench $(BENCH_ARGS)
