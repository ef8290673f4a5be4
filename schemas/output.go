package schemas

import (
	"embed"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// outputFS holds the JSON Schema of every command's --json output, one
// file per command: output/<command>.schema.json.
//
//go:embed output/*.schema.json
var outputFS embed.FS

// OutputSchemaPrefix is what names an output schema among the kinds
// `writ schema` prints: "output/<command>".
const OutputSchemaPrefix = "output/"

// OutputSchema returns the JSON Schema (draft 2020-12) of `writ COMMAND
// --json`'s output, as embedded in the binary; ok is false when the
// command has none.
func OutputSchema(command string) (doc []byte, ok bool) {
	if command == "" || strings.ContainsAny(command, "/.") {
		return nil, false
	}
	b, err := outputFS.ReadFile(OutputSchemaPrefix + command + ".schema.json")
	return b, err == nil
}

// OutputSchemas lists, sorted, the commands that have an output schema.
func OutputSchemas() []string {
	matches, _ := fs.Glob(outputFS, OutputSchemaPrefix+"*.schema.json")
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		out = append(out, strings.TrimSuffix(path.Base(m), ".schema.json"))
	}
	slices.Sort(out)
	return out
}

// SchemaDoc returns the embedded schema a `writ schema` name names: an
// input kind (config, workflow, policy, proposal, goal) or output/<command>.
func SchemaDoc(name string) (doc []byte, ok bool) {
	if cmd, found := strings.CutPrefix(name, OutputSchemaPrefix); found {
		return OutputSchema(cmd)
	}
	return Schema(Kind(name))
}

// SchemaNames lists every name SchemaDoc knows, input kinds first.
func SchemaNames() []string {
	names := []string{string(KindConfig), string(KindWorkflow), string(KindPolicy), string(KindProposal), string(KindGoal)}
	for _, c := range OutputSchemas() {
		names = append(names, OutputSchemaPrefix+c)
	}
	return names
}
