package reconciler

import (
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The canonical JSON of an instance, written by hand: Apply hashes the
// instance it changes on every entry, and its Keys map grows with every
// entry, so encoding/json's reflection and map-key sorting dominated.
// appendInstanceJSON writes exactly the bytes json.Encoder (with HTML
// escaping off, without the trailing newline) writes for an *Instance;
// tests hold the two to each other.

// canonScratch is the reusable memory of one encoding: the output and the
// sorted map keys.
type canonScratch struct {
	buf  []byte
	keys []string
}

var canonPool = sync.Pool{New: func() any { return new(canonScratch) }}

// maxPooled caps the output buffer kept for reuse, so one huge instance
// does not pin its memory.
const maxPooled = 1 << 20

// appendInstanceJSON appends the canonical JSON of in to dst, using keys
// as scratch space for sorting map keys; it returns both.
func appendInstanceJSON(dst []byte, keys []string, in *Instance) ([]byte, []string) {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, in.ID)
	dst = append(dst, `,"keys":`...)
	dst, keys = appendStringMap(dst, keys, in.Keys)
	if in.Owner != "" {
		dst = append(dst, `,"owner":`...)
		dst = appendJSONString(dst, in.Owner)
	}
	if len(in.Regions) > 0 {
		dst = append(dst, `,"regions":`...)
		dst, keys = appendStringMap(dst, keys, in.Regions)
	}
	if r := in.Resume; r != nil {
		dst = append(dst, `,"resume":{`...)
		if len(r.Regions) > 0 {
			dst = append(dst, `"regions":`...)
			dst, keys = appendStringMap(dst, keys, r.Regions)
			dst = append(dst, ',')
		}
		dst = append(dst, `"state":`...)
		dst = appendJSONString(dst, r.State)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"state":`...)
	dst = appendJSONString(dst, in.State)
	// HLC.MarshalJSON's form.
	dst = append(dst, `,"updated":{"logical":`...)
	dst = strconv.AppendUint(dst, uint64(in.Updated.Logical), 10)
	dst = append(dst, `,"wall":`...)
	dst = strconv.AppendInt(dst, in.Updated.Wall, 10)
	dst = append(dst, `},"version":`...)
	dst = strconv.AppendUint(dst, in.Version, 10)
	dst = append(dst, `,"workflow":`...)
	dst = appendJSONString(dst, in.Workflow)
	dst = append(dst, '}')
	return dst, keys
}

// appendStringMap appends m as a JSON object with its keys sorted bytewise
// (as encoding/json sorts them), or null for a nil map.
func appendStringMap(dst []byte, keys []string, m map[string]string) ([]byte, []string) {
	if m == nil {
		return append(dst, "null"...), keys
	}
	keys = keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONString(dst, m[k])
	}
	return append(dst, '}'), keys
}

// jsonSafe marks the ASCII bytes encoding/json writes as they are when it
// does not escape HTML: printable characters but '"' and '\\', and DEL.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := ' '; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendJSONString appends s as encoding/json writes a string with HTML
// escaping off: short escapes for '"', '\\', \b, \f, \n, \r and \t, \u00XX
// for other control characters, \ufffd for each byte of invalid UTF-8, and
// \u2028 and \u2029 escaped; everything else as it is.
func appendJSONString(dst []byte, s string) []byte {
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
