package core

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/writ-dev/writ/schemas"
)

// referenceInstanceJSON is how Instance.Hash encoded instances before
// appendInstanceJSON: encoding/json without HTML escaping.
func referenceInstanceJSON(t testing.TB, in *Instance) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(in); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// checkInstanceJSON holds appendInstanceJSON and Instance.Hash to
// encoding/json, and, for valid UTF-8, to schemas.CanonicalJSON.
func checkInstanceJSON(t *testing.T, in *Instance) {
	t.Helper()
	want := referenceInstanceJSON(t, in)
	got, _ := appendInstanceJSON(nil, nil, in)
	if !bytes.Equal(got, want) {
		t.Fatalf("appendInstanceJSON:\n got %q\nwant %q", got, want)
	}
	if h := in.Hash(); h != schemas.HashBytes(want) {
		t.Fatalf("Hash() = %s, want %s", h, schemas.HashBytes(want))
	}
	if in.Keys != nil {
		// The form States keep instances in must encode the same bytes.
		ks := keysOf(in.Keys)
		if got, _ := appendStoredJSON(nil, nil, in, ks); !bytes.Equal(got, want) {
			t.Fatalf("appendStoredJSON:\n got %q\nwant %q", got, want)
		}
		if h := hashStored(in, ks); h != schemas.HashBytes(want) {
			t.Fatalf("hashStored = %s, want %s", h, schemas.HashBytes(want))
		}
	}
	if utf8.Valid(want) && !bytes.Contains(want, []byte(`\ufffd`)) {
		canon, err := schemas.CanonicalJSON(in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(canon, want) {
			t.Fatalf("CanonicalJSON:\n got %q\nwant %q", canon, want)
		}
	}
}

func TestInstanceJSON(t *testing.T) {
	base := func() *Instance {
		return &Instance{ID: "svc-1", Keys: map[string]string{"k-1": "applied"}, State: "draft",
			Updated: HLC{Wall: 1767630549000, Logical: 2}, Version: 3, Workflow: "release"}
	}
	with := func(f func(in *Instance)) *Instance {
		in := base()
		f(in)
		return in
	}
	var control []byte
	for b := range 0x20 {
		control = append(control, byte(b))
	}
	tests := []struct {
		name string
		in   *Instance
	}{
		{"plain", base()},
		{"cost and trigger", with(func(in *Instance) {
			in.Cost = []schemas.Cost{{Amount: "12.5", Unit: "USD"}, {Amount: "3400", Unit: "tokens"}}
			in.Trigger = &schemas.Trigger{Kind: schemas.TriggerPullRequest, Ref: "acme/web#12", URL: "https://github.example/acme/web/pull/12?a=1&b=<2>"}
		})},
		{"trigger kind alone", with(func(in *Instance) { in.Trigger = &schemas.Trigger{Kind: schemas.TriggerManual} })},
		{"cost alone, escaped", with(func(in *Instance) { in.Cost = []schemas.Cost{{Amount: "1", Unit: "u\"\u2028"}} })},
		{"zero", &Instance{}},
		{"nil keys", with(func(in *Instance) { in.Keys = nil })},
		{"empty keys", with(func(in *Instance) { in.Keys = map[string]string{} })},
		{"owner", with(func(in *Instance) { in.Owner = "team-a" })},
		{"empty regions", with(func(in *Instance) { in.Regions = map[string]string{} })},
		{"regions", with(func(in *Instance) { in.Regions = map[string]string{"tests": "running", "security": "scanning"} })},
		{"resume", with(func(in *Instance) { in.Resume = &Resume{State: "verifying"} })},
		{"resume with empty regions", with(func(in *Instance) { in.Resume = &Resume{State: "v", Regions: map[string]string{}} })},
		{"resume with regions", with(func(in *Instance) { in.Resume = &Resume{State: "v", Regions: map[string]string{"b": "1", "a": "2"}} })},
		{"empty resume", with(func(in *Instance) { in.Resume = &Resume{} })},
		{"extreme numbers", with(func(in *Instance) {
			in.Updated, in.Version = HLC{Wall: math.MinInt64, Logical: math.MaxUint32}, math.MaxUint64
		})},
		{"negative wall", with(func(in *Instance) { in.Updated.Wall = -5 })},
		{"html", with(func(in *Instance) { in.ID, in.Keys = "a<b>&c", map[string]string{"k&<>": "<applied>"} })},
		{"quotes and backslashes", with(func(in *Instance) { in.State, in.Owner = `say "hi"`, `C:\dir\` })},
		{"control characters", with(func(in *Instance) { in.ID, in.Keys = string(control), map[string]string{string(control): "\x7f"} })},
		{"unicode", with(func(in *Instance) { in.Owner, in.Keys = "grün 日本 🎉", map[string]string{"é": "ü", "e": "u"} })},
		{"line separators", with(func(in *Instance) { in.ID, in.Keys = "a\u2028b\u2029c", map[string]string{"\u2028": "\u2029"} })},
		{"invalid UTF-8", with(func(in *Instance) {
			in.ID, in.Keys = "a\xffb\xc3", map[string]string{"\xed\xa0\x80": "\xf4\x90\x80\x80", "\xff": "x"}
		})},
		{"replacement character", with(func(in *Instance) { in.ID = "\ufffd" })},
		{"keys sort bytewise", with(func(in *Instance) {
			in.Keys = map[string]string{"b": "1", "B": "2", "a10": "3", "a9": "4", "": "5", "é": "6", "z": "7", "_": "8"}
		})},
		{"many keys", with(func(in *Instance) {
			for i := range 500 {
				in.Keys["k-"+string(rune('a'+i%26))+string(rune('0'+i%10))+string(rune(0x100+i))] = "rejected"
			}
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInstanceJSON(t, tt.in)
		})
	}
}

func FuzzInstanceJSON(f *testing.F) {
	f.Add("svc-1", "k-1", "applied", "team", "tests", "running", "draft", int64(12), uint32(3), uint64(9), true)
	f.Add("a<b>&c", "\u2028", "\x00\x1f\"\\", "", "", "", "\xff", int64(-1), uint32(0), uint64(0), false)
	f.Fuzz(func(t *testing.T, id, key, value, owner, region, sub, state string, wall int64, logical uint32, version uint64, resume bool) {
		in := &Instance{ID: id, Keys: map[string]string{key: value, value: key}, Owner: owner, State: state,
			Updated: HLC{Wall: wall, Logical: logical}, Version: version, Workflow: sub}
		if region != "" {
			in.Regions = map[string]string{region: sub, sub: region}
		}
		if resume {
			in.Resume = &Resume{State: state, Regions: in.Regions}
		}
		checkInstanceJSON(t, in)
	})
}
