package githubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/santhosh-tekuri/jsonschema/v6"

	ghfixtures "github.com/writ-dev/writ/fixtures/github"
)

// Operation is one REST operation as GitHub's OpenAPI description gives
// it (fixtures/github/openapi/operations.json, from @octokit/openapi): the
// success status, the response JSON Schema and GitHub's example response,
// which the fake uses as the template of every object it returns.
type Operation struct {
	ID      string
	Method  string          `json:"method"`
	Path    string          `json:"path"`
	Status  int             `json:"status"`
	Schema  json.RawMessage `json:"schema"`
	Example json.RawMessage `json:"example"`

	compiled *jsonschema.Schema
}

// Validate checks a response body against the operation's schema: every
// required property present, every property of the documented type.
func (op *Operation) Validate(body []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: response is not JSON: %w", op.ID, err)
	}
	if err := op.compiled.Validate(inst); err != nil {
		return fmt.Errorf("%s: response does not match GitHub's schema: %w", op.ID, err)
	}
	return nil
}

// example returns a fresh copy of the example response, decoded.
func (op *Operation) example() any {
	var v any
	if err := json.Unmarshal(op.Example, &v); err != nil {
		panic(fmt.Sprintf("githubtest: example of %s: %v", op.ID, err))
	}
	return v
}

// item returns a fresh copy of the example's first element (for list
// operations) or of the example object itself.
func (op *Operation) item() map[string]any {
	switch v := op.example().(type) {
	case []any:
		return v[0].(map[string]any)
	case map[string]any:
		if runs, ok := v["check_runs"].([]any); ok {
			return runs[0].(map[string]any)
		}
		return v
	}
	panic("githubtest: example of " + op.ID + " is neither an object nor a list")
}

// Operations loads and compiles every operation of the fixture, keyed by
// operationId.
func Operations() (map[string]*Operation, error) {
	var doc struct {
		Source     string                `json:"source"`
		Operations map[string]*Operation `json:"operations"`
	}
	if err := json.Unmarshal(ghfixtures.Operations(), &doc); err != nil {
		return nil, fmt.Errorf("operations.json: %w", err)
	}
	ids := make([]string, 0, len(doc.Operations))
	for id := range doc.Operations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		op := doc.Operations[id]
		op.ID = id
		schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(op.Schema))
		if err != nil {
			return nil, fmt.Errorf("operations.json %s: schema: %w", id, err)
		}
		c := jsonschema.NewCompiler()
		loc := "https://writ.invalid/openapi/" + id + ".json"
		if err := c.AddResource(loc, schema); err != nil {
			return nil, fmt.Errorf("operations.json %s: %w", id, err)
		}
		if op.compiled, err = c.Compile(loc); err != nil {
			return nil, fmt.Errorf("operations.json %s: compile: %w", id, err)
		}
	}
	return doc.Operations, nil
}
