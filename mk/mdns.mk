# mDNS backend: interop suites with real peers and the mDNS benchmark.
# Peers are fetched and built here, outside the namespace (it has no network);
# the tests and the benchmark run inside tests/netns/isolated.

TEST_TARGETS += test-mdns

MDNS_BUILD := build/mdns
GOMICRO_PEER := $(MDNS_BUILD)/gomicro-peer
ZEROCONF_VENV := $(MDNS_BUILD)/venv-zeroconf
ZEROCONF_PYTHON := $(ZEROCONF_VENV)/bin/python

.PHONY: test-mdns bench-mdns mdns-peers

$(GOMICRO_PEER): tests/interop/gomicro/main.go tests/interop/gomicro/go.mod tests/interop/gomicro/go.sum
	mkdir -p $(MDNS_BUILD)
	cd tests/interop/gomicro && go mod download && go build -o $(CURDIR)/$(GOMICRO_PEER) .

$(ZEROCONF_PYTHON): tests/interop/zeroconf/requirements.txt
	python3 -m venv $(ZEROCONF_VENV)
	$(ZEROCONF_VENV)/bin/pip install --quiet -r tests/interop/zeroconf/requirements.txt
	touch $(ZEROCONF_PYTHON)

mdns-peers: $(GOMICRO_PEER) $(ZEROCONF_PYTHON)
	$(CARGO) build --examples
	$(CARGO) build --release --examples

test-mdns: mdns-peers
	$(ISOLATED) env MICROREG_GOMICRO_PEER=$(CURDIR)/$(GOMICRO_PEER) \
		MICROREG_ZEROCONF_PYTHON=$(CURDIR)/$(ZEROCONF_PYTHON) \
		$(CARGO) test --offline --test mdns_interop -- --ignored --test-threads=1

bench-mdns: mdns-peers
	$(ISOLATED) env MICROREG_GOMICRO_PEER=$(CURDIR)/$(GOMICRO_PEER) \
		MICROREG_ZEROCONF_PYTHON=$(CURDIR)/$(ZEROCONF_PYTHON) \
		target/release/examples/mdns_bench
