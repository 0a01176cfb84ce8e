# Node selection on every face (issue: select for C, C++, Python, Go, go-micro,
# the CLI and Rust).
#
#   make bench-select        select on a warm cache, 10 nodes, per face, beside
#                            go-micro's selector.Select + Next() in the same run
#   make bench-select-go     its Go part alone (Go and go-micro's selector)
#   make test-select-hosts   two test hosts: echo servers registered on one,
#                            selected and connected to from the other, per face

SELECT_BUILD := build/select

TEST_TARGETS += test-select-hosts

.PHONY: bench-select bench-select-go bench-select-go-run test-select-hosts

$(SELECT_BUILD)/bench_select: benches/c/bench_select.c include/microreg.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) -std=c11 $(C_WARNINGS) -O2 -Iinclude $< $(STATIC_LIB) $(C_STATIC_LIBS) -o $@

# Every figure in one run, one face after the other (a 2-core machine: they
# would disturb each other side by side).
bench-select: c-lib python-venv
	$(MAKE) --no-print-directory $(SELECT_BUILD)/bench_select $(C_BUILD)/bench_get_service
	$(CARGO) bench --no-run --bench select
	for m in $(GO_MODULES); do (cd $$m && $(GO) mod download) || exit 1; done
	@echo "== C (get_service first: a reference for how loaded the machine is)"
	@$(ISOLATED) $(C_BUILD)/bench_get_service
	@$(ISOLATED) $(SELECT_BUILD)/bench_select
	@echo "== Rust (criterion, benches/select.rs)"
	@$(ISOLATED) $(CARGO) bench --offline --bench select -- --noplot 2>/dev/null \
		| grep -B1 'time:' | grep -v '^--'
	@echo "== Python"
	@$(ISOLATED) $(PY) bindings/python/bench/bench_select.py
	@$(MAKE) --no-print-directory bench-select-go-run

# The Go part alone: bindings/go (Selector.Next, Registry.Select, and the C
# call of a Next beside the whole), then go-micro's selector beside microreg's.
bench-select-go: go
	@$(MAKE) --no-print-directory bench-select-go-run

bench-select-go-run:
	@echo "== Go (bindings/go), then go-micro's selector beside microreg's (bindings/go/gomicro)"
	@for m in $(GO_MODULES); do \
		$(ISOLATED) sh -c "cd $$m && $(GO_OFFLINE) $(GO) test -run '^$$' -bench Select -benchtime 1s ." \
			| grep -E '^Benchmark' || exit 1; \
	done

$(SELECT_BUILD)/select_echo_c: examples/select/select_echo.c include/microreg.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) -std=c11 $(C_WARNINGS) -Iinclude $< $(STATIC_LIB) $(C_STATIC_LIBS) -o $@

$(SELECT_BUILD)/select_echo_cpp: examples/select/select_echo.cpp include/microreg.hpp include/microreg.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CXX) -std=c++17 $(C_WARNINGS) -Iinclude $< $(STATIC_LIB) $(C_STATIC_LIBS) -o $@

# Built outside the namespace (modules, crates); run inside it.
test-select-hosts: c-lib python-venv
	$(MAKE) --no-print-directory $(SELECT_BUILD)/select_echo_c $(SELECT_BUILD)/select_echo_cpp
	$(CARGO) build --release --bin microreg --example select_echo
	cd bindings/go/gomicro && $(GO) mod download && \
		$(GO_OFFLINE) $(GO) build -o ../../../$(SELECT_BUILD)/selectecho ./examples/selectecho
	$(ISOLATED) tests/select/two_hosts.sh $(SELECT_BUILD) $(LIB_DIR)/microreg \
		$(LIB_DIR)/examples/select_echo $(PY)
