package schemas

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestDecodeProblems(t *testing.T) {
	const wf = "workflows/w.yaml"
	tests := []struct {
		name string
		kind Kind
		data string
		want want
	}{
		{"syntax error", KindWorkflow, "name: w\nstates:\n  - name: a\n   to: b\n",
			want{wf, 3, 1, FieldFile, "invalid YAML: did not find expected '-' indicator (in the block that starts on this line)"}},
		{"scanner error", KindWorkflow, "name: w\nstates:\n  - name: a\n    to: b: c\n",
			want{wf, 4, 1, FieldFile, "invalid YAML: mapping values are not allowed in this context"}},
		{"parser error on first line", KindWorkflow, "[a, b\n",
			want{wf, 1, 1, FieldFile, "invalid YAML: did not find expected ',' or ']'"}},
		{"unknown anchor", KindWorkflow, "name: w\nstates: *nope\n",
			want{wf, 2, 9, FieldFile, "alias *nope names no anchor"}},
		{"empty file", KindWorkflow, "", want{wf, 0, 0, FieldFile, "file is empty"}},
		{"only comments", KindWorkflow, "# hello\n\n", want{wf, 0, 0, FieldFile, "file is empty"}},
		{"null document", KindWorkflow, "---\n~\n", want{wf, 2, 1, FieldRoot, "document is empty"}},
		{"two documents", KindWorkflow, "name: w\n---\nname: v\n",
			want{wf, 2, 1, FieldFile, "a second YAML document"}},
		{"not utf-8", KindWorkflow, "name: w\ndescription: \"ok\"\n  # caf\xc3\x28\n",
			want{wf, 3, 8, FieldFile, "not valid UTF-8 (byte 0xc3"}},
		{"control character", KindWorkflow, "name: w\x00\n", want{wf, 1, 8, FieldFile, "control character U+0000"}},
		{"too large", KindWorkflow, strings.Repeat("#", MaxFileSize+1), want{wf, 0, 0, FieldFile, "the limit is"}},
		{"root is a list", KindWorkflow, "- a\n", want{wf, 1, 1, FieldRoot, "expected mapping, got list"}},
		{"wrong type", KindPolicy, "name: p\nrules:\n  - name: r\n    count: two\n",
			want{wf, 4, 12, "rules[0].count", "expected integer, got string"}},
		{"float count", KindPolicy, "name: p\nrules:\n  - name: r\n    count: 1.5\n",
			want{wf, 4, 12, "rules[0].count", "expected integer, got number"}},
		{"count below one", KindPolicy, "name: p\nrules:\n  - name: r\n    count: 0\n",
			want{wf, 4, 12, "rules[0].count", "must be at least 1, got 0"}},
		{"unknown key", KindWorkflow, "name: w\nstates: [{name: a}]\ntrnasitions: []\n",
			want{wf, 3, 1, "trnasitions", `unknown field "trnasitions" (did you mean "transitions"?)`}},
		{"unknown nested key", KindWorkflow, "name: w\nstates:\n  - name: a\n    colour: red\ntransitions: [{name: t, to: a}]\n",
			want{wf, 4, 5, "states[0].colour", `unknown field "colour" (allowed: name, regions, terminal)`}},
		{"missing required", KindWorkflow, "name: w\nstates: [{name: a}]\ntransitions:\n  - name: t\n",
			want{wf, 4, 5, "transitions[0]", `missing required field "to"`}},
		{"misspelled enum", KindWorkflow, "name: w\nstates: [{name: a}]\ntransitions:\n  - {name: t, to: a, materiality: hihg}\n",
			want{wf, 4, 35, "transitions[0].materiality", `invalid value "hihg" (allowed: low, medium, high)`}},
		{"bad name", KindWorkflow, "name: My Flow\nstates: [{name: a}]\ntransitions: [{name: t, to: a}]\n",
			want{wf, 1, 7, "name", "lowercase letters"}},
		{"empty list", KindWorkflow, "name: w\nstates: []\ntransitions: [{name: t, to: a}]\n",
			want{wf, 2, 9, "states", "at least one item"}},
		{"condition with two tests", KindWorkflow, "name: w\nstates: [{name: a}]\ntransitions:\n  - name: t\n    to: a\n    guards:\n      - {input: x, equals: 1, exists: true}\n",
			want{wf, 7, 9, "transitions[0].guards[0]", "set exactly one of equals, in, matches, exists (found equals and exists)"}},
		{"condition with no test", KindWorkflow, "name: w\nstates: [{name: a}]\ntransitions:\n  - name: t\n    to: a\n    guards:\n      - input: x\n",
			want{wf, 7, 9, "transitions[0].guards[0]", "set exactly one of equals, in, matches, exists"}},
		{"condition without input", KindWorkflow, "name: w\nstates: [{name: a}]\ntransitions:\n  - name: t\n    to: a\n    guards:\n      - exists: true\n",
			want{wf, 7, 9, "transitions[0].guards[0]", `missing required field "input"`}},
		{"requirement of wrong type", KindPolicy, "name: p\nrules: [{name: r, count: 1}]\nrequire: 3\n",
			want{wf, 3, 10, "require", "expected string or mapping, got integer"}},
		{"requirement empty", KindPolicy, "name: p\nrules: [{name: r, count: 1}]\nrequire: {}\n",
			want{wf, 3, 10, "require", "set exactly one of rule, all, any"}},
		{"requirement nested unknown key", KindPolicy, "name: p\nrules: [{name: r, count: 1}]\nrequire:\n  all:\n    - r\n    - {anny: [r]}\n",
			want{wf, 6, 8, "require.all[1].anny", `unknown field "anny" (did you mean "any"?)`}},
		{"version const", KindConfig, "version: 2\n", want{wf, 1, 10, "version", "must be 1, got 2"}},
		{"base state", KindProposal, "instance: i\nworkflow: w\ntransition: t\nbase_state: sha256:ABC\nidem_key: k\n",
			want{wf, 4, 13, "base_state", "either 'none' or 'sha256:'"}},
		{"duplicate key", KindWorkflow, "name: w\nname: v\n", want{wf, 2, 1, "name", `duplicate key "name" (first at line 1)`}},
		{"non-string key", KindProposal, "inputs:\n  1: one\n", want{wf, 2, 3, "inputs", "mapping keys must be strings"}},
		{"alias", KindWorkflow, "name: &n w\ndescription: *n\n", want{wf, 1, 7, "name", "anchors (&n) are not supported"}},
		{"merge key", KindWorkflow, "name: w\nstates:\n  - <<: {name: a}\n", want{wf, 3, 5, "states[0]", "merge keys (<<)"}},
		{"custom tag", KindWorkflow, "name: !secret w\n", want{wf, 1, 7, "name", "unsupported YAML tag !secret"}},
		{"infinity", KindProposal, "inputs: {x: .inf}\n", want{wf, 1, 13, `inputs.x`, "cannot be represented in JSON"}},
		{"too deep", KindProposal, "inputs: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n",
			want{wf, 1, 0, "inputs" + strings.Repeat("[0]", MaxDepth), "nested more than 64 levels"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out any
			switch tt.kind {
			case KindConfig:
				out = new(Config)
			case KindWorkflow:
				out = new(Workflow)
			case KindPolicy:
				out = new(Policy)
			case KindProposal:
				out = new(Proposal)
			}
			_, ps := Decode(tt.kind, wf, []byte(tt.data), out)
			checkInvariants(t, ps)
			expectProblem(t, ps, tt.want)
		})
	}
}

func TestProblemString(t *testing.T) {
	p := Problem{File: "workflows/release.yaml", Line: 12, Column: 9, Field: "transitions[2].to", Message: `unknown state "x"`}
	if got, want := p.String(), `workflows/release.yaml:12:9: transitions[2].to: unknown state "x"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if (Problems(nil)).Err() != nil {
		t.Error("no problems must be a nil error")
	}
	ps := Problems{{File: "b", Line: 1}, {File: "a", Line: 2}, {File: "a", Line: 1, Column: 3}, {File: "a", Line: 1, Column: 3}}.Sort()
	if len(ps) != 3 || ps[0].File != "a" || ps[0].Line != 1 || ps[1].Line != 2 || ps[2].File != "b" {
		t.Errorf("bad sort: %v", ps)
	}
}

func TestPathField(t *testing.T) {
	tests := []struct {
		path Path
		want string
	}{
		{nil, FieldRoot},
		{At("transitions", 2, "to"), "transitions[2].to"},
		{At("inputs", "build.id"), `inputs["build.id"]`},
		{At(0, "name"), "[0].name"},
	}
	for _, tt := range tests {
		if got := tt.path.Field(); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestDecodeValues(t *testing.T) {
	data := `instance: i-1
workflow: w
transition: t
base_state: none
idem_key: k
inputs:
  count: 3
  ratio: 1.0
  hex: 0x10
  big: 2.5e3
  when: 2026-11-23
  flag: true
  none: ~
  list: [a, 1]
  nested: {x: {y: z}}
`
	p, ps := LoadProposal("proposals/i-1/p.yaml", []byte(data))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	want := map[string]any{
		"count": json.Number("3"), "ratio": json.Number("1"), "hex": json.Number("16"),
		"big": json.Number("2500"), "when": "2026-11-23", "flag": true, "none": nil,
		"list":   []any{"a", json.Number("1")},
		"nested": map[string]any{"x": map[string]any{"y": "z"}},
	}
	if !reflect.DeepEqual(p.Inputs, want) {
		t.Errorf("inputs:\n got %#v\nwant %#v", p.Inputs, want)
	}
	if _, err := CanonicalJSON(p); err != nil {
		t.Error(err)
	}
}

func TestRequirementShorthand(t *testing.T) {
	data := "name: p\nrules: [{name: a, count: 1}, {name: b, count: 1}, {name: c, count: 1}]\nrequire:\n  any:\n    - a\n    - all: [b, {rule: c}]\n"
	p, ps := LoadPolicy("policies/p.yaml", []byte(data))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	want := &Requirement{Any: []Requirement{{Rule: "a"}, {All: []Requirement{{Rule: "b"}, {Rule: "c"}}}}}
	if !reflect.DeepEqual(p.Require, want) {
		t.Errorf("got %#v", p.Require)
	}
	if got := p.Require.Rules(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("Rules() = %v", got)
	}
	// JSON round trip keeps the tree.
	b, err := json.Marshal(p.Require)
	if err != nil {
		t.Fatal(err)
	}
	var back Requirement
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, want) {
		t.Errorf("round trip: %v %#v", err, back)
	}
}

func TestSchemasCompileAndShareDefinitions(t *testing.T) {
	if _, err := compiledSchemas(); err != nil {
		t.Fatal(err)
	}
	defs := map[Kind]map[string]any{}
	for _, k := range []Kind{KindConfig, KindWorkflow, KindPolicy, KindProposal, KindGoal} {
		b, ok := Schema(k)
		if !ok {
			t.Fatalf("no schema for %s", k)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		defs[k], _ = doc["$defs"].(map[string]any)
	}
	if _, ok := Schema("nope"); ok {
		t.Error("Schema accepted an unknown kind")
	}
	// Definitions copied between schemas must not drift apart.
	for _, name := range []string{"name"} {
		for _, k := range []Kind{KindWorkflow, KindPolicy, KindProposal, KindGoal} {
			if !reflect.DeepEqual(defs[KindConfig][name], defs[k][name]) {
				t.Errorf("$defs/%s differs between config and %s", name, k)
			}
		}
	}
	for _, name := range []string{"condition", "materiality"} {
		if !reflect.DeepEqual(defs[KindWorkflow][name], defs[KindPolicy][name]) {
			t.Errorf("$defs/%s differs between workflow and policy", name)
		}
	}
}

func TestDecodeConcurrent(t *testing.T) {
	data := []byte(miniRepo["workflows/deploy.yaml"])
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, ps := LoadWorkflow("workflows/deploy.yaml", data); len(ps) > 0 {
				t.Error(ps)
			}
		})
	}
	wg.Wait()
}

func TestProblemsCappedPerFile(t *testing.T) {
	data := "name: w\nstates:\n" + strings.Repeat("  - name: s\n", 150) + "transitions: [{name: t, to: s}]\n"
	_, ps := LoadWorkflow(wfFile, []byte(data))
	if len(ps) != MaxProblemsPerFile+1 {
		t.Fatalf("got %d problems, want %d", len(ps), MaxProblemsPerFile+1)
	}
	expectProblem(t, ps, want{wfFile, 0, 0, FieldFile, "49 more problems not shown"})
}
