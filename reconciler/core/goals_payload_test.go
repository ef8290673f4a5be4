package core

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestDecodePayload: a payload decodes to what json.Unmarshal gives, on
// the flat path and off it, and what is not an object is refused.
func TestDecodePayload(t *testing.T) {
	tests := []struct {
		raw  string
		flat bool // read without encoding/json
	}{
		{`{}`, true},
		{`{"n":7046}`, true},
		{`{"cve":"CVE-2026-1234","fleet":"web"}`, true},
		{`{"a":-0.5e+3,"b":true,"c":false,"d":null,"e":"grüße, ok"}`, true},
		{`{"a,b":"c,d","x":1E2}`, true},
		{`{"big":1e400}`, false},
		{`{"esc":"a\"b"}`, false},
		{`{"nl":"a\nb"}`, false},
		{`{"nested":{"a":1}}`, false},
		{`{"list":[1,2]}`, false},
		{"{\"bad\":\"\xff\"}", false},
		{`{"a":01}`, false},
		{`{"a":1,}`, false},
		{`{"a" :1}`, false},
		{`{"a":1 }`, false},
		{`{"a":tru}`, false},
		{`{"a":-}`, false},
		{`{"a":1.}`, false},
		{`{"a":1e}`, false},
		{`[1,2]`, false},
		{`"text"`, false},
		{`{"a":1`, false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			checkPayload(t, []byte(tt.raw))
			if _, ok := decodeFlatObject([]byte(tt.raw)); ok != tt.flat {
				t.Errorf("decodeFlatObject(%s) ok = %v, want %v", tt.raw, ok, tt.flat)
			}
		})
	}
}

// TestDecodePayloadCanonical: random flat payloads in canonical JSON (as
// a task holds them) take the flat path and decode as json.Unmarshal
// does.
func TestDecodePayloadCanonical(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 200))
	values := []func() any{
		func() any { return r.IntN(1 << 20) },
		func() any { return -r.Float64() * 1e6 },
		func() any { return r.Float64() * 1e-9 },
		func() any { return r.IntN(2) == 0 },
		func() any { return nil },
		func() any { return fmt.Sprintf("v-%d, [x] {y}: é", r.IntN(1000)) },
	}
	for i := range 500 {
		p := map[string]any{}
		for k := range r.IntN(6) {
			p[fmt.Sprintf("k%d-%d", k, r.IntN(100))] = values[r.IntN(len(values))]()
		}
		raw, err := schemas.CanonicalJSON(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := decodeFlatObject(raw); !ok {
			t.Errorf("payload %d %s did not take the flat path", i, raw)
		}
		checkPayload(t, raw)
	}
}

// checkPayload compares decodePayload with json.Unmarshal into a map.
func checkPayload(t *testing.T, raw []byte) {
	t.Helper()
	var want map[string]any
	wantOK := json.Unmarshal(raw, &want) == nil
	got, ok := decodePayload(raw)
	if ok != wantOK || !reflect.DeepEqual(got, want) {
		t.Errorf("decodePayload(%s) = %#v, %v; json.Unmarshal gives %#v, %v", raw, got, ok, want, wantOK)
	}
}

// FuzzDecodePayload: whatever the bytes, decodePayload agrees with
// json.Unmarshal and never panics.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{`{}`, `{"n":1}`, `{"a":"b","c":-1.5e3,"d":null}`, `{"a":[1]}`, `{"a":"\u00e9"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkPayload(t, raw) })
}
