package gomicro

import (
	"context"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
	"go-micro.dev/v5/registry"
)

type microregOptionsKey struct{}

// With passes microreg options (Backend, Domain, Interfaces, Cache, Setting,
// Settings, ...) through go-micro's registry options: any setting of the
// library, e.g. gomicro.With(microreg.Setting("tls_ca", "/etc/etcd/ca.pem")).
// registry.Addrs and registry.Timeout map to microreg.Addrs and
// microreg.Timeout; registry.Secure needs the CA file (tls_ca) for etcd, and a
// registry.TLSConfig cannot be passed (give tls_ca, tls_cert, tls_key files).
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
// What they leave out, the library takes from the environment (MICRO_REGISTRY
// & co.) or its defaults, as every face does.
func newMicroreg(o *registry.Options) (*microreg.Registry, error) {
	opts, err := microregOptionsOf(o)
	if err != nil {
		return nil, err
	}
	return microreg.New(opts...)
}

// microregOptionsOf maps go-micro's options to microreg's.
func microregOptionsOf(o *registry.Options) ([]microreg.Option, error) {
	var opts []microreg.Option
	if len(o.Addrs) > 0 {
		opts = append(opts, microreg.Addrs(o.Addrs...))
	}
	if o.Timeout != 0 { // a negative one is the library's to refuse
		opts = append(opts, microreg.Timeout(o.Timeout))
	}
	// Explicit microreg options win over the generic ones.
	opts = append(opts, microregOptions(o)...)
	if o.TLSConfig != nil {
		return nil, &microreg.Error{Code: microreg.CodeInvalidArgument, Message: "registry.TLSConfig: " +
			"a *tls.Config cannot be handed to microreg; give the PEM files instead: " +
			`gomicro.With(microreg.Setting("tls_ca", ...), microreg.Setting("tls_cert", ...), microreg.Setting("tls_key", ...))`}
	}
	if o.Secure {
		resolved, err := microreg.ResolveConfig(opts...)
		if err != nil {
			return nil, err
		}
		if resolved["backend"] == "etcd" && resolved["tls_ca"] == nil {
			return nil, &microreg.Error{Code: microreg.CodeInvalidArgument, Message: "registry.Secure: " +
				"microreg checks etcd's certificates against a CA: give its PEM file with " +
				`gomicro.With(microreg.Setting("tls_ca", path))`}
		}
	}
	return opts, nil
}

type noTTLKey struct{}

// NoTTL registers without a TTL: the nodes stay until deregistered. Without
// it (and without registry.RegisterTTL), microreg's default register TTL
// applies (90 s, as go-micro's server default); go-micro's server always
// passes its own RegisterTTL.
func NoTTL() registry.RegisterOption {
	return func(o *registry.RegisterOptions) {
		if o.Context == nil {
			o.Context = context.Background()
		}
		o.Context = context.WithValue(o.Context, noTTLKey{}, true)
	}
}

// registerTTL is the TTL go-micro's register options ask for: given is false
// when they ask for none in particular (the library's default applies); NoTTL
// is a given zero (no TTL).
func registerTTL(o *registry.RegisterOptions) (ttl time.Duration, given bool) {
	if o.Context != nil {
		if none, _ := o.Context.Value(noTTLKey{}).(bool); none {
			return 0, true
		}
	}
	return o.TTL, o.TTL != 0
}
