# The C ABI: generated header, static and shared libraries, install (headers,
# pkg-config, CMake package), the C/C++ test suite and the C benchmark.
#
#   make header         regenerate include/microreg.h with the pinned cbindgen
#   make check-header   fail if the checked-in header differs from a fresh one
#   make install PREFIX=/usr/local [DESTDIR=...]
#   make test-c         header check; C tests under ASan+UBSan, under valgrind, and
#                       compiled as C++; the C++ wrapper; install + pkg-config +
#                       find_package; the two-host C/C++/CLI tests (mdns, isolated)
#   make bench-c        get_service through the C ABI on a warm cache, ns/op

CBINDGEN_VERSION := 0.29.4
CBINDGEN := build/tools/cbindgen-$(CBINDGEN_VERSION)/bin/cbindgen
CBINDGEN_RUN = $(CBINDGEN) --quiet --config cbindgen.toml src/ffi/mod.rs
C_BUILD := build/c
LIB_DIR := target/release
STATIC_LIB := $(LIB_DIR)/libmicroreg.a
SHARED_LIB := $(LIB_DIR)/libmicroreg.so
PREFIX ?= /usr/local
MICROREG_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
# What the static library needs from the system (rustc --print native-static-libs).
C_STATIC_LIBS := -lpthread -ldl -lm -lrt -lutil -lgcc_s

C_WARNINGS := -Wall -Wextra -Werror
C_TEST_CFLAGS := -std=c11 $(C_WARNINGS) -g -Iinclude -Itests/c
C_TEST_CXXFLAGS := -std=c++17 $(C_WARNINGS) -g -Iinclude -Itests/c
C_SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# Only definite and indirect leaks fail: microreg's runtime threads (kept for the
# life of the process on purpose) still run at exit, so their blocks are
# "still reachable" or, through interior pointers, "possibly lost".
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect

C_TESTS := test_api test_bad_input test_threads test_version test_config
C_FORK_TEST := test_fork
C_TEST_VERSION_FLAGS := -DEXPECTED_VERSION='"$(MICROREG_VERSION)"'
C_ASAN_BINS := $(C_TESTS:%=$(C_BUILD)/asan/%) $(C_BUILD)/asan/$(C_FORK_TEST) $(C_BUILD)/asan/test_cpp
# test_fork is left out: see the comment at its top.
C_SHARED_BINS := $(C_TESTS:%=$(C_BUILD)/shared/%) $(C_BUILD)/shared/test_cpp
C_AS_CXX_BINS := $(C_TESTS:%=$(C_BUILD)/as-cxx/%) $(C_BUILD)/as-cxx/$(C_FORK_TEST)
C_PEERS := $(C_BUILD)/peer-c $(C_BUILD)/peer-cpp

TEST_TARGETS += test-c

.PHONY: header check-header c-lib c-tools install test-c test-c-run test-c-install \
	test-c-hosts bench-c

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

# The test tools come from Debian's packages when the machine lacks them.
c-tools:
	@missing=""; \
	for tool in gcc:gcc g++:g++ valgrind:valgrind cmake:cmake pkg-config:pkg-config; do \
		command -v $${tool%%:*} >/dev/null || missing="$$missing $${tool#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; apt-get update -q && apt-get install -y -q $$missing; \
	fi

$(C_BUILD)/asan/%: tests/c/%.c tests/c/check.h include/microreg.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(C_TEST_CFLAGS) $(C_SANITIZE) $(C_TEST_VERSION_FLAGS) $< $(STATIC_LIB) $(C_STATIC_LIBS) -o $@

$(C_BUILD)/shared/%: tests/c/%.c tests/c/check.h include/microreg.h $(SHARED_LIB)
	@mkdir -p $(@D)
	$(CC) $(C_TEST_CFLAGS) $(C_TEST_VERSION_FLAGS) $< -L$(LIB_DIR) -Wl,-rpath,$(abspath $(LIB_DIR)) -lmicroreg -lpthread -o $@

# The same C sources compiled as C++: the header (and the tests) are C++-clean.
$(C_BUILD)/as-cxx/%: tests/c/%.c tests/c/check.h include/microreg.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CXX) -x c++ $(C_TEST_CXXFLAGS) $(C_TEST_VERSION_FLAGS) $< -x none $(STATIC_LIB) $(C_STATIC_LIBS) -o $@

$(C_BUILD)/asan/test_cpp: tests/c/test_cpp.cpp include/microreg.hpp include/microreg.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CXX) $(C_TEST_CXXFLAGS) $(C_SANITIZE) $< $(STATIC_LIB) $(C_STATIC_LIBS) -o $@

$(C_BUILD)/shared/test_cpp: tests/c/test_cpp.cpp include/microreg.hpp include/microreg.h $(SHARED_LIB)
	@mkdir -p $(@D)
	$(CXX) $(C_TEST_CXXFLAGS) $< -L$(LIB_DIR) -Wl,-rpath,$(abspath $(LIB_DIR)) -lmicroreg -lpthread -o $@

$(C_BUILD)/peer-c: tests/c/peer.c tests/c/check.h tests/c/isolation.h include/microreg.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(C_TEST_CFLAGS) $< $(STATIC_LIB) $(C_STATIC_LIBS) -o $@

$(C_BUILD)/peer-cpp: tests/c/peer.cpp tests/c/isolation.h include/microreg.hpp include/microreg.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CXX) $(C_TEST_CXXFLAGS) $< $(STATIC_LIB) $(C_STATIC_LIBS) -o $@

test-c: c-tools check-header c-lib
	$(MAKE) --no-print-directory test-c-run test-c-install test-c-hosts

test-c-run: $(C_ASAN_BINS) $(C_SHARED_BINS) $(C_AS_CXX_BINS)
	@echo "== C tests under AddressSanitizer + UBSan"
	@ASAN_OPTIONS=detect_leaks=1 $(ISOLATED) tests/c/run_each.sh "C under ASan" "" $(C_ASAN_BINS)
	@echo "== C tests under valgrind (shared library)"
	@$(ISOLATED) tests/c/run_each.sh "C under valgrind" "$(VALGRIND)" $(C_SHARED_BINS)
	@echo "== C tests compiled as C++"
	@$(ISOLATED) tests/c/run_each.sh "C as C++" "" $(C_AS_CXX_BINS)

# Installs into a scratch prefix, then builds a user's program with pkg-config
# and with CMake's find_package, against the shared and the static library.
C_PREFIX := $(abspath $(C_BUILD)/prefix)
test-c-install:
	@rm -rf $(C_PREFIX) $(C_BUILD)/cmake-check
	$(MAKE) --no-print-directory install PREFIX=$(C_PREFIX)
	@echo "== pkg-config"
	PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig pkg-config --modversion microreg \
		| grep -qx '$(MICROREG_VERSION)'
	$(CC) $(C_WARNINGS) tests/c/install/uses_microreg.c \
		$$(PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig pkg-config --cflags --libs microreg) \
		-Wl,-rpath,$(C_PREFIX)/lib -o $(C_BUILD)/uses-pkg-config
	$(ISOLATED) $(C_BUILD)/uses-pkg-config
	$(CC) $(C_WARNINGS) tests/c/install/uses_microreg.c \
		$$(PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig pkg-config --static --cflags microreg) \
		$(C_PREFIX)/lib/libmicroreg.a \
		$$(PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig pkg-config --static --libs-only-l microreg | sed 's/-lmicroreg//') \
		-o $(C_BUILD)/uses-pkg-config-static
	$(ISOLATED) $(C_BUILD)/uses-pkg-config-static
	@echo "== CMake find_package(microreg)"
	cmake -S tests/c/install -B $(C_BUILD)/cmake-check -DCMAKE_PREFIX_PATH=$(C_PREFIX) \
		-DCMAKE_C_FLAGS="$(C_WARNINGS)" -DCMAKE_CXX_FLAGS="$(C_WARNINGS)" >/dev/null
	cmake --build $(C_BUILD)/cmake-check >/dev/null
	$(ISOLATED) $(C_BUILD)/cmake-check/uses_shared
	$(ISOLATED) $(C_BUILD)/cmake-check/uses_static
	$(C_BUILD)/cmake-check/uses_cpp

# Two hosts (namespaces) inside a private network namespace; skipped, saying
# so, while the mdns backend is not part of the build.
test-c-hosts: $(C_PEERS)
	$(CARGO) build --release --bin microreg
	$(ISOLATED) tests/c/two_hosts.sh $(C_BUILD) $(LIB_DIR)/microreg

install: c-lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/microreg \
		$(DESTDIR)$(PREFIX)/include
	install -m 644 $(STATIC_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(SHARED_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/microreg.h include/microreg.hpp $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(MICROREG_VERSION)|' \
		-e 's|@STATIC_LIBS@|$(C_STATIC_LIBS)|' mk/c/microreg.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/microreg.pc
	sed -e 's|@VERSION@|$(MICROREG_VERSION)|' \
		-e 's|@CMAKE_STATIC_LIBS@|$(subst $() ,;,$(patsubst -l%,%,$(filter-out -lpthread,$(C_STATIC_LIBS))))|' \
		mk/c/microreg-config.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/microreg/microreg-config.cmake
	sed -e 's|@VERSION@|$(MICROREG_VERSION)|' \
		-e 's|@MAJOR@|$(word 1,$(subst ., ,$(MICROREG_VERSION)))|g' \
		-e 's|@MINOR@|$(word 2,$(subst ., ,$(MICROREG_VERSION)))|g' \
		mk/c/microreg-config-version.cmake.in \
		> $(DESTDIR)$(PREFIX)/lib/cmake/microreg/microreg-config-version.cmake

$(C_BUILD)/bench_get_service: benches/c/bench_get_service.c include/microreg.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) -std=c11 $(C_WARNINGS) -O2 -Iinclude $< $(STATIC_LIB) $(C_STATIC_LIBS) -o $@

# Prints the C figure, then the Rust-level one from the criterion bench
# benches/get_service.rs (the same lookup without the C ABI) beside it.
bench-c: c-lib
	$(MAKE) --no-print-directory $(C_BUILD)/bench_get_service
	$(ISOLATED) $(C_BUILD)/bench_get_service
	@$(CARGO) bench --no-run --bench get_service 2>/dev/null || true
	@$(ISOLATED) $(CARGO) bench --offline --bench get_service -- --noplot 2>/dev/null \
		> $(C_BUILD)/bench-rust.txt || true
	@if grep -q 'time:' $(C_BUILD)/bench-rust.txt; then \
		echo "Rust   (benches/get_service.rs, criterion):"; grep -B1 'time:' $(C_BUILD)/bench-rust.txt; \
	else \
		echo "Rust   figure: benches/get_service.rs printed none (run 'make bench')"; \
	fi
