// Package gomicro adapts microreg to go-micro v5's registry.Registry, so that a
// go-micro service registers and discovers through microreg and shares one
// registry implementation with the C, C++, Python and Rust programs beside it:
//
//	reg := gomicro.NewRegistry(gomicro.With(microreg.Backend("mdns")))
//	service := micro.NewService(micro.Name("greeter"), micro.Registry(reg))
//
// registry.Addrs, Timeout and Secure (with a tls_ca Setting) map to the
// library's settings; any other goes through With(microreg.Setting(...)). With
// no options, the library follows go-micro's environment (MICRO_REGISTRY & co.)
// and its defaults (mdns, domain "micro", register TTL 90 s).
//
// It is a module of its own so that go-micro's dependencies stay out of the
// microreg package.
package gomicro
