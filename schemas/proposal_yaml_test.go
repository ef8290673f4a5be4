package schemas

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const testBase = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func simpleProposal() *Proposal {
	return &Proposal{Instance: "svc-1", Workflow: "release", Transition: "tests-fail", BaseState: testBase, IdemKey: "k-faad4867dc8ab8d0"}
}

// checkProposalIsYAML fails t when ProposalIsYAML vouches for data and p
// but loading data does not give p.
func checkProposalIsYAML(t *testing.T, data []byte, p *Proposal) bool {
	t.Helper()
	out, written := ProposalYAML(p)
	if written && !ProposalIsYAML(out, p) {
		t.Fatalf("ProposalYAML wrote %q, which ProposalIsYAML does not vouch for as the proposal", out)
	}
	if !ProposalIsYAML(data, p) {
		return false
	}
	if body, _ := cutModeline(data); !written || string(out) != string(body) {
		t.Fatalf("ProposalIsYAML vouched for %q, but ProposalYAML wrote %q (ok %v)", body, out, written)
	}
	loaded, problems := LoadProposal("p.yaml", data)
	if len(problems) > 0 {
		t.Fatalf("ProposalIsYAML vouched for %q, but it does not load: %v", data, problems)
	}
	a, _ := CanonicalJSON(loaded)
	b, _ := CanonicalJSON(p)
	if string(a) != string(b) {
		t.Fatalf("ProposalIsYAML vouched for %q as %s, but it loads as %s", data, b, a)
	}
	return true
}

// head is the YAML of simpleProposal's fields.
const head = "instance: svc-1\nworkflow: release\ntransition: tests-fail\nbase_state: " + testBase + "\nidem_key: k-faad4867dc8ab8d0\n"

// declareYAML is a declare-block's inputs as writ bench writes them (its
// payload number an int, which reads back as a json.Number).
const declareYAML = head + "inputs:\n    prerequisite:\n        payload:\n            \"n\": 5216\n        type: fix\n    task: " + goalTask + "\n"

// declareInputs is a declare-block's inputs with payload {n: n}.
func declareInputs(n any) map[string]any {
	return map[string]any{"task": goalTask, "prerequisite": map[string]any{"type": "fix", "payload": map[string]any{"n": n}}}
}

func TestProposalIsYAML(t *testing.T) {
	with := func(f func(p *Proposal)) *Proposal {
		p := simpleProposal()
		f(p)
		return p
	}
	tests := []struct {
		name string
		p    *Proposal
		data string // default: yaml.v3's rendering of p
		want bool
	}{
		{name: "minimal", p: simpleProposal(), want: true},
		{name: "every field", p: with(func(p *Proposal) {
			p.Owner, p.Materiality, p.Justification = "team-2", MaterialityHigh, "all checks green"
			p.Inputs = map[string]any{"run": "ci-36", "change_ticket": "CHG-84", "environment": "staging"}
			p.Evidence = []Evidence{{Name: "ci", URI: "https://ci.example/run/1", Digest: "sha256:ab"}, {Name: "log"}}
		}), want: true},
		{name: "base state none", p: with(func(p *Proposal) { p.BaseState = BaseStateNone }), want: true},
		{name: "empty inputs map", p: with(func(p *Proposal) { p.Inputs = map[string]any{} }), want: true},
		{name: "other bytes", p: simpleProposal(), data: "instance: svc-1\nworkflow: release\ntransition: tests-fail\nbase_state: " + testBase + "\nidem_key: k-other\n"},
		{name: "trailing bytes", p: simpleProposal(), data: "instance: svc-1\nworkflow: release\ntransition: tests-fail\nbase_state: " + testBase + "\nidem_key: k-faad4867dc8ab8d0\n# hi\n"},
		{name: "same meaning, other layout", p: simpleProposal(), data: "{instance: svc-1, workflow: release, transition: tests-fail, base_state: '" + testBase + "', idem_key: k-faad4867dc8ab8d0}\n"},
		{name: "invalid base state", p: with(func(p *Proposal) { p.BaseState = "sha256:abc" })},
		{name: "invalid name", p: with(func(p *Proposal) { p.Instance = "Svc" })},
		{name: "empty instance", p: with(func(p *Proposal) { p.Instance = "" })},
		{name: "invalid materiality", p: with(func(p *Proposal) { p.Materiality = "huge" })},
		{name: "invalid evidence digest", p: with(func(p *Proposal) { p.Evidence = []Evidence{{Name: "x", Digest: "SHA:1"}} })},
		// yaml.v3 writes a json.Number as a quoted string, which reads
		// back as a string: not the proposal.
		{name: "number input as yaml.v3 writes it", p: with(func(p *Proposal) { p.Inputs = map[string]any{"n": json.Number("3")} })},
		{name: "number input written as a number", p: with(func(p *Proposal) { p.Inputs = map[string]any{"n": json.Number("3")} }),
			data: head + "inputs:\n    \"n\": 3\n", want: true},
		{name: "negative number", p: with(func(p *Proposal) { p.Inputs = map[string]any{"x": json.Number("-12")} }), data: head + "inputs:\n    x: -12\n", want: true},
		{name: "non-canonical number", p: with(func(p *Proposal) { p.Inputs = map[string]any{"x": json.Number("1.0")} }), data: head + "inputs:\n    x: 1.0\n"},
		{name: "number with a leading zero", p: with(func(p *Proposal) { p.Inputs = map[string]any{"x": json.Number("012")} }), data: head + "inputs:\n    x: 012\n"},
		{name: "minus zero", p: with(func(p *Proposal) { p.Inputs = map[string]any{"x": json.Number("-0")} }), data: head + "inputs:\n    x: -0\n"},
		{name: "huge number", p: with(func(p *Proposal) { p.Inputs = map[string]any{"x": json.Number("12345678901234567890")} }), data: head + "inputs:\n    x: 12345678901234567890\n"},
		{name: "string shown as a number", p: with(func(p *Proposal) { p.Inputs = map[string]any{"x": "3"} }), data: head + "inputs:\n    x: 3\n"},
		{name: "bool input", p: with(func(p *Proposal) { p.Inputs = map[string]any{"ok": true, "no": false} }), want: true},
		{name: "string shown as a bool", p: with(func(p *Proposal) { p.Inputs = map[string]any{"ok": "true"} }), data: head + "inputs:\n    ok: true\n"},
		{name: "nested input", p: with(func(p *Proposal) { p.Inputs = map[string]any{"n": map[string]any{"a": "b"}} }), want: true},
		{name: "input that reads as a bool", p: with(func(p *Proposal) { p.Inputs = map[string]any{"ok": "yes"} }), want: true},
		{name: "input that reads as a bool, unquoted", p: with(func(p *Proposal) { p.Inputs = map[string]any{"ok": "yes"} }), data: head + "inputs:\n    ok: yes\n"},
		{name: "input that reads as null", p: with(func(p *Proposal) { p.Inputs = map[string]any{"x": "Null"} }), want: true},
		{name: "input that reads as a number", p: with(func(p *Proposal) { p.Inputs = map[string]any{"x": "1.5"} }), want: true},
		{name: "quoted string with a space", p: with(func(p *Proposal) { p.Inputs = map[string]any{"x": "1 5"} })},
		{name: "declare-block", p: with(func(p *Proposal) { p.Inputs = declareInputs(json.Number("5216")) }), data: declareYAML, want: true},
		{name: "declare-block, string payload", p: with(func(p *Proposal) { p.Inputs = declareInputs("5216") }), data: declareYAML},
		{name: "declare-block as yaml.v3 writes it", p: with(func(p *Proposal) { p.Inputs = declareInputs("x") }), want: true},
		{name: "declare-block, other task", p: with(func(p *Proposal) {
			p.Inputs = declareInputs(json.Number("5216"))
			p.Inputs["task"] = "sha256:" + strings.Repeat("f", 64)
		}), data: declareYAML},
		{name: "declare-block, payload one level up", p: with(func(p *Proposal) { p.Inputs = declareInputs(json.Number("5216")) }),
			data: strings.Replace(declareYAML, `            "n": 5216`, `        "n": 5216`, 1)},
		{name: "declare-block, extra key", p: with(func(p *Proposal) { p.Inputs = declareInputs(json.Number("5216")) }),
			data: strings.Replace(declareYAML, "        type: fix\n", "        type: fix\n        extra: x\n", 1)},
		{name: "fan-in barrier", p: with(func(p *Proposal) {
			p.Inputs = declareInputs("x")
			pre := p.Inputs["prerequisite"].(map[string]any)
			pre["members"] = []any{map[string]any{"type": "m"}, map[string]any{"type": "fix", "payload": map[string]any{"k": json.Number("1")}}}
		}), data: head + "inputs:\n    prerequisite:\n        members:\n            - type: m\n            - payload:\n                k: 1\n              type: fix\n" +
			"        payload:\n            \"n\": x\n        type: fix\n    task: " + goalTask + "\n", want: true},
		{name: "list of strings", p: with(func(p *Proposal) { p.Inputs = map[string]any{"blocks": []any{"a", testBase, "yes"}} }), want: true},
		{name: "empty list and map", p: with(func(p *Proposal) { p.Inputs = map[string]any{"l": []any{}, "m": map[string]any{}} }), want: true},
		{name: "nil list", p: with(func(p *Proposal) { p.Inputs = map[string]any{"l": []any(nil)} }), data: head + "inputs:\n    l: []\n"},
		{name: "nil map", p: with(func(p *Proposal) { p.Inputs = map[string]any{"m": map[string]any(nil)} }), data: head + "inputs:\n    m: {}\n"},
		{name: "null input", p: with(func(p *Proposal) { p.Inputs = map[string]any{"x": nil} })},
		{name: "list in a list", p: with(func(p *Proposal) { p.Inputs = map[string]any{"l": []any{[]any{"a"}}} })},
		{name: "typed list", p: with(func(p *Proposal) { p.Inputs = map[string]any{"l": []string{"a"}} })},
		{name: "quoted by yaml.v3", p: with(func(p *Proposal) { p.Justification = "a: b" })},
		{name: "comment-like", p: with(func(p *Proposal) { p.Justification = "a #b" })},
		{name: "multi-line", p: with(func(p *Proposal) { p.Justification = "a\nb" })},
		{name: "unicode", p: with(func(p *Proposal) { p.Justification = "grün" })},
		{name: "long line", p: with(func(p *Proposal) { p.Justification = strings.Repeat("word ", 30) + "end" }), want: true},
		{name: "nil", p: nil, data: "instance: x\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			if tt.data == "" {
				var err error
				if data, err = yaml.Marshal(tt.p); err != nil {
					t.Fatal(err)
				}
			}
			if got := checkProposalIsYAML(t, data, tt.p); got != tt.want {
				t.Fatalf("ProposalIsYAML(%q) = %v, want %v", data, got, tt.want)
			}
		})
	}
}

// TestProposalIsYAMLProperty renders random proposals made of tricky
// strings, and checks that whatever ProposalIsYAML vouches for, for the
// rendering or for another proposal's, loads as the proposal it was
// given.
func TestProposalIsYAMLProperty(t *testing.T) {
	pieces := []string{"a", "Z", "svc", "0", "9", "-", "_", ".", "/", ":", ": ", " ", "  ", "#", " #", "'", `"`, "@", "+", "!", "&", "*",
		"?", "[", "{", ",", "|", ">", "%", "~", "\t", "\n", "\r", "\u2028", "ü", "\x00", "\xff", "yes", "no", "on", "true", "null",
		"NULL", "1", "0x1F", "1e3", ".inf", "2001-12-14", "1:20", "<<", "sha256", "none", "k-1"}
	rnd := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		var b strings.Builder
		for range rnd.IntN(4) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		return b.String()
	}
	maybe := func(s string) string {
		if rnd.IntN(3) == 0 {
			return str()
		}
		return s
	}
	gen := func() *Proposal {
		p := simpleProposal()
		p.Instance, p.Workflow, p.Transition = maybe("svc-1"), maybe("release"), maybe("ship")
		p.BaseState, p.IdemKey = maybe(testBase), maybe("k-1")
		if rnd.IntN(2) == 0 {
			p.Owner, p.Justification, p.Materiality = str(), str(), Materiality(maybe("low"))
		}
		if n := rnd.IntN(3); n > 0 {
			p.Inputs = map[string]any{}
			for range n {
				p.Inputs[maybe("run")] = maybe("ci-1")
			}
		}
		if rnd.IntN(3) == 0 {
			p.Evidence = []Evidence{{Name: maybe("ci"), URI: str(), Digest: maybe("sha256:ab")}}
		}
		return p
	}
	vouched := 0
	for range 3000 {
		p, q := gen(), gen()
		data, err := yaml.Marshal(p)
		if err != nil {
			continue
		}
		if checkProposalIsYAML(t, data, p) {
			vouched++
		}
		checkProposalIsYAML(t, data, q)
	}
	if vouched == 0 {
		t.Fatal("ProposalIsYAML vouched for no rendering at all")
	}
}

// FuzzProposalIsYAML checks that ProposalIsYAML never vouches for bytes
// that do not load as the proposal given.
func FuzzProposalIsYAML(f *testing.F) {
	p := simpleProposal()
	data, _ := yaml.Marshal(p)
	f.Add(data, p.Instance, p.BaseState, "run", "ci-36", "")
	f.Add([]byte("instance: a\nworkflow: b\ntransition: c\nbase_state: none\nidem_key: k\ninputs:\n    x: y\njustification: j k\n"),
		"a", "none", "x", "y", "j k")
	f.Fuzz(func(t *testing.T, data []byte, instance, base, key, value, justification string) {
		p := &Proposal{Instance: instance, Workflow: "b", Transition: "c", BaseState: base, IdemKey: "k",
			Inputs: map[string]any{key: value}, Justification: justification}
		checkProposalIsYAML(t, data, p)
	})
}

func BenchmarkProposalCheck(b *testing.B) {
	p := simpleProposal()
	p.Inputs = map[string]any{"run": "ci-36"}
	data, _ := yaml.Marshal(p)
	b.Run("ProposalIsYAML", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ProposalIsYAML(data, p) {
				b.Fatal("not vouched")
			}
		}
	})
	b.Run("LoadProposal+CanonicalJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			loaded, _ := LoadProposal("p.yaml", data)
			x, _ := CanonicalJSON(loaded)
			y, _ := CanonicalJSON(p)
			if string(x) != string(y) {
				b.Fatal("differ")
			}
		}
	})
}

// surelyValidProposal never vouches for a proposal the schema refuses, and
// vouches for the common shape.
func TestSurelyValidProposal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	pieces := []string{"", "a", "z9", "web-1", ".x", "_x", "-x", "A", "a b", "a\tb", "a\nb", "a\rb", "a\vb", "é",
		"sha256:", strings.Repeat("a", 64), strings.Repeat("F", 64), "none", "None", "low", "medium", "high", "x:y",
		strings.Repeat("k", 128), strings.Repeat("k", 129), strings.Repeat("o", 256), strings.Repeat("o", 257), "\x00", "~", "\x7f"}
	pick := func() string {
		s := ""
		for n := r.IntN(3); n >= 0; n-- {
			s += pieces[r.IntN(len(pieces))]
		}
		return s
	}
	vouched := 0
	for i := 0; i < 20000; i++ {
		// Each field is a valid value or, one time in three, random.
		or := func(good string) string {
			if r.IntN(3) == 0 {
				return pick()
			}
			return good
		}
		p := &Proposal{Instance: or("web-1"), Workflow: or("release"), Transition: or("ship.v2_x"),
			BaseState: or("sha256:" + strings.Repeat("0123456789abcdef", 4)), IdemKey: or("k-1:x/y"),
			Owner: or("team a"), Materiality: Materiality(or("high"))}
		if r.IntN(4) == 0 {
			p.Evidence = []Evidence{{Name: or("ci")}}
			if r.IntN(2) == 0 {
				p.Evidence = append(p.Evidence, Evidence{Name: or("log"), URI: or("https://ci.example/runs/1"), Digest: or("sha256:" + strings.Repeat("0a", 32))})
			}
		}
		if surelyValidProposal(p) {
			vouched++
			if !schemaValidSimpleProposal(p) {
				t.Fatalf("vouched for a proposal the schema refuses: %+v", p)
			}
		}
	}
	if vouched < 100 {
		t.Fatalf("vouched for only %d of 20,000", vouched)
	}
	p := simpleProposal()
	if !surelyValidProposal(p) {
		t.Fatalf("the common shape is not vouched for: %+v", p)
	}
	p.Evidence = []Evidence{{Name: "ci", URI: "https://ci.example/runs/1"}, {Name: "log", Digest: "sha256:ab01"}}
	if !surelyValidProposal(p) {
		t.Fatalf("a goal action's evidence is not vouched for: %+v", p)
	}
}
