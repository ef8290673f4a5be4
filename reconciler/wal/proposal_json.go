package wal

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/writ-dev/writ/schemas"
)

// Replay decodes a proposal line per WAL entry, and encoding/json's
// reflection was most of Decode's own cost. parseProposalLine reads the
// line directly instead. It need not be exact: decodeProposal accepts its
// result only when the result's canonical JSON is the line itself, and a
// canonical line decodes with encoding/json to the same proposal. Anything
// it does not read goes to encoding/json, which gives the errors.

// maxProposalDepth bounds how deeply nested inputs parseProposalLine reads.
const maxProposalDepth = 64

// parseProposalLine parses a proposal written as canonical JSON: no
// whitespace, only the escapes canonical JSON writes, only the proposal's
// fields. ok is false for anything else (which may still be valid JSON).
func parseProposalLine(raw string) (_ *schemas.Proposal, ok bool) {
	if !utf8.ValidString(raw) {
		return nil, false
	}
	d := jsonLine{s: raw}
	var p schemas.Proposal
	ok = d.object(func(key string) (fine bool) {
		switch key {
		case "base_state":
			p.BaseState, fine = d.str()
		case "evidence":
			p.Evidence, fine = d.evidence()
		case "idem_key":
			p.IdemKey, fine = d.str()
		case "inputs":
			if d.peek() != '{' {
				return false
			}
			var v any
			v, fine = d.value(0)
			p.Inputs, _ = v.(map[string]any)
		case "instance":
			p.Instance, fine = d.str()
		case "justification":
			p.Justification, fine = d.str()
		case "materiality":
			var m string
			m, fine = d.str()
			p.Materiality = schemas.Materiality(m)
		case "owner":
			p.Owner, fine = d.str()
		case "transition":
			p.Transition, fine = d.str()
		case "workflow":
			p.Workflow, fine = d.str()
		}
		return fine
	})
	if !ok || d.i != len(d.s) {
		return nil, false
	}
	return &p, true
}

// jsonLine reads JSON from s at i.
type jsonLine struct {
	s string
	i int
}

func (d *jsonLine) peek() byte {
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

func (d *jsonLine) eat(c byte) bool {
	if d.peek() != c {
		return false
	}
	d.i++
	return true
}

// object reads {"key":value,...}, calling field to read each value.
func (d *jsonLine) object(field func(key string) bool) bool {
	if !d.eat('{') {
		return false
	}
	if d.eat('}') {
		return true
	}
	for {
		key, ok := d.str()
		if !ok || !d.eat(':') || !field(key) {
			return false
		}
		if d.eat('}') {
			return true
		}
		if !d.eat(',') {
			return false
		}
	}
}

// array reads [value,...], calling elem to read each value.
func (d *jsonLine) array(elem func() bool) bool {
	if !d.eat('[') {
		return false
	}
	if d.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if d.eat(']') {
			return true
		}
		if !d.eat(',') {
			return false
		}
	}
}

// evidence reads a list of evidence objects.
func (d *jsonLine) evidence() ([]schemas.Evidence, bool) {
	out := []schemas.Evidence{}
	ok := d.array(func() bool {
		var e schemas.Evidence
		ok := d.object(func(key string) (ok bool) {
			switch key {
			case "name":
				e.Name, ok = d.str()
			case "uri":
				e.URI, ok = d.str()
			case "digest":
				e.Digest, ok = d.str()
			}
			return ok
		})
		out = append(out, e)
		return ok
	})
	if !ok {
		return nil, false
	}
	return out, true
}

// value reads any JSON value as encoding/json decodes it into an any with
// UseNumber: map[string]any, []any, string, json.Number, bool or nil.
func (d *jsonLine) value(depth int) (any, bool) {
	if depth > maxProposalDepth {
		return nil, false
	}
	switch c := d.peek(); {
	case c == '"':
		return d.str()
	case c == '{':
		m := map[string]any{}
		ok := d.object(func(key string) bool {
			v, ok := d.value(depth + 1)
			m[key] = v
			return ok
		})
		return m, ok
	case c == '[':
		l := []any{}
		ok := d.array(func() bool {
			v, ok := d.value(depth + 1)
			l = append(l, v)
			return ok
		})
		if !ok {
			return nil, false
		}
		return l, true
	case c == '-' || c >= '0' && c <= '9':
		start := d.i
		for d.i < len(d.s) && strings.IndexByte("+-.eE0123456789", d.s[d.i]) >= 0 {
			d.i++
		}
		// The canonical check refuses a malformed number.
		return json.Number(d.s[start:d.i]), true
	case strings.HasPrefix(d.s[d.i:], "true"):
		d.i += 4
		return true, true
	case strings.HasPrefix(d.s[d.i:], "false"):
		d.i += 5
		return false, true
	case strings.HasPrefix(d.s[d.i:], "null"):
		d.i += 4
		return nil, true
	}
	return nil, false
}

// str reads a string. It knows only the escapes canonical JSON writes:
// \" \\ \b \f \n \r \t, and \u for control characters, U+2028 and U+2029.
func (d *jsonLine) str() (string, bool) {
	if !d.eat('"') {
		return "", false
	}
	start := d.i
	for d.i < len(d.s) {
		switch c := d.s[d.i]; {
		case c == '"':
			// A copy: a substring would keep the whole commit message
			// alive for as long as the string lives (idempotency keys
			// live in the state for good).
			s := strings.Clone(d.s[start:d.i])
			d.i++
			return s, true
		case c == '\\':
			return d.escaped(start)
		case c < 0x20:
			return "", false
		default:
			d.i++
		}
	}
	return "", false
}

// escaped finishes reading a string that started at start and has an
// escape at d.i.
func (d *jsonLine) escaped(start int) (string, bool) {
	var b strings.Builder
	b.WriteString(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return b.String(), true
		case c < 0x20:
			return "", false
		case c != '\\':
			b.WriteByte(c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.s) {
			return "", false
		}
		switch e := d.s[d.i+1]; e {
		case '"', '\\':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(d.s[d.i+2:])
			if !ok || (r >= 0x20 && r != '\u2028' && r != '\u2029') {
				return "", false
			}
			b.WriteRune(r)
			d.i += 4
		default:
			return "", false
		}
		d.i += 2
	}
	return "", false
}

// hex4 reads four lowercase hex digits.
func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
