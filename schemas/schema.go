package schemas

import (
	"bytes"
	"embed"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed config.schema.json workflow.schema.json policy.schema.json proposal.schema.json goal.schema.json
var schemaFS embed.FS

// schemaFile names the embedded JSON Schema of each kind.
var schemaFile = map[Kind]string{
	KindConfig:   "config.schema.json",
	KindWorkflow: "workflow.schema.json",
	KindPolicy:   "policy.schema.json",
	KindProposal: "proposal.schema.json",
	KindGoal:     "goal.schema.json",
}

// schemaBase is the prefix of every schema's $id.
const schemaBase = "https://writ.dev/schemas/"

// Schema returns the JSON Schema (draft 2020-12) of a kind, as embedded in
// the binary, for editors and for `writ init`. ok is false for an unknown
// kind.
func Schema(k Kind) (doc []byte, ok bool) {
	name, ok := schemaFile[k]
	if !ok {
		return nil, false
	}
	b, err := schemaFS.ReadFile(name)
	return b, err == nil
}

// schemaSet is every compiled schema plus the raw documents, which error
// messages consult for hints (allowed field names, x-hint, x-exactly-one-of).
type schemaSet struct {
	compiled map[Kind]*jsonschema.Schema
	raw      map[string]any // by $id
}

// compiledSchemas compiles the embedded schemas once, on first use; it is
// safe for concurrent use. Validation with a compiled schema is read-only.
var compiledSchemas = sync.OnceValues(func() (*schemaSet, error) {
	set := &schemaSet{compiled: map[Kind]*jsonschema.Schema{}, raw: map[string]any{}}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	for _, name := range schemaFile {
		b, err := schemaFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		set.raw[schemaBase+name] = doc
		if err := c.AddResource(schemaBase+name, doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
	}
	for k, name := range schemaFile {
		sch, err := c.Compile(schemaBase + name)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		set.compiled[k] = sch
	}
	return set, nil
})

// rawAt returns the raw schema object at an absolute schema location such
// as "https://writ.dev/schemas/policy.schema.json#/$defs/rule", or nil.
func (s *schemaSet) rawAt(location string) map[string]any {
	base, frag, _ := strings.Cut(location, "#")
	var v any = s.raw[base]
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch cur := v.(type) {
		case map[string]any:
			v = cur[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur) {
				return nil
			}
			v = cur[i]
		default:
			return nil
		}
	}
	m, _ := v.(map[string]any)
	return m
}
