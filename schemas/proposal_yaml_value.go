package schemas

import (
	"encoding/json"
	"slices"
)

// ProposalIsYAML's inputs may be nested, as a goal action's are (a
// declare-block's inputs.prerequisite is {type, payload, members}). The
// matcher below compares an input value with the block YAML yaml.v3
// writes for it (indent 4, map keys in order), for the values a proposal
// decoded from JSON holds. Anything else is "not shown".

// maxYAMLMatchDepth bounds how deeply nested inputs the matcher follows;
// deeper values take the full load.
const maxYAMLMatchDepth = 16

// yamlSpaces holds the indentation the matcher compares with.
const yamlSpaces = "                                                                                                                                "

// indent returns n spaces, or "" with m failed when n is too deep.
func (m *yamlMatch) indent(n int) string {
	if n > len(yamlSpaces) {
		m.ok = false
		return ""
	}
	return yamlSpaces[:n]
}

// scalarOf returns the YAML scalar the matcher accepts for v and whether v
// is a scalar it knows (a string, a bool or an integer json.Number); quote
// is set when the string must be written double-quoted.
//
// A string is plain when plainScalar allows it; otherwise, when it is made
// of characters that mean themselves between double quotes (letters,
// digits, "." "_" "-" "/" "+" "@" ":", no space), it is double-quoted, as
// yaml.v3 writes "5216", "n" or "yes" to keep them strings. A json.Number
// is known only when it is a decimal integer of at most 15 digits in the
// form the loader gives it back ("0", "-12", never "-0", "012" or "1.0").
func scalarOf(v any) (text string, quote, known bool) {
	switch v := v.(type) {
	case string:
		if plainScalar(v) {
			return v, false, true
		}
		return v, true, quotableScalar(v)
	case bool:
		if v {
			return "true", false, true
		}
		return "false", false, true
	case json.Number:
		return string(v), false, canonicalInt(string(v))
	}
	return "", false, false
}

// quotableScalar reports whether s, between double quotes, reads back as s
// on one line: 1–256 of the characters plainScalar allows, but no space.
func quotableScalar(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isASCIILetter(c), c >= '0' && c <= '9':
		case c == '.', c == '_', c == '-', c == '/', c == '+', c == '@', c == ':':
		default:
			return false
		}
	}
	return true
}

// canonicalInt reports whether s is "0" or an optional "-" and 1–15
// digits without a leading zero: a YAML integer the loader reads back as
// json.Number(s).
func canonicalInt(s string) bool {
	if s == "0" {
		return true
	}
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || len(s) > 15 || s[0] < '1' || s[0] > '9' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// scalar matches the scalar text for v (see scalarOf).
func (m *yamlMatch) scalar(v any) {
	text, quote, known := scalarOf(v)
	if !known {
		m.ok = false
		return
	}
	if quote {
		m.lit(`"`)
		m.lit(text)
		m.lit(`"`)
		return
	}
	m.lit(text)
}

// key matches a mapping key k, as scalarOf writes it, and its ":".
func (m *yamlMatch) key(k string) {
	m.scalar(k)
	m.lit(":")
}

// entry matches "<key>: <value>" for a mapping entry whose indent is
// already matched, its block children indented from column base (the
// key's column or, for the keys of a list item's mapping, the column of
// its "- ").
func (m *yamlMatch) entry(k string, v any, base, depth int) {
	m.key(k)
	m.blockValue(v, base, depth)
}

// blockValue matches what follows a mapping key's ":" for v: " scalar\n",
// " {}\n", " []\n", or a newline and v's block indented by 4 from base.
func (m *yamlMatch) blockValue(v any, base, depth int) {
	if !m.ok {
		return
	}
	if depth > maxYAMLMatchDepth {
		m.ok = false
		return
	}
	switch v := v.(type) {
	case map[string]any:
		switch {
		case v == nil:
			// nil encodes as null, but YAML writes {}: not the same.
			m.ok = false
		case len(v) == 0:
			m.lit(" {}\n")
		default:
			m.lit("\n")
			m.mapping(v, base+4, base+4, false, depth+1)
		}
	case []any:
		switch {
		case v == nil:
			m.ok = false
		case len(v) == 0:
			m.lit(" []\n")
		default:
			m.lit("\n")
			m.sequence(v, base+4, depth+1)
		}
	default:
		m.lit(" ")
		m.scalar(v)
		m.lit("\n")
	}
}

// mapping matches the block mapping v, non-empty, its keys at column col,
// their children indented from base. inline says the first key follows a
// "- " already matched.
func (m *yamlMatch) mapping(v map[string]any, col, base int, inline bool, depth int) {
	var small [8]string
	keys := small[:0]
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if !m.ok {
			return
		}
		if i > 0 || !inline {
			m.lit(m.indent(col))
		}
		m.entry(k, v[k], base, depth)
	}
}

// sequence matches the block sequence v, non-empty, its "- " at column
// col: scalars, and mappings whose keys follow at col+2 (their children
// indented from col, as yaml.v3 writes them). Lists in lists, and empty
// mappings in lists, are not matched.
func (m *yamlMatch) sequence(v []any, col, depth int) {
	for _, item := range v {
		if !m.ok {
			return
		}
		m.lit(m.indent(col))
		m.lit("- ")
		switch item := item.(type) {
		case map[string]any:
			if len(item) == 0 {
				m.ok = false
				return
			}
			m.mapping(item, col+2, col, true, depth+1)
		case []any:
			m.ok = false
		default:
			m.scalar(item)
			m.lit("\n")
		}
	}
}
