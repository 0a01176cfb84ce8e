# Backends as cargo features (mdns, etcd; both on by default): every subset
# builds, and a build without a backend says so when asked for it.
#
#   make test-features   cargo check of each subset; the library's unit tests
#                        without any backend (the "not part of this build" error)

TEST_TARGETS += test-features

.PHONY: test-features

test-features:
	$(CARGO) check --lib --no-default-features
	$(CARGO) check --lib --no-default-features --features mdns
	$(CARGO) check --lib --no-default-features --features etcd
	$(CARGO) check --all-targets --no-default-features
	$(CARGO) test --lib --no-default-features
