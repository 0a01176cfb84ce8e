package gomicro

import (
	"context"

	microreg "github.com/microreg/microreg/bindings/go"
	"go-micro.dev/v5/registry"
)

type microregOptionsKey struct{}

// With passes microreg options (Backend, Domain, Interfaces, Cache, ...) through
// go-micro's registry options. registry.Addrs and registry.Timeout map to
// microreg.Addrs and microreg.Timeout.
func With(opts ...microreg.Option) registry.Option {
	return func(o *registry.Options) {
		if o.Context == nil {
			o.Context = context.Background()
		}
		previous := microregOptions(o)
		all := append(append([]microreg.Option(nil), previous...), opts...)
		o.Context = context.WithValue(o.Context, microregOptionsKey{}, all)
	}
}

func microregOptions(o *registry.Options) []microreg.Option {
	if o.Context == nil {
		return nil
	}
	opts, _ := o.Context.Value(microregOptionsKey{}).([]microreg.Option)
	return opts
}

// newMicroreg opens the microreg registry that go-micro's options describe.
func newMicroreg(o *registry.Options) (*microreg.Registry, error) {
	var opts []microreg.Option
	if len(o.Addrs) > 0 {
		opts = append(opts, microreg.Addrs(o.Addrs...))
	}
	if o.Timeout != 0 { // a negative one is the library's to refuse
		opts = append(opts, microreg.Timeout(o.Timeout))
	}
	// Explicit microreg options win over the generic ones.
	opts = append(opts, microregOptions(o)...)
	return microreg.New(opts...)
}
