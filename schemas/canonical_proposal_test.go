package schemas

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkCanonicalProposal holds the direct path of CanonicalJSON to the
// generic one, and reports whether the direct path wrote p.
func checkCanonicalProposal(t *testing.T, p *Proposal) bool {
	t.Helper()
	want, wantErr := canonicalGeneric(p)
	got, err := CanonicalJSON(p)
	if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
		t.Fatalf("CanonicalJSON(%#v):\n got %q, %v\nwant %q, %v", p, got, err, want, wantErr)
	}
	direct, ok := appendCanonicalProposal(nil, p)
	if ok && !bytes.Equal(direct, want) {
		t.Fatalf("appendCanonicalProposal(%#v):\n got %q\nwant %q", p, direct, want)
	}
	return ok
}

func TestCanonicalProposal(t *testing.T) {
	with := func(f func(p *Proposal)) *Proposal {
		p := simpleProposal()
		f(p)
		return p
	}
	tests := []struct {
		name   string
		p      *Proposal
		direct bool // written by the direct path
	}{
		{"minimal", simpleProposal(), true},
		{"zero", &Proposal{}, true},
		{"every field", with(func(p *Proposal) {
			p.Owner, p.Materiality, p.Justification = "team-2", MaterialityHigh, "all checks green"
			p.Inputs = map[string]any{"run": "ci-36", "change_ticket": "CHG-84", "environment": "staging"}
			p.Evidence = []Evidence{{Name: "ci", URI: "https://ci.example/run/1", Digest: "sha256:ab"}, {Name: ""}, {Name: "x", URI: "u"}}
		}), true},
		{"generic inputs", with(func(p *Proposal) {
			p.Inputs = map[string]any{"n": json.Number("-1.50e+07"), "z": json.Number("0"), "b": true, "f": false, "nil": nil,
				"list": []any{"a", json.Number("1"), []any{}, map[string]any{}, nil}, "nilList": []any(nil), "nilMap": map[string]any(nil),
				"nested": map[string]any{"b": map[string]any{"y": "1", "x": "2"}, "a": []any{true}}}
		}), true},
		{"empty inputs", with(func(p *Proposal) { p.Inputs = map[string]any{} }), true},
		{"empty evidence", with(func(p *Proposal) { p.Evidence = []Evidence{} }), true},
		{"html and quotes", with(func(p *Proposal) {
			p.Justification, p.Inputs = `<a href="x">&</a> \ done`, map[string]any{"<&>": "\"'"}
		}), true},
		{"control characters", with(func(p *Proposal) { p.Justification = "\x00\x01\b\f\n\r\t\x1f\x7f" }), true},
		{"unicode", with(func(p *Proposal) {
			p.Owner, p.Inputs = "grün 日本 🎉 \ufffd", map[string]any{"é": "ü", "e": "u"}
		}), true},
		{"line separators", with(func(p *Proposal) { p.Justification, p.Inputs = "a\u2028b\u2029c", map[string]any{"\u2028": "\u2029"} }), true},
		{"keys sort bytewise", with(func(p *Proposal) {
			p.Inputs = map[string]any{"b": "1", "B": "2", "a10": "3", "a9": "4", "": "5", "é": "6", "z": "7", "_": "8", "a": "9", "c": "10"}
		}), true},
		{"invalid UTF-8", with(func(p *Proposal) { p.Justification, p.Inputs = "a\xffb", map[string]any{"\xc3": "x"} }), false},
		{"invalid UTF-8 key", with(func(p *Proposal) { p.Inputs = map[string]any{"\xc3": "x"} }), false},
		{"invalid number", with(func(p *Proposal) { p.Inputs = map[string]any{"n": json.Number("1.")} }), false},
		{"empty number", with(func(p *Proposal) { p.Inputs = map[string]any{"n": json.Number("")} }), false},
		{"float", with(func(p *Proposal) { p.Inputs = map[string]any{"n": 1.5} }), false},
		{"int", with(func(p *Proposal) { p.Inputs = map[string]any{"n": 3} }), false},
		{"deep", with(func(p *Proposal) {
			var v any = "x"
			for range maxCanonicalDepth + 2 {
				v = []any{v}
			}
			p.Inputs = map[string]any{"deep": v}
		}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkCanonicalProposal(t, tt.p); got != tt.direct {
				t.Fatalf("direct path: %v, want %v", got, tt.direct)
			}
		})
	}
}

func TestValidNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "-12", "1.5", "0.0", "1e5", "1E+5", "1e-05", "-1.25e10"} {
		if !validNumber(s) {
			t.Errorf("validNumber(%q) = false", s)
		}
		if _, err := json.Marshal(json.Number(s)); err != nil {
			t.Errorf("encoding/json refuses %q", s)
		}
	}
	for _, s := range []string{"", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x1", "1_0", "NaN", " 1", "1 "} {
		if validNumber(s) {
			t.Errorf("validNumber(%q) = true", s)
		}
		if _, err := json.Marshal(json.Number(s)); err == nil && s != "" {
			t.Errorf("encoding/json accepts %q", s)
		}
	}
}

// TestCanonicalProposalProperty holds the two paths to each other on
// random proposals made of tricky strings and values.
func TestCanonicalProposalProperty(t *testing.T) {
	pieces := []string{"a", "Z", "0", " ", "\"", "\\", "<", ">", "&", "\x00", "\x1f", "\x7f", "\n", "\t", "\u2028", "\u2029", "é",
		"🎉", "\ufffd", "\xff", "\xc3", "/", "k-1"}
	rnd := rand.New(rand.NewPCG(3, 4))
	str := func() string {
		var b strings.Builder
		for range rnd.IntN(5) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		return b.String()
	}
	var value func(depth int) any
	value = func(depth int) any {
		switch rnd.IntN(8) {
		case 0:
			return nil
		case 1:
			return rnd.IntN(2) == 0
		case 2:
			return json.Number([]string{"0", "-1", "2.5e3", "1.", "12"}[rnd.IntN(5)])
		case 3:
			if depth < 3 {
				l := []any{}
				for range rnd.IntN(3) {
					l = append(l, value(depth+1))
				}
				return l
			}
		case 4:
			if depth < 3 {
				m := map[string]any{}
				for range rnd.IntN(3) {
					m[str()] = value(depth + 1)
				}
				return m
			}
		}
		return str()
	}
	direct := 0
	for range 3000 {
		p := &Proposal{Instance: str(), Workflow: str(), Transition: str(), BaseState: str(), IdemKey: str(),
			Owner: str(), Materiality: Materiality(str()), Justification: str()}
		if rnd.IntN(2) == 0 {
			p.Inputs = map[string]any{}
			for range rnd.IntN(4) {
				p.Inputs[str()] = value(0)
			}
		}
		for range rnd.IntN(3) {
			p.Evidence = append(p.Evidence, Evidence{Name: str(), URI: str(), Digest: str()})
		}
		if checkCanonicalProposal(t, p) {
			direct++
		}
	}
	if direct == 0 {
		t.Fatal("the direct path wrote no proposal at all")
	}
}

func FuzzCanonicalProposal(f *testing.F) {
	f.Add(`{"run":"ci-36","n":1.5e3,"l":[true,null,{"b":"<&>"}]}`, "svc-1", "all \u2028 green", "sha256:ab")
	f.Add(`{"\u2028":"\"\\"}`, "", "\x00", "")
	f.Fuzz(func(t *testing.T, inputs, instance, justification, digest string) {
		p := &Proposal{Instance: instance, Workflow: "w", Transition: "t", BaseState: "none", IdemKey: "k",
			Justification: justification, Evidence: []Evidence{{Name: instance, Digest: digest}}}
		dec := json.NewDecoder(strings.NewReader(inputs))
		dec.UseNumber()
		_ = dec.Decode(&p.Inputs)
		checkCanonicalProposal(t, p)
	})
}
