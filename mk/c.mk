# The C ABI: generated header, static and shared libraries, install (headers,
# pkg-config, CMake package), the C/C++ test suite and the C benchmark.
#
#   make header         regenerate include/microreg.h with the pinned cbindgen
#   make check-header   fail if the checked-in header differs from a fresh one
#   make install PREFIX=/usr/local [DESTDIR=...]
#   make test-c         header check, C/C++ tests (ASan, valgrind, C++), install test
#   make bench-c        get_service through the C ABI, ns/op

CBINDGEN_VERSION := 0.29.4
CBINDGEN := build/tools/cbindgen-$(CBINDGEN_VERSION)/bin/cbindgen
CBINDGEN_RUN = $(CBINDGEN) --quiet --config cbindgen.toml src/ffi/mod.rs
C_BUILD := build/c
LIB_DIR := target/release
PREFIX ?= /usr/local
MICROREG_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

TEST_TARGETS += test-c

.PHONY: header check-header c-lib install test-c bench-c

# Pinned: a different cbindgen may write a different header.
$(CBINDGEN):
	$(CARGO) install cbindgen --version $(CBINDGEN_VERSION) --locked \
		--root build/tools/cbindgen-$(CBINDGEN_VERSION)

header: $(CBINDGEN)
	$(CBINDGEN_RUN) --output include/microreg.h

check-header: $(CBINDGEN)
	@mkdir -p $(C_BUILD)
	$(CBINDGEN_RUN) --output $(C_BUILD)/microreg.h
	@diff -u include/microreg.h $(C_BUILD)/microreg.h \
		|| { echo "include/microreg.h is out of date: run 'make header' and commit it" >&2; exit 1; }
	@echo "check-header: include/microreg.h matches cbindgen $(CBINDGEN_VERSION)"

c-lib:
	$(CARGO) build --release --lib
