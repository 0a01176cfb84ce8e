# The Python package (bindings/python): built by pip + maturin into a venv under
# build/ (outside the namespace: it needs PyPI and crates.io), tested inside it.
#
#   make test-python     pytest bindings/python/tests inside tests/netns/isolated
#   make bench-python    get_service from Python beside python-zeroconf

PYTHON ?= python3
PY_VENV := build/python-venv
PY := $(PY_VENV)/bin/python
PY_TEST_DEPS := pytest zeroconf mypy

TEST_TARGETS += test-python

.PHONY: python-venv test-python bench-python

python-venv:
	test -x $(PY) || $(PYTHON) -m venv $(PY_VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(PY_TEST_DEPS)
	$(PY) -m pip install --quiet --force-reinstall --no-deps ./bindings/python
	# The CLI for the Python <-> CLI interop tests.
	$(CARGO) build --release --bin microreg

test-python: python-venv
	$(CARGO) clippy -p microreg-python --no-deps --all-targets -- -D warnings
	cd bindings/python/tests && ../../../$(ISOLATED) ../../../$(PY) -m pytest -v -p no:cacheprovider .

bench-python: python-venv
	$(ISOLATED) $(PY) bindings/python/bench/bench_get_service.py
