package schemas

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"

	"gopkg.in/yaml.v3"
)

// yamlReady returns v with every json.Number that is an int64 made an
// int64, as writ's writers hold numbers when they marshal (yaml.v3 writes
// a json.Number as a quoted string).
func yamlReady(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return n
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = yamlReady(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = yamlReady(x)
		}
		return out
	}
	return v
}

// looseProposal is what data says as a proposal, read the way the loader
// reads it but without the schema: the proposal ProposalIsYAML is most
// likely to be asked about, valid or not. ok is false when data says no
// proposal at all.
func looseProposal(data []byte) (_ *Proposal, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	root, ps := parseYAML("f.yaml", data)
	if len(ps) > 0 {
		return nil, false
	}
	c := &converter{pos: newPositions("f.yaml")}
	v := c.value(root, nil, nil, 0)
	if len(c.problems) > 0 {
		return nil, false
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var p Proposal
	if dec.Decode(&p) != nil {
		return nil, false
	}
	return &p, true
}

// TestProposalIsYAMLNestedProperty renders random goal-action-like
// proposals with nested inputs (maps, lists, tricky strings, numbers,
// booleans) the way writ writes them, and checks that whatever
// ProposalIsYAML vouches for, for the rendering or another proposal's,
// loads as the proposal it was given, and that it vouches for the plain
// shapes writ writes for goal actions.
func TestProposalIsYAMLNestedProperty(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 11))
	words := []string{"fix", "type", "payload", "members", "n", "y", "yes", "no", "null", "true", "1.5", "5216", "0x1F",
		"a b", "a: b", "#", "-", "", "ü", "sha256:ab", testBase, "2001-12-14", "1:20", "a9", "a10", "k_1", "x/y"}
	numbers := []string{"0", "1", "-1", "5216", "-0", "012", "1.0", "1e3", "999999999999999", "1000000000000000", "12345678901234567890"}
	var value func(depth int) any
	value = func(depth int) any {
		switch r := rnd.IntN(10); {
		case r < 4 || depth > 3:
			return words[rnd.IntN(len(words))]
		case r < 6:
			return json.Number(numbers[rnd.IntN(len(numbers))])
		case r < 7:
			return rnd.IntN(2) == 0
		case r < 9:
			m := map[string]any{}
			for range rnd.IntN(4) {
				m[words[rnd.IntN(len(words))]] = value(depth + 1)
			}
			return m
		default:
			l := []any{}
			for range rnd.IntN(3) {
				l = append(l, value(depth+1))
			}
			return l
		}
	}
	gen := func() *Proposal {
		p := simpleProposal()
		p.Inputs = map[string]any{"task": testBase}
		if rnd.IntN(2) == 0 {
			p.Inputs["prerequisite"] = map[string]any{"type": "fix", "payload": map[string]any{"n": json.Number(strconv.Itoa(rnd.IntN(100000)))}}
		} else {
			p.Inputs["prerequisite"] = value(0)
		}
		return p
	}
	vouched, goalShaped := 0, 0
	for range 5000 {
		p, q := gen(), gen()
		ready := *p
		ready.Inputs = yamlReady(p.Inputs).(map[string]any)
		data, err := yaml.Marshal(&ready)
		if err != nil {
			continue
		}
		if checkProposalIsYAML(t, data, p) {
			vouched++
		}
		if pre, _ := p.Inputs["prerequisite"].(map[string]any); pre["type"] == "fix" {
			if _, isMap := pre["payload"].(map[string]any); isMap && len(pre) == 2 {
				goalShaped++
				if !ProposalIsYAML(data, p) {
					t.Fatalf("ProposalIsYAML does not vouch for the goal action writ writes:\n%s", data)
				}
			}
		}
		checkProposalIsYAML(t, data, q)
		// Inputs that differ only in a number's type or a string's quotes.
		if flipped, ok := looseProposal(bytes.Replace(data, []byte(`"`), nil, -1)); ok {
			checkProposalIsYAML(t, data, flipped)
		}
	}
	if goalShaped == 0 || vouched <= goalShaped {
		t.Fatalf("ProposalIsYAML vouched for %d renderings, %d of them declare-block shaped: too few", vouched, goalShaped)
	}
}

// FuzzProposalIsYAMLInputs checks that ProposalIsYAML never vouches for
// bytes that do not load as the proposal given, for proposals as data
// itself and as other say them (read without the schema), so nested
// inputs, numbers and quoting are compared with the full loader on the
// same bytes.
func FuzzProposalIsYAMLInputs(f *testing.F) {
	declare := []byte(declareYAML)
	f.Add(declare, declare)
	f.Add(declare, bytes.Replace(declare, []byte("5216"), []byte(`"5216"`), 1))
	f.Add([]byte(head+"inputs:\n    prerequisite:\n        members:\n            - type: m\n            - payload:\n                k: 1\n              type: fix\n        type: fix\n    task: "+goalTask+"\n"),
		[]byte(head+"inputs:\n    prerequisite:\n        members: [{type: m}, {payload: {k: \"1\"}, type: fix}]\n        type: fix\n    task: "+goalTask+"\n"))
	f.Add([]byte(head+"inputs:\n    l:\n        - a\n        - \"yes\"\n        - 3\n        - true\n    m: {}\n    e: []\n"),
		[]byte(head+"inputs:\n    l:\n        - a\n        - yes\n        - \"3\"\n        - \"true\"\n    m: {}\n    e: []\n"))
	f.Fuzz(func(t *testing.T, data, other []byte) {
		if len(data) > MaxFileSize || len(other) > MaxFileSize {
			return
		}
		if p, ok := looseProposal(data); ok {
			checkProposalIsYAML(t, data, p)
		}
		if q, ok := looseProposal(other); ok {
			checkProposalIsYAML(t, data, q)
		}
	})
}

// BenchmarkProposalCheckDeclareBlock times the check replay makes of a
// declare-block's proposal file, fast and full.
func BenchmarkProposalCheckDeclareBlock(b *testing.B) {
	p := simpleProposal()
	p.Inputs = declareInputs(json.Number("5216"))
	data := []byte(declareYAML)
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
