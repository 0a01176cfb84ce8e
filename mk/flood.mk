# A LAN that lies: the flood benchmark (make bench-flood) and the fuzz targets
# (make fuzz). The flood tests themselves (tests/mdns_flood.rs) run with the
# other Rust tests in test-rust.

.PHONY: bench-flood

# 20,000 datagrams a second for 10 s from a third test host; then waits up to
# the received-TTL cap (300 s) for the observer to be idle and free of fakes.
bench-flood:
	$(CARGO) build --release --examples
	$(ISOLATED) target/release/examples/mdns_flood_bench

.PHONY: bench-sign

# The cost of signed announcements: sign/verify in process, and 1000 nodes
# from one test host seen (verified) on another, with and without keys.
bench-sign:
	$(CARGO) build --release --examples
	$(ISOLATED) target/release/examples/mdns_sign_bench

.PHONY: soak-sign

# Signed announcements under forgery for SOAK_SECONDS (10 minutes): 1,000
# signed nodes on test host 1, observers with the key on host 2, a forger on
# host 3 (forged goodbyes, hijacks, extra nodes, replays). Prints forgeries
# refused and false rejects. Not part of `make test` (a short run is).
SOAK_SECONDS ?= 600
soak-sign:
	$(CARGO) build --release --examples
	$(ISOLATED) target/release/examples/mdns_sign_soak --seconds $(SOAK_SECONDS)

.PHONY: fuzz

# cargo-fuzz targets under fuzz/ (nightly Rust, installed here when missing):
# the go-micro TXT codec, the packet path (with signature checks), the C ABI's
# JSON entries. Each runs FUZZ_SECONDS with FUZZ_JOBS processes (libFuzzer's
# fork mode when more than one), at nice FUZZ_NICE; new inputs go to
# build/fuzz/<target>, the seeds in fuzz/corpus/<target> stay as committed.
# Without a sanitizer (FUZZ_SANITIZER=none) a target runs several times faster
# than under AddressSanitizer (cargo-fuzz's default): the targets are safe
# Rust apart from the C ABI's argument handling, which FUZZ_SANITIZER=address
# checks too. A stable `make test` never builds them.
FUZZ_SECONDS ?= 120
FUZZ_JOBS ?= 1
FUZZ_NICE ?= 19
FUZZ_SANITIZER ?= none
FUZZ_TARGETS := gomicro_txt packet ffi_json

fuzz:
	rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	for target in $(FUZZ_TARGETS); do \
	    mkdir -p build/fuzz/$$target && \
	    (cd fuzz && nice -n $(FUZZ_NICE) $(CARGO) +nightly fuzz run --sanitizer $(FUZZ_SANITIZER) \
	        $$target ../build/fuzz/$$target corpus/$$target -- \
	        -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 \
	        $(if $(filter-out 1,$(FUZZ_JOBS)),-fork=$(FUZZ_JOBS))) || exit 1; \
	done
