package microreg

// A decoder for the library's answers (Service arrays and watch events),
// written for speed: encoding/json's reflection was most of the time of a
// cached GetService. Every string of an answer is a slice of one copy of the
// answer, so a 3-node service costs a handful of allocations.
//
// It reads any JSON; keys match exactly (the library writes go-micro's
// lowercase names), unknown keys are skipped, null leaves a field empty.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

type decoder struct {
	text string // the answer; strings without escapes are slices of it
	pos  int
}

func decodeServices(data []byte) ([]*Service, error) {
	d := decoder{text: string(data)}
	var services []*Service
	err := d.document(func() error {
		return d.array(func() error {
			s, err := d.service()
			services = append(services, s)
			return err
		})
	})
	return services, err
}

func decodeResult(data []byte) (*Result, error) {
	d := decoder{text: string(data)}
	r := &Result{}
	err := d.document(func() error {
		return d.object(func(key string) (err error) {
			switch key {
			case "action":
				var a string
				a, err = d.str()
				r.Action = Action(a)
			case "service":
				r.Service, err = d.service()
			case "timestamp":
				var t string
				if t, err = d.str(); err == nil && t != "" {
					r.Timestamp, err = time.Parse(time.RFC3339Nano, t)
				}
			default:
				err = d.skip()
			}
			return err
		})
	})
	return r, err
}

// document decodes one value and checks that nothing but space follows.
func (d *decoder) document(value func() error) error {
	if err := value(); err != nil {
		return err
	}
	d.space()
	if d.pos != len(d.text) {
		return d.fail("unexpected data after the value")
	}
	return nil
}

func (d *decoder) service() (*Service, error) {
	if d.null() {
		return nil, nil
	}
	s := &Service{}
	return s, d.object(func(key string) (err error) {
		switch key {
		case "name":
			s.Name, err = d.str()
		case "version":
			s.Version, err = d.str()
		case "metadata":
			s.Metadata, err = d.metadata()
		case "endpoints":
			s.Endpoints = s.Endpoints[:0]
			err = d.array(func() error {
				e, err := d.endpoint()
				s.Endpoints = append(s.Endpoints, e)
				return err
			})
		case "nodes":
			s.Nodes, err = d.nodes()
		default:
			err = d.skip()
		}
		return err
	})
}

// nodes reads a node list into one allocation of nodes (collected on the
// stack first) and one of pointers, instead of one per node.
func (d *decoder) nodes() ([]*Node, error) {
	var onStack [8]Node
	var isNull [8]bool
	collected, nulls := onStack[:0], isNull[:0]
	err := d.array(func() error {
		if d.null() {
			collected, nulls = append(collected, Node{}), append(nulls, true)
			return nil
		}
		collected, nulls = append(collected, Node{}), append(nulls, false)
		return d.node(&collected[len(collected)-1])
	})
	if err != nil || len(collected) == 0 {
		return nil, err
	}
	slab := make([]Node, len(collected))
	copy(slab, collected)
	nodes := make([]*Node, len(slab))
	for i := range slab {
		if !nulls[i] {
			nodes[i] = &slab[i]
		}
	}
	return nodes, nil
}

func (d *decoder) node(n *Node) error {
	return d.object(func(key string) (err error) {
		switch key {
		case "id":
			n.Id, err = d.str()
		case "address":
			n.Address, err = d.str()
		case "metadata":
			n.Metadata, err = d.metadata()
		default:
			err = d.skip()
		}
		return err
	})
}

func (d *decoder) endpoint() (*Endpoint, error) {
	if d.null() {
		return nil, nil
	}
	e := &Endpoint{}
	return e, d.object(func(key string) (err error) {
		switch key {
		case "name":
			e.Name, err = d.str()
		case "request":
			e.Request, err = d.value(0)
		case "response":
			e.Response, err = d.value(0)
		case "metadata":
			e.Metadata, err = d.metadata()
		default:
			err = d.skip()
		}
		return err
	})
}

// maxDepth bounds nesting, so a hostile answer cannot exhaust the stack.
const maxDepth = 1000

func (d *decoder) value(depth int) (*Value, error) {
	if depth > maxDepth {
		return nil, d.fail("values nest too deep")
	}
	if d.null() {
		return nil, nil
	}
	v := &Value{}
	return v, d.object(func(key string) (err error) {
		switch key {
		case "name":
			v.Name, err = d.str()
		case "type":
			v.Type, err = d.str()
		case "values":
			v.Values = v.Values[:0]
			err = d.array(func() error {
				child, err := d.value(depth + 1)
				v.Values = append(v.Values, child)
				return err
			})
		default:
			err = d.skip()
		}
		return err
	})
}

// metadata reads a string map; an empty object gives nil, as go-micro has it.
func (d *decoder) metadata() (map[string]string, error) {
	var m map[string]string
	err := d.object(func(key string) error {
		value, err := d.str()
		if err == nil {
			if m == nil {
				m = make(map[string]string, 2)
			}
			m[key] = value
		}
		return err
	})
	return m, err
}

// object calls field for each key, positioned at its value. null is no object.
func (d *decoder) object(field func(key string) error) error {
	if d.null() {
		return nil
	}
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.space(); d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		if d.space(); d.peek() != '"' {
			return d.fail("expected a key in an object")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		d.space()
		switch d.next() {
		case ',':
		case '}':
			return nil
		default:
			return d.fail("expected , or } in an object")
		}
	}
}

// array calls elem for each element, positioned at it. null is no array.
func (d *decoder) array(elem func() error) error {
	if d.null() {
		return nil
	}
	if err := d.expect('['); err != nil {
		return err
	}
	if d.space(); d.peek() == ']' {
		d.pos++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		d.space()
		switch d.next() {
		case ',':
		case ']':
			return nil
		default:
			return d.fail("expected , or ] in an array")
		}
	}
}

// str reads a string (null reads as ""). Without escapes it is a slice of text.
func (d *decoder) str() (string, error) {
	if d.null() {
		return "", nil
	}
	if err := d.expect('"'); err != nil {
		return "", err
	}
	// Locals, not fields, keep this hot loop in registers.
	text, start := d.text, d.pos
	for i := start; i < len(text); i++ {
		switch c := text[i]; {
		case c == '"':
			d.pos = i + 1
			return text[start:i], nil
		case c == '\\':
			d.pos = i
			return d.escaped(start)
		case c < 0x20:
			d.pos = i
			return "", d.fail("control character in a string")
		}
	}
	d.pos = len(text)
	return "", d.fail("unterminated string")
}

// escaped finishes a string that has escapes, from its first backslash.
func (d *decoder) escaped(start int) (string, error) {
	buf := []byte(d.text[start:d.pos])
	for d.pos < len(d.text) {
		c := d.text[d.pos]
		d.pos++
		switch {
		case c == '"':
			return string(buf), nil
		case c < 0x20:
			return "", d.fail("control character in a string")
		case c != '\\':
			buf = append(buf, c)
			continue
		}
		if d.pos >= len(d.text) {
			break
		}
		c = d.text[d.pos]
		d.pos++
		switch c {
		case '"', '\\', '/':
			buf = append(buf, c)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.fail("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r = d.lowSurrogate(r)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", d.fail("bad escape in a string")
		}
	}
	return "", d.fail("unterminated string")
}

// lowSurrogate completes a UTF-16 pair whose first half is high; a lone half
// is U+FFFD, as encoding/json has it.
func (d *decoder) lowSurrogate(high rune) rune {
	if strings.HasPrefix(d.text[d.pos:], `\u`) {
		save := d.pos
		d.pos += 2
		if low, ok := d.hex4(); ok {
			if r := utf16.DecodeRune(high, low); r != utf8.RuneError {
				return r
			}
		}
		d.pos = save
	}
	return utf8.RuneError
}

func (d *decoder) hex4() (rune, bool) {
	if d.pos+4 > len(d.text) {
		return 0, false
	}
	n, err := strconv.ParseUint(d.text[d.pos:d.pos+4], 16, 32)
	if err != nil {
		return 0, false
	}
	d.pos += 4
	return rune(n), true
}

// skip passes over any value (of a key this decoder does not know).
func (d *decoder) skip() error { return d.skipDepth(0) }

func (d *decoder) skipDepth(depth int) error {
	if depth > maxDepth {
		return d.fail("value nests too deep")
	}
	d.space()
	switch c := d.peek(); {
	case c == '{':
		return d.object(func(string) error { return d.skipDepth(depth + 1) })
	case c == '[':
		return d.array(func() error { return d.skipDepth(depth + 1) })
	case c == '"':
		_, err := d.str()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	default:
		return d.fail("expected a value")
	}
}

// number passes over a JSON number, checking its grammar.
func (d *decoder) number() error {
	digits := func() int {
		n := 0
		for d.pos < len(d.text) && d.text[d.pos] >= '0' && d.text[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.peek() == '-' {
		d.pos++
	}
	if d.peek() == '0' {
		d.pos++
	} else if digits() == 0 {
		return d.fail("bad number")
	}
	if d.peek() == '.' {
		d.pos++
		if digits() == 0 {
			return d.fail("bad number")
		}
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.pos++
		if c := d.peek(); c == '+' || c == '-' {
			d.pos++
		}
		if digits() == 0 {
			return d.fail("bad number")
		}
	}
	return nil
}

func (d *decoder) literal(word string) error {
	if len(d.text)-d.pos < len(word) || d.text[d.pos:d.pos+len(word)] != word {
		return d.fail("expected " + word)
	}
	d.pos += len(word)
	return nil
}

// null consumes a null (after space) and says whether there was one.
func (d *decoder) null() bool {
	d.space()
	if len(d.text)-d.pos >= 4 && d.text[d.pos:d.pos+4] == "null" {
		d.pos += 4
		return true
	}
	return false
}

func (d *decoder) expect(c byte) error {
	d.space()
	if d.peek() != c {
		return d.fail(fmt.Sprintf("expected %q", c))
	}
	d.pos++
	return nil
}

func (d *decoder) space() {
	text, i := d.text, d.pos
	for i < len(text) && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r') {
		i++
	}
	d.pos = i
}

// peek is the next byte, 0 at the end.
func (d *decoder) peek() byte {
	if d.pos < len(d.text) {
		return d.text[d.pos]
	}
	return 0
}

func (d *decoder) next() byte {
	c := d.peek()
	d.pos++
	return c
}

func (d *decoder) fail(what string) error {
	return fmt.Errorf("%s at offset %d", what, d.pos)
}
