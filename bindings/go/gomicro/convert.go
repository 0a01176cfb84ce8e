package gomicro

import (
	microreg "github.com/microreg/microreg/bindings/go"
	"go-micro.dev/v5/registry"
)

// The two models have the same fields and JSON tags; these copy one into the
// other. Nodes have identical layouts, so they convert in place.

func toMicroreg(s *registry.Service) *microreg.Service {
	if s == nil {
		return nil
	}
	out := &microreg.Service{
		Name:      s.Name,
		Version:   s.Version,
		Metadata:  s.Metadata,
		Endpoints: make([]*microreg.Endpoint, 0, len(s.Endpoints)),
		Nodes:     make([]*microreg.Node, 0, len(s.Nodes)),
	}
	for _, e := range s.Endpoints {
		if e != nil {
			out.Endpoints = append(out.Endpoints, &microreg.Endpoint{
				Name:     e.Name,
				Request:  valueToMicroreg(e.Request),
				Response: valueToMicroreg(e.Response),
				Metadata: e.Metadata,
			})
		}
	}
	for _, n := range s.Nodes {
		if n != nil {
			out.Nodes = append(out.Nodes, (*microreg.Node)(n))
		}
	}
	return out
}

func valueToMicroreg(v *registry.Value) *microreg.Value {
	if v == nil {
		return nil
	}
	out := &microreg.Value{Name: v.Name, Type: v.Type}
	for _, child := range v.Values {
		if child != nil {
			out.Values = append(out.Values, valueToMicroreg(child))
		}
	}
	return out
}

func fromMicroreg(s *microreg.Service) *registry.Service {
	if s == nil {
		return nil
	}
	out := &registry.Service{
		Name:      s.Name,
		Version:   s.Version,
		Metadata:  s.Metadata,
		Endpoints: make([]*registry.Endpoint, 0, len(s.Endpoints)),
		Nodes:     make([]*registry.Node, 0, len(s.Nodes)),
	}
	for _, e := range s.Endpoints {
		out.Endpoints = append(out.Endpoints, &registry.Endpoint{
			Name:     e.Name,
			Request:  valueFromMicroreg(e.Request),
			Response: valueFromMicroreg(e.Response),
			Metadata: e.Metadata,
		})
	}
	for _, n := range s.Nodes {
		out.Nodes = append(out.Nodes, (*registry.Node)(n))
	}
	return out
}

func valueFromMicroreg(v *microreg.Value) *registry.Value {
	if v == nil {
		return nil
	}
	out := &registry.Value{Name: v.Name, Type: v.Type}
	for _, child := range v.Values {
		out.Values = append(out.Values, valueFromMicroreg(child))
	}
	return out
}

func servicesFromMicroreg(services []*microreg.Service) []*registry.Service {
	out := make([]*registry.Service, len(services))
	for i, s := range services {
		out[i] = fromMicroreg(s)
	}
	return out
}
