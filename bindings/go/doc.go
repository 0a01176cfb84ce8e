// Package microreg is the Go face of microreg, a service registry shared by Rust,
// C, C++, Python and Go programs. It mirrors go-micro's registry.Registry
// (Register, Deregister, GetService, ListServices, Watch) and calls the C ABI of
// the microreg library through cgo; every behaviour (backends, cache, TTL
// keep-alive, domains) lives in that library, this package only translates.
//
// Import it as
//
//	import microreg "github.com/microreg/microreg/bindings/go"
//
// cgo links the installed libmicroreg through pkg-config (make install, or the
// microreg .deb); inside the repository, -tags microreg_dev links the static
// library that `make go` leaves in target/release/libmicroreg.a instead. The
// repository's docs/go.md has the details.
//
// Configuration: New(opts...) hands the library one flat JSON object of
// settings (Backend, Domain, Addrs, ... or any by name with Setting/Settings);
// what the options leave out comes from go-micro's environment
// (MICRO_REGISTRY, MICRO_REGISTRY_ADDRESS, ETCD_USERNAME, ETCD_PASSWORD), then
// the library's defaults: backend mdns, domain "micro", register TTL 90 s
// (go-micro's server default). ResolveConfig and Registry.Config show the result.
//
// Threading: a *Registry is safe for concurrent use by many goroutines. No Go
// code is ever called from a thread of the library: a Watcher is fed by a
// goroutine that polls the library with a short timeout.
package microreg
