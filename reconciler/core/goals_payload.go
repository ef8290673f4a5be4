package core

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodePayload decodes a task's payload, canonical JSON of an object,
// into what json.Unmarshal leaves in a map[string]any (a part of the map
// when it fails midway), and reports whether it succeeded. A view decodes one per task, so the common
// shape, a flat object of plain strings, numbers, booleans and nulls, is
// read directly; anything else (nesting, escapes, a number out of range)
// goes through encoding/json.
func decodePayload(raw []byte) (map[string]any, bool) {
	if m, ok := decodeFlatObject(raw); ok {
		return m, true
	}
	var m map[string]any
	err := json.Unmarshal(raw, &m)
	return m, err == nil
}

// decodeFlatObject decodes raw when it is exactly a flat JSON object
// whose keys and string values hold no escape, control character or
// invalid UTF-8, and whose values are strings, numbers, true, false or
// null; ok is false for anything else, with nothing decoded.
func decodeFlatObject(raw []byte) (m map[string]any, ok bool) {
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return nil, false
	}
	body := raw[1 : len(raw)-1]
	n := 0 // members, for the map's size
	if len(body) > 0 {
		n = 1
		inString := false
		for _, c := range body {
			switch {
			case c == '"':
				inString = !inString
			case c == ',' && !inString:
				n++
			}
		}
	}
	m = make(map[string]any, n)
	i := 0
	for i < len(body) {
		key, next, ok := plainString(body, i)
		if !ok || next >= len(body) || body[next] != ':' {
			return nil, false
		}
		v, end, ok := flatValue(body, next+1)
		if !ok {
			return nil, false
		}
		m[key] = v
		i = end
		if i < len(body) {
			if body[i] != ',' || i+1 == len(body) {
				return nil, false
			}
			i++
		}
	}
	return m, true
}

// plainString reads the string starting at s[i] ('"'), which must hold
// no backslash, no control character and only valid UTF-8; next is just
// past its closing quote.
func plainString(s []byte, i int) (v string, next int, ok bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			str := s[i+1 : j]
			if !utf8.Valid(str) {
				return "", 0, false
			}
			return string(str), j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

// flatValue reads a string, number, true, false or null at s[i]; end is
// just past it.
func flatValue(s []byte, i int) (v any, end int, ok bool) {
	if i >= len(s) {
		return nil, 0, false
	}
	switch c := s[i]; {
	case c == '"':
		str, next, ok := plainString(s, i)
		return str, next, ok
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []struct {
			text string
			v    any
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if len(s)-i >= len(lit.text) && string(s[i:i+len(lit.text)]) == lit.text {
				return lit.v, i + len(lit.text), true
			}
		}
		return nil, 0, false
	case c == '-' || c >= '0' && c <= '9':
		end = numberEnd(s, i)
		if end < 0 {
			return nil, 0, false
		}
		f, err := strconv.ParseFloat(string(s[i:end]), 64)
		if err != nil {
			return nil, 0, false
		}
		return f, end, true
	}
	return nil, 0, false
}

// numberEnd returns the end of the JSON number (RFC 8259 grammar) at
// s[i], or -1 when there is none.
func numberEnd(s []byte, i int) int {
	digits := func(j int) int {
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		return k
	}
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}
