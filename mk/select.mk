# Node selection on every face (issue: select for C, C++, Python, Go, go-micro,
# the CLI and Rust).
#
#   make bench-select        select on a warm cache, 10 nodes, per face, beside
#                            go-micro's selector.Select + Next() in the same run
#   make test-select-hosts   two test hosts: echo servers registered on one,
#                            selected and connected to from the other, per face

SELECT_BUILD := build/select

TEST_TARGETS += test-select-hosts

.PHONY: bench-select test-select-hosts

$(SELECT_BUILD)/bench_select: benches/c/bench_select.c include/microreg.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) -std=c11 $(C_WARNINGS) -O2 -Iinclude $< $(STATIC_LIB) $(C_STATIC_LIBS) -o $@

# Every figure in one run, one face after the other (a 2-core machine: they
# would disturb each other side by side).
bench-select: c-lib python-venv
	$(MAKE) --no-print-directory $(SELECT_BUILD)/bench_select
	$(CARGO) bench --no-run --bench select
	for m in $(GO_MODULES); do (cd $$m && $(GO) mod download) || exit 1; done
	@echo "== C"
	@$(ISOLATED) $(SELECT_BUILD)/bench_select
	@echo "== Rust (criterion, benches/select.rs)"
	@$(ISOLATED) $(CARGO) bench --offline --bench select -- --noplot 2>/dev/null \
		| grep -B1 'time:' | grep -v '^--'
	@echo "== Python"
	@$(ISOLATED) $(PY) bindings/python/bench/bench_select.py
	@echo "== Go (bindings/go), then go-micro's selector beside microreg's (bindings/go/gomicro)"
	@for m in $(GO_MODULES); do \
		$(ISOLATED) sh -c "cd $$m && $(GO_OFFLINE) $(GO) test -run '^$$' -bench Select -benchtime 1s ." \
			| grep -E '^Benchmark' || exit 1; \
	done
