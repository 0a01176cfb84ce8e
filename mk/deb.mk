# The Debian package for C and C++ users: the library (with its SONAME), the
# headers, microreg.pc, the CMake package and the CLI, under /usr.
#
#   make deb          build/dist/deb/microreg_VERSION_ARCH.deb, from `make install`
#                     staged under DESTDIR with PREFIX=/usr, plus the CLI
#   make test-deb     apt-get install of the .deb, README's C and C++ examples built
#                     with pkg-config and CMake and run, apt-get remove

DEB_DIR := build/dist/deb
DEB_STAGE := build/deb-stage
DEB := $(DEB_DIR)/microreg_$(MICROREG_VERSION)_$(shell dpkg --print-architecture 2>/dev/null).deb

TEST_TARGETS += test-deb

.PHONY: deb test-deb

deb: c-tools
	command -v dpkg-shlibdeps >/dev/null || { apt-get update -q && apt-get install -y -q dpkg-dev; }
	$(CARGO) build --release --bin microreg
	rm -rf $(DEB_STAGE) $(DEB_DIR)
	$(MAKE) --no-print-directory install PREFIX=/usr DESTDIR=$(abspath $(DEB_STAGE)) >/dev/null
	tests/packages/build-deb.sh $(DEB_STAGE) $(DEB_DIR) $(MICROREG_VERSION) $(LIB_DIR)/microreg

test-deb: deb
	tests/packages/deb.sh $(DEB)
