package core

import (
	"slices"
	"strconv"
	"sync"

	"github.com/writ-dev/writ/schemas"
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
	dst = appendInstanceHead(dst, in)
	dst, keys = appendStringMap(dst, keys, in.Keys)
	return appendInstanceTail(dst, keys, in)
}

// appendStoredJSON is appendInstanceJSON for a stored instance, whose keys
// are given sorted (and never null) instead of in in.Keys.
func appendStoredJSON(dst []byte, keys []string, in *Instance, ks idemKeys) ([]byte, []string) {
	dst = appendInstanceHead(dst, in)
	dst = append(dst, '{')
	for i, e := range ks {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, e.json...)
	}
	dst = append(dst, '}')
	return appendInstanceTail(dst, keys, in)
}

// hashStored returns the hash of in with keys ks: in.Hash() of the
// instance whose Keys map holds ks.
func hashStored(in *Instance, ks idemKeys) string {
	sc := canonPool.Get().(*canonScratch)
	sc.buf, sc.keys = appendStoredJSON(sc.buf[:0], sc.keys, in, ks)
	h := schemas.HashBytes(sc.buf)
	sc.release()
	return h
}

// release returns sc to the pool unless it grew too big.
func (sc *canonScratch) release() {
	if cap(sc.buf) <= maxPooled {
		clear(sc.keys[:cap(sc.keys)])
		canonPool.Put(sc)
	}
}

// appendInstanceHead writes the canonical JSON of in up to the value of
// "keys".
func appendInstanceHead(dst []byte, in *Instance) []byte {
	dst = append(dst, '{')
	if len(in.Cost) > 0 {
		dst = append(dst, `"cost":[`...)
		for i, c := range in.Cost {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"amount":`...)
			dst = schemas.AppendJSONString(dst, c.Amount)
			dst = append(dst, `,"unit":`...)
			dst = schemas.AppendJSONString(dst, c.Unit)
			dst = append(dst, '}')
		}
		dst = append(dst, "],"...)
	}
	dst = append(dst, `"id":`...)
	dst = schemas.AppendJSONString(dst, in.ID)
	return append(dst, `,"keys":`...)
}

// appendInstanceTail writes the canonical JSON of in after the value of
// "keys".
func appendInstanceTail(dst []byte, keys []string, in *Instance) ([]byte, []string) {
	if in.Owner != "" {
		dst = append(dst, `,"owner":`...)
		dst = schemas.AppendJSONString(dst, in.Owner)
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
		dst = schemas.AppendJSONString(dst, r.State)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"state":`...)
	dst = schemas.AppendJSONString(dst, in.State)
	if tr := in.Trigger; tr != nil {
		dst = append(dst, `,"trigger":{"kind":`...)
		dst = schemas.AppendJSONString(dst, string(tr.Kind))
		if tr.Ref != "" {
			dst = append(dst, `,"ref":`...)
			dst = schemas.AppendJSONString(dst, tr.Ref)
		}
		if tr.URL != "" {
			dst = append(dst, `,"url":`...)
			dst = schemas.AppendJSONString(dst, tr.URL)
		}
		dst = append(dst, '}')
	}
	// HLC.MarshalJSON's form.
	dst = append(dst, `,"updated":{"logical":`...)
	dst = strconv.AppendUint(dst, uint64(in.Updated.Logical), 10)
	dst = append(dst, `,"wall":`...)
	dst = strconv.AppendInt(dst, in.Updated.Wall, 10)
	dst = append(dst, `},"version":`...)
	dst = strconv.AppendUint(dst, in.Version, 10)
	dst = append(dst, `,"workflow":`...)
	dst = schemas.AppendJSONString(dst, in.Workflow)
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
		dst = schemas.AppendJSONString(dst, k)
		dst = append(dst, ':')
		dst = schemas.AppendJSONString(dst, m[k])
	}
	return append(dst, '}'), keys
}
