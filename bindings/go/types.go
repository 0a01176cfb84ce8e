package microreg

import "time"

// Service is a named service at one version with the nodes that serve it. The
// JSON tags are go-micro's, so a Service converts to and from go-micro's
// registry.Service field by field.
type Service struct {
	Name      string            `json:"name"`
	Version   string            `json:"version"`
	Metadata  map[string]string `json:"metadata"`
	Endpoints []*Endpoint       `json:"endpoints"`
	Nodes     []*Node           `json:"nodes"`
}

// Node is one running instance of a service. Ids are conventionally
// "<service name>-<uuid>"; Address is "host:port" or "[v6]:port".
type Node struct {
	Metadata map[string]string `json:"metadata"`
	Id       string            `json:"id"` //nolint:revive // go-micro's spelling
	Address  string            `json:"address"`
}

// Endpoint is a callable endpoint of a service (an RPC method or a subscriber).
type Endpoint struct {
	Request  *Value            `json:"request"`
	Response *Value            `json:"response"`
	Metadata map[string]string `json:"metadata"`
	Name     string            `json:"name"`
}

// Value describes the shape of a request or response type, field by field.
type Value struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Values []*Value `json:"values"`
}

// Action says what happened to the nodes of a watch Result.
type Action string

// The actions of go-micro's watch results.
const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
)

// String returns go-micro's spelling: "create", "update" or "delete".
func (a Action) String() string { return string(a) }

// Result is one change seen by a Watcher. Events are per node: Service.Nodes
// holds the node(s) the change concerns.
type Result struct {
	Action    Action    `json:"action"`
	Service   *Service  `json:"service"`
	Timestamp time.Time `json:"timestamp"`
}
