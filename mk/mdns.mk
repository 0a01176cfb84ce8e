# mDNS backend: interop suites with real peers and the mDNS benchmark.
# Peers are fetched and built here, outside the namespace (it has no network);
# the tests and the benchmark run inside tests/netns/isolated.

TEST_TARGETS += test-mdns

MDNS_BUILD := build/mdns
GOMICRO_PEER := $(MDNS_BUILD)/gomicro-peer
GOMICRO_PEER_V5_3 := $(MDNS_BUILD)/gomicro-peer-v5.3.0
ZEROCONF_VENV := $(MDNS_BUILD)/venv-zeroconf
ZEROCONF_PYTHON := $(ZEROCONF_VENV)/bin/python
AVAHI_STAMP := $(MDNS_BUILD)/avahi.installed

.PHONY: test-mdns bench-mdns bench-lookup mdns-peers netns-tools

# Impaired test hosts (tests/netns/hosts --loss/--delay/--jitter): this kernel
# has no netem, so loss comes from iptables' statistic match and delay from a
# user-space relay (python3), which needs checksum offload off (ethtool).
NETNS_TOOLS_STAMP := $(MDNS_BUILD)/netns-tools.installed
$(NETNS_TOOLS_STAMP):
	@if ! command -v iptables >/dev/null || ! command -v ip6tables >/dev/null \
	    || ! command -v ethtool >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends iptables ethtool; \
	fi
	mkdir -p $(MDNS_BUILD) && touch $@

netns-tools: $(NETNS_TOOLS_STAMP)

# The Rust suites include tests on impaired hosts (tests/mdns_lossy.rs), and
# the harness selftest checks the impairments themselves.
test-rust test-harness: netns-tools

GOMICRO_PEER_SOURCES := $(wildcard tests/interop/gomicro/*.go)
$(GOMICRO_PEER): $(GOMICRO_PEER_SOURCES) tests/interop/gomicro/go.mod tests/interop/gomicro/go.sum
	mkdir -p $(MDNS_BUILD)
	cd tests/interop/gomicro && go mod download && go build -o $(CURDIR)/$(GOMICRO_PEER) .

# The same peer on go-micro v5.3.0 (its own go.mod beside the main one), so the
# interop tests cover both ends of the v5 line that users run.
$(GOMICRO_PEER_V5_3): $(GOMICRO_PEER_SOURCES) tests/interop/gomicro/go.v5.3.0.mod tests/interop/gomicro/go.v5.3.0.sum
	mkdir -p $(MDNS_BUILD)
	cd tests/interop/gomicro && go mod download -modfile=go.v5.3.0.mod && \
		go build -modfile=go.v5.3.0.mod -tags gomicro_v5_3 -o $(CURDIR)/$(GOMICRO_PEER_V5_3) .

$(ZEROCONF_PYTHON): tests/interop/zeroconf/requirements.txt
	python3 -m venv $(ZEROCONF_VENV)
	$(ZEROCONF_VENV)/bin/pip install --quiet -r tests/interop/zeroconf/requirements.txt
	touch $(ZEROCONF_PYTHON)

# avahi runs only inside the test namespaces (tests/interop/avahi/run). While the
# packages install, policy-rc.d keeps their scripts from starting a daemon on the
# machine's own network.
$(AVAHI_STAMP):
	@if ! command -v avahi-daemon >/dev/null || ! command -v avahi-browse >/dev/null \
	    || ! command -v dbus-daemon >/dev/null; then \
	    guard=; \
	    if [ ! -e /usr/sbin/policy-rc.d ]; then \
	        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; guard=1; \
	    fi; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends avahi-daemon avahi-utils dbus-daemon; status=$$?; \
	    if [ -n "$$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
	    exit $$status; \
	fi
	mkdir -p $(MDNS_BUILD) && touch $@

mdns-peers: $(GOMICRO_PEER) $(GOMICRO_PEER_V5_3) $(ZEROCONF_PYTHON) $(AVAHI_STAMP)
	$(CARGO) build --examples
	$(CARGO) build --release --examples

test-mdns: mdns-peers
	$(ISOLATED) env MICROREG_GOMICRO_PEER=$(CURDIR)/$(GOMICRO_PEER) MICROREG_AVAHI=1 \
		MICROREG_ZEROCONF_PYTHON=$(CURDIR)/$(ZEROCONF_PYTHON) \
		$(CARGO) test --offline --test mdns_interop -- --ignored --test-threads=1
	@echo "== the go-micro tests again, against go-micro v5.3.0"
	$(ISOLATED) env MICROREG_GOMICRO_PEER=$(CURDIR)/$(GOMICRO_PEER_V5_3) \
		$(CARGO) test --offline --test mdns_interop -- --ignored --test-threads=1 go_micro

# Lookup latency and completeness: `microreg list` with 100 services on 3
# test hosts beside go-micro's ListServices, then under loss and delay.
bench-lookup: mdns-peers netns-tools
	$(CARGO) build --release
	$(ISOLATED) env MICROREG_GOMICRO_PEER=$(CURDIR)/$(GOMICRO_PEER) tests/netns/lookup-bench

bench-mdns: mdns-peers
	$(ISOLATED) env MICROREG_GOMICRO_PEER=$(CURDIR)/$(GOMICRO_PEER) \
		MICROREG_ZEROCONF_PYTHON=$(CURDIR)/$(ZEROCONF_PYTHON) \
		target/release/examples/mdns_bench
