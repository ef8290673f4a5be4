package reconciler

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestProposeKeepsNumbersNumbers: a proposal read from a file holds its
// numbers as json.Number (schemas.LoadProposal); the file writ writes on
// the branch keeps them numbers, so what the proposer asked for, what
// approvers see and what the entry records is the same value of the same
// type, not its text quoted as a string.
func TestProposeKeepsNumbersNumbers(t *testing.T) {
	e, _ := newRepo(t)
	inputs := map[string]any{
		"replicas": json.Number("5"),
		"ratio":    json.Number("1.5"),
		"big":      json.Number("12345678901234567890"),
		"small":    json.Number("-3e-7"),
		"nested":   map[string]any{"n": json.Number("7"), "s": "8"},
		"list":     []any{json.Number("1"), "2", true},
	}
	got, err := e.Propose(ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
		Instance: "web-9", Workflow: "release", Transition: "create", Owner: "web", Inputs: inputs}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.Store.ReadFile(got.Commit, got.Path)
	if err != nil {
		t.Fatal(err)
	}
	p, problems := schemas.LoadProposal(got.Path, raw)
	if len(problems) > 0 {
		t.Fatalf("the written file does not load: %v\n%s", problems, raw)
	}
	want, _ := schemas.LoadProposal("want.yaml", mustYAMLOf(t, inputs))
	if !reflect.DeepEqual(p.Inputs, want.Inputs) {
		t.Fatalf("inputs read back as %#v, want %#v; the file:\n%s", p.Inputs, want.Inputs, raw)
	}
}

// mustYAMLOf is a proposal file holding inputs as a person writes them.
func mustYAMLOf(t *testing.T, inputs map[string]any) []byte {
	t.Helper()
	return []byte(`instance: web-9
workflow: release
transition: create
base_state: none
idem_key: k-x
owner: web
inputs:
  replicas: 5
  ratio: 1.5
  big: 12345678901234567890
  small: -3e-7
  nested: {n: 7, s: "8"}
  list: [1, "2", true]
`)
}
