package goalview_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
	"github.com/writ-dev/writ/schemas"
)

// validate checks v's JSON against schemas/output/<command>.schema.json.
func validate(t *testing.T, command string, v any) map[string]any {
	t.Helper()
	doc, ok := schemas.OutputSchema(command)
	if !ok {
		t.Fatalf("no output schema for %s", command)
	}
	sch, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	url := "https://writ.dev/schemas/output/" + command + ".schema.json"
	if err := c.AddResource(url, sch); err != nil {
		t.Fatal(err)
	}
	compiled, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := compiled.Validate(inst); err != nil {
		t.Fatalf("%s JSON does not match its schema: %v\n%s", command, err, raw)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

// TestJSONMatchesTheOutputSchemas: the --json forms of goals and scan,
// of the sample, of a lineage with nil lists and of nothing, follow
// their schemas, and every list is an array, never null.
func TestJSONMatchesTheOutputSchemas(t *testing.T) {
	bare := core.LineageView{ID: "rel-9", Goal: "release", StartedBy: "alice", Terminal: sample(t).Terminal, Hash: hash("rel-9"),
		Blocks: []core.BlockView{{ID: hash("b"), Blocked: sample(t).Terminal, Prerequisite: sample(t).Terminal, Status: core.BlockClaimed}}}
	for _, views := range [][]core.LineageView{nil, {sample(t)}, {bare}} {
		m := validate(t, "goals", goalview.ToGoalsJSON(views))
		if l, ok := m["lineages"].([]any); !ok || len(l) != len(views) {
			t.Errorf("lineages: %v", m)
		}
		f := goalview.Scan(views, goals, hlc(10_000))
		validate(t, "scan", goalview.ToScanJSON(hlc(10_000), f))
	}
	raw, _ := json.Marshal(goalview.ToGoalsJSON([]core.LineageView{bare}))
	if strings.Contains(string(raw), "null") {
		t.Errorf("a nil list is written as null: %s", raw)
	}
	if bare.Tasks != nil || bare.Blocks[0].DeclaredBy != nil {
		t.Error("ToGoalsJSON changed its argument")
	}
	m := validate(t, "scan", goalview.ToScanJSON(hlc(10_000), goalview.Scan([]core.LineageView{sample(t)}, goals, hlc(10_000))))
	if f, _ := m["findings"].([]any); len(f) != 1 || f[0].(map[string]any)["kind"] != "stall" {
		t.Errorf("scan JSON: %v", m)
	}
}
