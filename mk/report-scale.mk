# The mDNS scenarios of the benchmark report (mk/report.mk runs every
# REPORT_RUNNERS target, then renders): microreg's mDNS backend beside mdns-sd,
# go-micro v5.30.0, python-zeroconf and avahi, on test hosts inside
# tests/netns/isolated (examples/mdns_report; each peer's part in a private
# namespace of its own).
#
#   make report-scaling   N = 10 .. 10,000 nodes: all seen on another host; idle
#                         CPU, RSS and LAN traffic at 1,000 nodes
#   make report-loss      register -> seen, deregister -> gone at 0/5/20 % loss
#                         with 50 ms delay; 100 nodes seen by a new observer
#   make report-hosts     3, 6 and 10 hosts registering 1,000 nodes between them
#
# Each writes $(REPORT_DIR)/data/<name>.json. QUICK=1 (the smoke test): small
# N, short windows, microreg and mdns-sd only (the other peers need their
# builds, and the time).

REPORT_DIR ?= build/bench-report
REPORT_RUNNERS += report-scaling report-loss report-hosts

MDNS_REPORT := target/release/examples/mdns_report
MDNS_REPORT_QUICK := $(filter-out 0,$(QUICK))

.PHONY: report-scaling report-loss report-hosts mdns-report-build

ifeq ($(MDNS_REPORT_QUICK),)
MDNS_REPORT_PEERS := $(GOMICRO_PEER) $(ZEROCONF_PYTHON) $(AVAHI_STAMP)
MDNS_REPORT_ENV := MICROREG_GOMICRO_PEER=$(CURDIR)/$(GOMICRO_PEER) \
	MICROREG_ZEROCONF_PYTHON=$(CURDIR)/$(ZEROCONF_PYTHON) MICROREG_AVAHI=1
else
MDNS_REPORT_PEERS :=
MDNS_REPORT_ENV :=
endif

mdns-report-build: $(MDNS_REPORT_PEERS) $(NETNS_TOOLS_STAMP)
	$(CARGO) build --release --example mdns_report

report-scaling report-loss report-hosts: report-%: mdns-report-build
	$(ISOLATED) env $(MDNS_REPORT_ENV) QUICK=$(MDNS_REPORT_QUICK) \
		$(MDNS_REPORT) $* --out $(REPORT_DIR)/data/$*.json
