package schemas

import (
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// CanonicalJSON's generic path (marshal, decode to generic values, encode)
// is slow, and replay renders a proposal's canonical JSON for every WAL
// entry. appendCanonicalProposal writes the same bytes directly for the
// values a proposal decoded from JSON or YAML holds; tests hold the two
// paths to each other.

// maxCanonicalDepth bounds how deeply nested inputs the direct path
// writes; deeper values take the generic path.
const maxCanonicalDepth = 64

// appendCanonicalProposal appends CanonicalJSON(p) to dst. ok is false,
// and dst unusable, when p holds something the direct path does not write
// exactly as the generic path would (a type other than those JSON decodes
// to, invalid UTF-8, an invalid json.Number, deep nesting).
func appendCanonicalProposal(dst []byte, p *Proposal) (_ []byte, ok bool) {
	if p.Trigger != nil || len(p.Cost) > 0 {
		// Rare fields: the generic path writes them.
		return nil, false
	}
	// Keys in sorted order; omitempty fields only when set.
	dst = append(dst, `{"base_state":`...)
	if dst, ok = appendCanonicalString(dst, p.BaseState); !ok {
		return nil, false
	}
	if len(p.Evidence) > 0 {
		dst = append(dst, `,"evidence":[`...)
		for i, e := range p.Evidence {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '{')
			if e.Digest != "" {
				dst = append(dst, `"digest":`...)
				if dst, ok = appendCanonicalString(dst, e.Digest); !ok {
					return nil, false
				}
				dst = append(dst, ',')
			}
			dst = append(dst, `"name":`...)
			if dst, ok = appendCanonicalString(dst, e.Name); !ok {
				return nil, false
			}
			if e.URI != "" {
				dst = append(dst, `,"uri":`...)
				if dst, ok = appendCanonicalString(dst, e.URI); !ok {
					return nil, false
				}
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"idem_key":`...)
	if dst, ok = appendCanonicalString(dst, p.IdemKey); !ok {
		return nil, false
	}
	if len(p.Inputs) > 0 {
		dst = append(dst, `,"inputs":`...)
		if dst, ok = appendCanonicalValue(dst, p.Inputs, 0); !ok {
			return nil, false
		}
	}
	dst = append(dst, `,"instance":`...)
	if dst, ok = appendCanonicalString(dst, p.Instance); !ok {
		return nil, false
	}
	for _, f := range [...]struct{ key, value string }{
		{`,"justification":`, p.Justification},
		{`,"materiality":`, string(p.Materiality)},
		{`,"owner":`, p.Owner},
	} {
		if f.value != "" {
			dst = append(dst, f.key...)
			if dst, ok = appendCanonicalString(dst, f.value); !ok {
				return nil, false
			}
		}
	}
	dst = append(dst, `,"transition":`...)
	if dst, ok = appendCanonicalString(dst, p.Transition); !ok {
		return nil, false
	}
	dst = append(dst, `,"workflow":`...)
	if dst, ok = appendCanonicalString(dst, p.Workflow); !ok {
		return nil, false
	}
	return append(dst, '}'), true
}

// appendCanonicalValue appends a generic JSON value the way CanonicalJSON
// writes it: object keys sorted bytewise, numbers as their literal.
func appendCanonicalValue(dst []byte, v any, depth int) (_ []byte, ok bool) {
	if depth > maxCanonicalDepth {
		return nil, false
	}
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return appendCanonicalString(dst, v)
	case bool:
		if v {
			return append(dst, "true"...), true
		}
		return append(dst, "false"...), true
	case json.Number:
		if !validNumber(string(v)) {
			return nil, false
		}
		return append(dst, v...), true
	case []any:
		if v == nil {
			return append(dst, "null"...), true
		}
		dst = append(dst, '[')
		for i, item := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = appendCanonicalValue(dst, item, depth+1); !ok {
				return nil, false
			}
		}
		return append(dst, ']'), true
	case map[string]any:
		if v == nil {
			return append(dst, "null"...), true
		}
		var small [8]string
		keys := small[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = appendCanonicalString(dst, k); !ok {
				return nil, false
			}
			dst = append(dst, ':')
			if dst, ok = appendCanonicalValue(dst, v[k], depth+1); !ok {
				return nil, false
			}
		}
		return append(dst, '}'), true
	default:
		return nil, false
	}
}

// appendCanonicalString appends s as CanonicalJSON writes it; ok is false
// for invalid UTF-8 (which the generic path replaces).
func appendCanonicalString(dst []byte, s string) ([]byte, bool) {
	if !utf8.ValidString(s) {
		return nil, false
	}
	return AppendJSONString(dst, s), true
}

// validNumber reports whether s is a JSON number literal (RFC 8259), as
// encoding/json requires of a json.Number it writes.
func validNumber(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	switch {
	case s == "":
		return false
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for s != "" && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for s != "" && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for s != "" && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}

// jsonSafe marks the ASCII bytes encoding/json writes as they are when it
// does not escape HTML: printable characters but '"' and '\\', and DEL.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := ' '; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// AppendJSONString appends s as a JSON string exactly as encoding/json
// writes it with HTML escaping off (json.Encoder.SetEscapeHTML(false)):
// short escapes for '"', '\\', \b, \f, \n, \r and \t, \u00XX for other
// control characters, \ufffd for each byte of invalid UTF-8, \u2028 and
// \u2029 escaped, everything else as it is. It is pure and allocates only
// to grow dst.
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
