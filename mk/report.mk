# The benchmark report: every scenario, microreg beside each peer in the same
# run on the same test hosts, rendered into one page with plots.
#
#   make bench-report          every runner in REPORT_RUNNERS, then the report:
#                              docs/benchmarks.md + docs/benchmarks/ (PNG, CSV, JSON),
#                              and the headline table of docs/performance.md
#   make bench-report QUICK=1  the short version (few rounds, small N), into
#                              $(REPORT_DIR) only: never touches docs/
#   make report-NAME           one scenario: writes $(REPORT_DIR)/data/NAME.json
#   make test-bench-report     the QUICK run into a fresh directory (every runner's
#                              JSON present and valid, the report written), the
#                              renderer's own tests, and the docs checked against
#                              their committed data (no drift)
#
# A runner is a make target report-NAME writing ONE file $(REPORT_DIR)/data/NAME.json
# (benches/report/scenario.py has the schema) and honouring QUICK; any mk/*.mk
# adds its own with REPORT_RUNNERS += report-NAME. mk/*.mk are included in
# alphabetical order, so REPORT_RUNNERS is read inside the recipe only.

REPORT_DIR ?= build/bench-report
QUICK ?=
export REPORT_DIR QUICK
REPORT_QUICK := $(filter-out 0,$(QUICK))

REPORT_RUNNERS += report-lookup report-crash report-fresh
TEST_TARGETS += test-bench-report

REPORT_VENV := build/report-venv
REPORT_PY := $(REPORT_VENV)/bin/python
REPORT_VENV_STAMP := $(REPORT_VENV)/matplotlib.installed
MATPLOTLIB_VERSION := 3.11.2
REPORT_RENDER := benches/report/render.py
REPORT_SMOKE_DIR := build/bench-report-smoke

.PHONY: bench-report test-bench-report report-venv report-python-venv report-build report-lookup report-crash report-fresh

# The renderer's own venv: matplotlib only (the runners need the standard library).
$(REPORT_VENV_STAMP):
	test -x $(REPORT_PY) || $(PYTHON) -m venv $(REPORT_VENV)
	$(REPORT_PY) -m pip install --quiet 'matplotlib==$(MATPLOTLIB_VERSION)'
	touch $@

report-venv: $(REPORT_VENV_STAMP)

# Each runner in turn; one that fails is named and the others still run. The
# scenario files of an earlier run are removed first, so the report holds only
# this run's figures.
bench-report: $(REPORT_VENV_STAMP)
	@rm -rf $(REPORT_DIR)/data && mkdir -p $(REPORT_DIR)/data
	@start=$$(date +%s); failed=; \
	for runner in $(REPORT_RUNNERS); do \
	    echo "== bench-report: $$runner$(if $(REPORT_QUICK), (QUICK))"; \
	    $(MAKE) --no-print-directory $$runner || failed="$$failed $$runner"; \
	done; \
	$(REPORT_PY) $(REPORT_RENDER) --dir $(REPORT_DIR) --runners "$(REPORT_RUNNERS)" --failed "$$failed" \
	    --duration $$(( $$(date +%s) - start )) $(if $(REPORT_QUICK),--strict,--publish docs) || exit 1; \
	if [ -n "$$failed" ]; then echo "bench-report: these runners failed:$$failed" >&2; exit 1; fi

test-bench-report: $(REPORT_VENV_STAMP)
	$(REPORT_PY) benches/report/test_render.py
	$(REPORT_PY) $(REPORT_RENDER) --check-docs docs
	rm -rf $(REPORT_SMOKE_DIR)
	$(MAKE) --no-print-directory bench-report QUICK=1 REPORT_DIR=$(REPORT_SMOKE_DIR)
	test -s $(REPORT_SMOKE_DIR)/benchmarks.md

# ---- the runners (each runs inside tests/netns/isolated) ----

REPORT_RUN = $(ISOLATED) env REPORT_DIR=$(REPORT_DIR) QUICK=$(REPORT_QUICK)

# A QUICK run builds the Python package only when it is missing; a full run
# rebuilds it (pip), so that it measures this tree.
report-python-venv:
	$(if $(REPORT_QUICK),test -x $(PY) || )$(MAKE) --no-print-directory python-venv

# One cargo build for every runner: the library (for C and Go), the CLI and
# the examples together. (A `--lib`-only build resolves some dependencies'
# features differently, e.g. serde's "alloc", so alternating the two
# recompiles the crate each time.)
report-build:
	$(CARGO) build --release --lib --bins --examples

# Warm lookup per face beside each peer's fastest path. The criterion build
# (benches/get_service.rs) takes minutes from cold: a QUICK run leaves Rust's
# in-process figure out.
report-lookup: report-build report-python-venv $(GOMICRO_PEER) $(AVAHI_STAMP) $(ETCD_STAMP) $(GOMICRO_ETCD_PEER) netns-tools
	$(if $(REPORT_QUICK),,$(CARGO) bench --no-run --bench get_service)
	$(MAKE) --no-print-directory $(C_BUILD)/bench_get_service
	$(REPORT_RUN) REPORT_GO="$(GO_OFFLINE) $(GO)" REPORT_AVAHI=1 $(PYTHON) benches/report/lookup.py

# kill -9 of a registrant -> gone on another host, per registry with its default TTL.
report-crash: report-build $(GOMICRO_PEER) $(ZEROCONF_PYTHON) $(AVAHI_STAMP) $(ETCD_STAMP) $(GOMICRO_ETCD_PEER) netns-tools
	$(REPORT_RUN) REPORT_AVAHI=1 $(PYTHON) benches/report/crash.py

# `microreg list` / `get` from a fresh process beside go-micro's, 3 test hosts
# (tests/netns/lookup-bench's runs).
report-fresh: report-build $(GOMICRO_PEER) netns-tools
	$(REPORT_RUN) MICROREG_GOMICRO_PEER=$(CURDIR)/$(GOMICRO_PEER) $(PYTHON) benches/report/fresh.py
