//go:build !gomicro_v5_3

package main

import "go-micro.dev/v5/registry"

// go-micro's mDNS registry; v5.3.0 (go.v5.3.0.mod) names it NewRegistry.
func newMDNSRegistry() registry.Registry { return registry.NewMDNSRegistry() }
