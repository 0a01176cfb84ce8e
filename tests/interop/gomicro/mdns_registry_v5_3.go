//go:build gomicro_v5_3

package main

import "go-micro.dev/v5/registry"

// go-micro v5.3.0's mDNS registry (built with -modfile=go.v5.3.0.mod -tags gomicro_v5_3).
func newMDNSRegistry() registry.Registry { return registry.NewRegistry() }
