# microreg — build and test every face of the project.
#
#   make            build the library (static + shared) and the CLI, release mode
#   make test       everything: lint, Rust, and each face's suite from mk/*.mk
#
# Networked tests run inside tests/netns/isolated (a private network namespace),
# never on the machine's own interfaces. Each face adds its suite to
# TEST_TARGETS from its own file under mk/.

CARGO ?= cargo
ISOLATED := tests/netns/isolated
TEST_TARGETS := test-harness test-rust

# The first rule is what a plain `make` does: it must come before the rules
# that mk/*.mk bring in.
.PHONY: all build test lint test-harness test-rust bench clean
all: build

-include mk/*.mk

# The CLI, then the C artefacts (the package's lib is an rlib: see c-lib).
build:
	$(CARGO) build --release
	$(MAKE) --no-print-directory c-lib

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --all-targets -- -D warnings

# The namespace harness itself: two test hosts exchange mDNS-group multicast.
test-harness:
	$(ISOLATED) tests/netns/selftest

# Dependencies are fetched and tests compiled outside the namespace (it has no
# network); they run inside it, offline.
# (Examples are peers that multi-host tests start as separate processes.)
# The doc tests include README.md's Rust examples, which use the LAN: they are
# collected only with --cfg microreg_isolated, inside the namespace.
test-rust:
	$(CARGO) test --no-run --all-targets
	$(CARGO) build --examples
	$(ISOLATED) $(CARGO) test --offline --all-targets
	$(ISOLATED) env RUSTDOCFLAGS="--cfg microreg_isolated" $(CARGO) test --offline --doc

test: lint $(TEST_TARGETS)
	@echo "make test: all suites passed ($(TEST_TARGETS))"

bench:
	$(CARGO) bench --no-run
	$(ISOLATED) $(CARGO) bench --offline --bench get_service

clean:
	$(CARGO) clean
