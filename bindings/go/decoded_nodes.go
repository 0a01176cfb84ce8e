package microreg

import (
	"maps"
	"sync"
)

// decodedNodes keeps the nodes that selections decoded, by their JSON. The
// library hands over the same text for a node until the node changes, so a
// warm Next finds the node here and copies it instead of parsing the text
// again: no string copy, no map built key by key. A changed node has another
// text, hence another entry; the old one is never returned for it.
type decodedNodes struct {
	mu    sync.RWMutex
	nodes map[string]*Node // read only once stored
}

// maxDecodedNodes bounds the memory: past it the entries are dropped and
// decoded again as they come (a registry with more nodes than this still
// selects correctly, only with more decoding).
const maxDecodedNodes = 1024

// node returns a copy of the node answer describes, the caller's to keep and
// change.
func (d *decodedNodes) node(answer []byte) (*Node, error) {
	d.mu.RLock()
	n := d.nodes[string(answer)] // no copy of answer for the lookup
	d.mu.RUnlock()
	if n == nil {
		text := string(answer) // the key, and the memory of n's strings
		var err error
		if n, err = decodeNode(text); err != nil {
			return nil, err
		}
		d.mu.Lock()
		if d.nodes == nil || len(d.nodes) >= maxDecodedNodes {
			d.nodes = make(map[string]*Node)
		}
		d.nodes[text] = n
		d.mu.Unlock()
	}
	return n.copy(), nil
}

// copy is n with a metadata map of its own (strings are immutable, shared).
func (n *Node) copy() *Node {
	c := *n
	c.Metadata = maps.Clone(n.Metadata)
	return &c
}
