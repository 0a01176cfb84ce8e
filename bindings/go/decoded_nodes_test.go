package microreg

import (
	"fmt"
	"testing"
)

func TestDecodedNodesAreBounded(t *testing.T) {
	var d decodedNodes
	for i := range maxDecodedNodes + 10 {
		answer := fmt.Sprintf(`{"id":"n-%d","address":"10.0.0.1:%d","metadata":{"i":"%d"}}`, i, i, i)
		for range 2 { // decoded, then found
			n, err := d.node([]byte(answer))
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			if n.Id != fmt.Sprintf("n-%d", i) || n.Metadata["i"] != fmt.Sprint(i) {
				t.Fatalf("node %d = %+v", i, n)
			}
		}
		if len(d.nodes) > maxDecodedNodes {
			t.Fatalf("%d nodes kept, at most %d wanted", len(d.nodes), maxDecodedNodes)
		}
	}
}

func TestDecodedNodesKeepNoFailure(t *testing.T) {
	var d decodedNodes
	for _, answer := range []string{`{"id":`, `[]`, `{"id":"a"} x`, ``} {
		if n, err := d.node([]byte(answer)); err == nil {
			t.Errorf("%q decoded as %+v", answer, n)
		}
	}
	if len(d.nodes) != 0 {
		t.Errorf("failures kept: %v", d.nodes)
	}
}
