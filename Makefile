# The two Quickstart commands: `make demo` (the main job) and `make test` (the tests).
VENV := .venv
PY := $(VENV)/bin/python
# The lock files (pip-compile, with hashes): runtime.txt what dtoa needs to run, test.txt that
# plus the test tools and the build backend. `make lock` rewrites them; nothing else does.
LOCK := requirements/test.txt

# The virtual environment is exactly the lock: made afresh (--clear) whenever the lock or
# pyproject.toml changes, every file checked against its hash, then dtoa itself (editable).
$(VENV)/.installed: pyproject.toml $(LOCK)
	python3 -m venv --clear $(VENV)
	$(VENV)/bin/pip install -q --require-hashes -r $(LOCK)
	$(VENV)/bin/pip install -q --no-deps --no-build-isolation -e .
	touch $@

.PHONY: demo test system-packages lint bench lock
system-packages:
	scripts/install-system-packages

demo: $(VENV)/.installed
	$(VENV)/bin/dtoa demo

test: system-packages $(VENV)/.installed
	$(VENV)/bin/ruff check dtoa pipelines tests bench
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) -m bench $(BENCH_ARGS)

# Upgrade the lock on purpose: re-resolve every package within pyproject.toml's bounds (or
# only some: make lock UPGRADE="-P holidays -P weasyprint"), then rebuild the environment and
# run the whole test suite, which is the gate: commit the new lock only when it passes.
UPGRADE ?= --upgrade
PIP_COMPILE = $(VENV)-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links
lock:
	python3 -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install -q 'pip-tools>=7.4,<8'
	$(PIP_COMPILE) $(UPGRADE) --extra test --all-build-deps -o requirements/test.txt pyproject.toml
	$(PIP_COMPILE) --upgrade -c requirements/test.txt -o requirements/runtime.txt pyproject.toml
	$(MAKE) test
