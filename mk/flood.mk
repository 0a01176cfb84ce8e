# A LAN that lies: the flood benchmark (make bench-flood) and the fuzz targets
# (make fuzz). The flood tests themselves (tests/mdns_flood.rs) run with the
# other Rust tests in test-rust.

.PHONY: bench-flood

# 20,000 datagrams a second for 10 s from a third test host; then waits up to
# the received-TTL cap (300 s) for the observer to be idle and free of fakes.
bench-flood:
	$(CARGO) build --release --examples
	$(ISOLATED) target/release/examples/mdns_flood_bench
