# etcd backend: a real etcd server for its tests, the go-micro v5.30.0 etcd peer,
# the cluster tests and the benchmark.
#
#   make etcd-server   install Debian's etcd-server and etcd-client, never starting a daemon
#   make test-etcd     the suites that need etcd: Rust tests on a throwaway etcd on
#                      127.0.0.1 (tests/etcd/with-etcd), interop with go-micro's
#                      registry/etcd, the Python and Go faces on etcd, and a 3-member
#                      cluster on 3 test hosts inside tests/netns/isolated
#   make bench-etcd    microreg beside go-micro v5.30.0's etcd registry on one etcd
#
# Go modules are downloaded and everything is compiled here, outside the
# namespaces (they have no network).

TEST_TARGETS += test-etcd

ETCD_BUILD := build/etcd
ETCD_STAMP := $(ETCD_BUILD)/etcd-server.installed
GOMICRO_ETCD_PEER := $(ETCD_BUILD)/gomicro-etcd-peer
WITH_ETCD := tests/etcd/with-etcd
# Rust suites that need one etcd on 127.0.0.1: the backend contract and every
# tests/etcd_*.rs except the cluster suite, which makes its own cluster on the
# test hosts.
ETCD_CLUSTER_TEST := etcd_cluster
ETCD_LOCAL_TESTS := $(filter-out $(ETCD_CLUSTER_TEST),$(basename $(notdir $(wildcard tests/etcd_*.rs)))) contract_etcd
ETCD_ENV = MICROREG_GOMICRO_ETCD_PEER=$(CURDIR)/$(GOMICRO_ETCD_PEER)

.PHONY: etcd-server test-etcd test-etcd-rust test-etcd-faces bench-etcd etcd-peers

# etcd runs only where a test starts it: on 127.0.0.1 (with-etcd) or inside the
# test hosts' namespaces. While the packages install, policy-rc.d keeps their
# scripts from starting Debian's daemon; should its unit have been enabled
# anyway (an earlier install without the guard), it is stopped and disabled.
$(ETCD_STAMP):
	@if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then \
	    guard=; \
	    if [ ! -e /usr/sbin/policy-rc.d ]; then \
	        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; guard=1; \
	    fi; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends etcd-server etcd-client; status=$$?; \
	    if [ -n "$$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
	    [ $$status = 0 ] || exit $$status; \
	fi
	@if [ -d /run/systemd/system ] && systemctl is-enabled --quiet etcd 2>/dev/null; then \
	    systemctl disable --now etcd; \
	fi
	@if command -v invoke-rc.d >/dev/null && [ -x /etc/init.d/etcd ]; then \
	    invoke-rc.d etcd stop >/dev/null 2>&1 || true; \
	fi
	@if ss -Hltn 'sport = :2379 or sport = :2380' 2>/dev/null | grep -q .; then \
	    echo "etcd-server: something listens on port 2379/2380 (Debian's etcd daemon?); stop it first" >&2; exit 1; \
	fi
	mkdir -p $(ETCD_BUILD) && touch $@

etcd-server: $(ETCD_STAMP)

# The backend's own tests (tests/etcd_backend.rs) start etcd themselves and run
# in plain `cargo test`: the server must be installed before test-rust too.
test-rust: $(ETCD_STAMP)

$(GOMICRO_ETCD_PEER): $(wildcard tests/interop/gomicro-etcd/*.go) tests/interop/gomicro-etcd/go.mod tests/interop/gomicro-etcd/go.sum
	mkdir -p $(ETCD_BUILD)
	cd tests/interop/gomicro-etcd && go mod download && go build -o $(CURDIR)/$@ .

etcd-peers: $(ETCD_STAMP) $(GOMICRO_ETCD_PEER)
	$(CARGO) build --bin microreg --examples
	$(CARGO) test --no-run $(addprefix --test ,$(ETCD_LOCAL_TESTS) $(ETCD_CLUSTER_TEST))

test-etcd: test-etcd-rust test-etcd-faces

test-etcd-rust: etcd-peers
	$(WITH_ETCD) env $(ETCD_ENV) $(CARGO) test --offline \
		$(addprefix --test ,$(ETCD_LOCAL_TESTS)) -- --include-ignored --test-threads=2 --skip with_auth
	$(WITH_ETCD) --auth env $(ETCD_ENV) $(CARGO) test --offline --test etcd_interop \
		-- --include-ignored with_auth
	$(ISOLATED) env $(ETCD_ENV) $(CARGO) test --offline --test $(ETCD_CLUSTER_TEST) \
		-- --include-ignored --test-threads=1

# Every face reaches etcd: the Python and Go suites' etcd tests (skipped
# without MICROREG_TEST_ETCD) on a throwaway etcd.
test-etcd-faces: etcd-server python-venv go
	$(WITH_ETCD) sh -c "cd bindings/python/tests && ../../../$(PY) -m pytest -q -p no:cacheprovider test_etcd.py"
	$(WITH_ETCD) sh -c "cd bindings/go && $(GO_OFFLINE) $(GO) test -count=1 -run Etcd ."

bench-etcd: $(ETCD_STAMP) $(GOMICRO_ETCD_PEER)
	$(CARGO) build --release --example etcd_bench
	$(WITH_ETCD) env $(ETCD_ENV) tests/etcd/bench
