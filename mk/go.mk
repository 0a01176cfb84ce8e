# The Go face: bindings/go (package microreg, cgo over the C ABI) and
# bindings/go/gomicro (go-micro v5 adapter, a module of its own).
#
#   make go        build what cgo links (target/release/libmicroreg.a) and fetch
#                  the Go modules (outside the namespace: it has no network)
#   make test-go   go vet + go test -race of both modules, inside the namespace,
#                  then test-go-gccheck
#   make test-go-gccheck  go test -race of both modules with -tags microreg_gccheck:
#                  every call that hands a handle to C first collects garbage and
#                  runs finalizers, so a missing runtime.KeepAlive is a
#                  use-after-free on every run (bindings/go/gccheck_on.go)
#   make bench-go  GetService benchmarks, microreg beside go-micro's own mdns

GO ?= go
GO_MODULES := bindings/go bindings/go/gomicro
# Inside the namespace the module cache is all there is. Go's build cache does
# not notice a rebuilt C library (`go help cache`), so the library's stamp goes
# into the cgo flags: a new libmicroreg.a, a new link (recursive `=`: read when
# the recipe runs, after `go` has built the library).
GO_LIB_STAMP = $(shell stat -c %Y.%s target/release/libmicroreg.a 2>/dev/null)
# -tags microreg_dev: the package links this repository's static library
# (bindings/go/link_dev.go) instead of an installed one through pkg-config.
GO_DEV_TAGS := -tags=microreg_dev
GO_GCCHECK_TAGS := -tags=microreg_dev,microreg_gccheck
GO_OFFLINE = env GOPROXY=off GOFLAGS=$(GO_DEV_TAGS) CGO_CFLAGS='$(shell $(GO) env CGO_CFLAGS) -DMICROREG_LIB_STAMP=$(GO_LIB_STAMP)'

TEST_TARGETS += test-go

.PHONY: go test-go test-go-gccheck bench-go

go: c-lib
	for m in $(GO_MODULES); do (cd $$m && $(GO) mod download) || exit 1; done

test-go: go
	for m in $(GO_MODULES); do \
		$(ISOLATED) sh -c "cd $$m && $(GO_OFFLINE) $(GO) vet ./... && $(GO_OFFLINE) $(GO) test -race -count=1 ./..." || exit 1; \
	done
	$(GO_OFFLINE) GOFLAGS='-mod=mod $(GO_DEV_TAGS)' tests/readme/gomicro.sh
	$(MAKE) --no-print-directory test-go-gccheck

test-go-gccheck: go
	for m in $(GO_MODULES); do \
		$(ISOLATED) sh -c "cd $$m && $(GO_OFFLINE) $(GO) vet $(GO_GCCHECK_TAGS) ./... && $(GO_OFFLINE) $(GO) test -race -count=1 $(GO_GCCHECK_TAGS) ./..." || exit 1; \
	done

bench-go: go
	for m in $(GO_MODULES); do \
		$(ISOLATED) sh -c "cd $$m && $(GO_OFFLINE) $(GO) test -run '^$$' -bench GetService -benchtime 2s ./..." || exit 1; \
	done

# An outside module (temp dir) using the package and the adapter against
# libmicroreg installed into a scratch prefix: pkg-config, no -tags microreg_dev.
GO_PREFIX := $(abspath build/go-prefix)
TEST_TARGETS += test-go-module
.PHONY: test-go-module
test-go-module: go
	rm -rf $(GO_PREFIX)
	$(MAKE) --no-print-directory install PREFIX=$(GO_PREFIX) >/dev/null
	env GOPROXY=off GOFLAGS=-mod=mod tests/packages/go_module.sh $(GO_PREFIX)
	$(MAKE) --no-print-directory uninstall PREFIX=$(GO_PREFIX) >/dev/null
