package schemas

import (
	"encoding/json"
	"strings"

	"gopkg.in/yaml.v3"
)

// YAMLNumbers returns a copy of v for yaml.v3 to encode, with every
// json.Number in it (at any depth of maps and lists) written as a YAML
// number instead of the quoted string yaml.v3 makes of a json.Number (a
// string type). So a proposal loaded from a file (LoadProposal reads
// numbers as json.Number) and written again keeps its numbers numbers.
// Maps and lists are copied, never changed in place; other values are
// returned as they are.
func YAMLNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(x), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(x)}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = YAMLNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = YAMLNumbers(e)
		}
		return out
	}
	return v
}
