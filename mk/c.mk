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

C_TESTS := test_api test_bad_input test_threads test_version test_config test_select
C_FORK_TEST := test_fork
C_TEST_VERSION_FLAGS := -DEXPECTED_VERSION='"$(MICROREG_VERSION)"'
C_ASAN_BINS := $(C_TESTS:%=$(C_BUILD)/asan/%) $(C_BUILD)/asan/$(C_FORK_TEST) $(C_BUILD)/asan/test_cpp
# test_fork is left out: see the comment at its top.
C_SHARED_BINS := $(C_TESTS:%=$(C_BUILD)/shared/%) $(C_BUILD)/shared/test_cpp
C_AS_CXX_BINS := $(C_TESTS:%=$(C_BUILD)/as-cxx/%) $(C_BUILD)/as-cxx/$(C_FORK_TEST)
C_PEERS := $(C_BUILD)/peer-c $(C_BUILD)/peer-cpp

TEST_TARGETS += test-c

.PHONY: header check-header c-lib c-tools install uninstall test-readme-c test-c test-c-run test-c-install \
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

# The package's lib is an rlib only (Cargo.toml: a Rust dependent does not build
# the C artefacts); the static and the shared library are built here, on purpose,
# the shared one with its SONAME (libmicroreg.so.MAJOR; the link argument does
# nothing to the static library, which is not linked).
c-lib:
	$(CARGO) rustc --release --lib --crate-type staticlib,cdylib -- \
		-C link-arg=-Wl,-soname,$(SONAME)

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
	$(MAKE) --no-print-directory test-c-run test-c-install test-c-hosts test-readme-c

test-c-run: $(C_ASAN_BINS) $(C_SHARED_BINS) $(C_AS_CXX_BINS)
	@echo "== C tests under AddressSanitizer + UBSan"
	@ASAN_OPTIONS=detect_leaks=1 $(ISOLATED) tests/c/run_each.sh "C under ASan" "" $(C_ASAN_BINS)
	@echo "== C tests under valgrind (shared library)"
	@# The programs ask the loader for the SONAME; cargo writes only libmicroreg.so.
	@ln -sf libmicroreg.so $(LIB_DIR)/$(SONAME)
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
	@echo "== SONAME and versioned file; programs load $(SONAME)"
	readelf -d $(C_PREFIX)/lib/$(SHARED_VERSIONED) | grep -q 'SONAME.*\[$(SONAME)\]'
	readelf -d $(C_BUILD)/uses-pkg-config | grep -q 'NEEDED.*\[$(SONAME)\]'
	@echo "== make uninstall removes exactly what was installed"
	touch $(C_PREFIX)/lib/not-ours
	$(MAKE) --no-print-directory uninstall PREFIX=$(C_PREFIX)
	test -z "$$(find $(C_PREFIX) -type f -o -type l | grep -v '/lib/not-ours$$')"
	test -e $(C_PREFIX)/lib/not-ours

# README.md's C and C++ examples, exactly as written: extracted, compiled with
# warnings as errors against the static library, and run (inside the namespace:
# they use the LAN). Each must finish on its own.
README_C := $(C_BUILD)/readme
test-readme-c: c-lib
	@mkdir -p $(README_C)
	awk '/^```c$$/{on=1;next} /^```/{on=0} on' README.md > $(README_C)/example.c
	awk '/^```cpp$$/{on=1;next} /^```/{on=0} on' README.md > $(README_C)/example.cpp
	test -s $(README_C)/example.c && test -s $(README_C)/example.cpp
	$(CC) -std=c11 $(C_WARNINGS) -Iinclude $(README_C)/example.c $(STATIC_LIB) $(C_STATIC_LIBS) \
		-o $(README_C)/example-c
	$(CXX) -std=c++17 $(C_WARNINGS) -Iinclude $(README_C)/example.cpp $(STATIC_LIB) \
		$(C_STATIC_LIBS) -o $(README_C)/example-cpp
	$(ISOLATED) timeout 30 $(README_C)/example-c | grep -q greeter-1
	$(ISOLATED) timeout 30 $(README_C)/example-cpp | grep -q greeter-1

# Two hosts (namespaces) inside a private network namespace; skipped, saying
# so, while the mdns backend is not part of the build.
test-c-hosts: $(C_PEERS)
	$(CARGO) build --release --bin microreg
	$(ISOLATED) tests/c/two_hosts.sh $(C_BUILD) $(LIB_DIR)/microreg

# The shared library is installed under its full version with the usual links:
# libmicroreg.so -> libmicroreg.so.MAJOR (its SONAME, set by c-lib) ->
# libmicroreg.so.MAJOR.MINOR.PATCH. Every file installed is listed once here,
# so that `make uninstall` removes exactly those.
MICROREG_MAJOR := $(word 1,$(subst ., ,$(MICROREG_VERSION)))
SONAME := libmicroreg.so.$(MICROREG_MAJOR)
SHARED_VERSIONED := libmicroreg.so.$(MICROREG_VERSION)
INSTALL_LIB := $(DESTDIR)$(PREFIX)/lib
INSTALLED_FILES := $(addprefix $(INSTALL_LIB)/,libmicroreg.a $(SHARED_VERSIONED) $(SONAME) libmicroreg.so \
	pkgconfig/microreg.pc cmake/microreg/microreg-config.cmake \
	cmake/microreg/microreg-config-version.cmake) \
	$(addprefix $(DESTDIR)$(PREFIX)/include/,microreg.h microreg.hpp)

install: c-lib
	install -d $(INSTALL_LIB)/pkgconfig $(INSTALL_LIB)/cmake/microreg \
		$(DESTDIR)$(PREFIX)/include
	install -m 644 $(STATIC_LIB) $(INSTALL_LIB)/
	install -m 755 $(SHARED_LIB) $(INSTALL_LIB)/$(SHARED_VERSIONED)
	ln -sf $(SHARED_VERSIONED) $(INSTALL_LIB)/$(SONAME)
	ln -sf $(SONAME) $(INSTALL_LIB)/libmicroreg.so
	install -m 644 include/microreg.h include/microreg.hpp $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(MICROREG_VERSION)|' \
		-e 's|@STATIC_LIBS@|$(C_STATIC_LIBS)|' mk/c/microreg.pc.in \
		> $(INSTALL_LIB)/pkgconfig/microreg.pc
	sed -e 's|@VERSION@|$(MICROREG_VERSION)|' -e 's|@SONAME@|$(SONAME)|' \
		-e 's|@CMAKE_STATIC_LIBS@|$(subst $() ,;,$(patsubst -l%,%,$(filter-out -lpthread,$(C_STATIC_LIBS))))|' \
		mk/c/microreg-config.cmake.in > $(INSTALL_LIB)/cmake/microreg/microreg-config.cmake
	sed -e 's|@VERSION@|$(MICROREG_VERSION)|' \
		-e 's|@MAJOR@|$(word 1,$(subst ., ,$(MICROREG_VERSION)))|g' \
		-e 's|@MINOR@|$(word 2,$(subst ., ,$(MICROREG_VERSION)))|g' \
		mk/c/microreg-config-version.cmake.in \
		> $(INSTALL_LIB)/cmake/microreg/microreg-config-version.cmake
	@echo "installed microreg $(MICROREG_VERSION) under $(DESTDIR)$(PREFIX)."
	@echo "Programs find $(SONAME) at run time if $(PREFIX)/lib is in the loader's path:"
	@echo "  run 'ldconfig' as root (for /usr/local/lib and other directories of /etc/ld.so.conf.d),"
	@echo "  or link with -Wl,-rpath,$(PREFIX)/lib, or set LD_LIBRARY_PATH=$(PREFIX)/lib."

# Removes exactly what `make install` put there (same PREFIX and DESTDIR), and
# the cmake/microreg directory if it is left empty.
uninstall:
	rm -f $(INSTALLED_FILES)
	-rmdir $(INSTALL_LIB)/cmake/microreg 2>/dev/null

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
