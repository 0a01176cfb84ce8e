# The Python package (bindings/python): built by pip + maturin into a venv under
# build/ (outside the namespace: it needs PyPI and crates.io), tested inside it.
#
#   make test-python     pytest bindings/python/tests inside tests/netns/isolated
#   make bench-python    get_service from Python beside python-zeroconf
#   make wheel           build/dist/python: an abi3 manylinux wheel and an sdist (maturin)
#   make test-wheel      the wheel installed into a fresh venv with no Rust toolchain on
#                        PATH; the two-process example (tests/netns/isolated)

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

# Pinned: the wheel's tags and the sdist's layout come from maturin.
MATURIN_VERSION := 1.16.0
MATURIN := $(PY_VENV)/bin/maturin
WHEEL_DIR := build/dist/python

TEST_TARGETS += test-wheel

.PHONY: wheel test-wheel

$(MATURIN):
	test -x $(PY) || $(PYTHON) -m venv $(PY_VENV)
	$(PY) -m pip install --quiet 'maturin==$(MATURIN_VERSION)'

# maturin tags the wheel with the oldest manylinux policy whose glibc symbol
# versions the extension satisfies, and fails if it links a library outside
# that policy (--auditwheel check: nothing is bundled).
# Two commands: `build --sdist` would compile the wheel from the unpacked sdist,
# from scratch, outside this workspace's target/.
wheel: $(MATURIN)
	rm -rf $(WHEEL_DIR)
	$(MATURIN) sdist --manifest-path bindings/python/Cargo.toml --out $(WHEEL_DIR)
	$(MATURIN) build --release --auditwheel check \
		--manifest-path bindings/python/Cargo.toml --out $(WHEEL_DIR)

test-wheel: wheel
	tests/packages/wheel.sh $(WHEEL_DIR) $(PYTHON)
