package schemas

import (
	"bytes"
	"path"
	"strings"
)

// SchemaRepoURL is where the embedded schemas are published: the raw files
// of writ's repository. The embedded file schemas/<kind>.schema.json is the
// file at that path of the release the binary was built from.
const SchemaRepoURL = "https://raw.githubusercontent.com/writ-dev/writ/"

// ModelinePrefix starts the comment line that tells editors using the YAML
// language server which JSON Schema a file follows.
const ModelinePrefix = "# yaml-language-server: $schema="

// SchemaURL is the URL of kind's schema in writ's repository at ref (a
// release tag such as v1.2.0; "" means main).
func SchemaURL(k Kind, ref string) string {
	if ref == "" {
		ref = "main"
	}
	return SchemaRepoURL + ref + "/schemas/" + schemaFile[k]
}

// Modeline is the line (with its newline) that points editors at kind's
// schema at ref.
func Modeline(k Kind, ref string) string {
	return ModelinePrefix + SchemaURL(k, ref) + "\n"
}

// KindOfPath is the kind of the control-repo file at the slash-separated
// path p: writ.yaml, workflows/*.yaml, policies/*.yaml, goals/*.yaml and
// proposals/<instance>/*.yaml and proposals/<lineage>/<shard>/*.yaml (.yml too); ok is false for any other file.
func KindOfPath(p string) (Kind, bool) {
	ext := path.Ext(p)
	if ext != ".yaml" && ext != ".yml" {
		return "", false
	}
	dir, _, _ := strings.Cut(p, "/")
	switch {
	case p == ConfigFile:
		return KindConfig, true
	case dir == WorkflowsDir && path.Dir(p) == WorkflowsDir:
		return KindWorkflow, true
	case dir == PoliciesDir && path.Dir(p) == PoliciesDir:
		return KindPolicy, true
	case dir == GoalsDir && path.Dir(p) == GoalsDir:
		return KindGoal, true
	case dir == ProposalsDir && (strings.Count(p, "/") == 2 || strings.Count(p, "/") == 3): // flat or a goal action's shard
		return KindProposal, true
	}
	return "", false
}

// WithModeline returns data with the modeline for the file at path p
// (see KindOfPath) as its first line, at ref. data already holding a
// yaml-language-server line, and files of no known kind, are returned
// unchanged. The line is a YAML comment: what the file means is unchanged.
func WithModeline(p string, data []byte, ref string) []byte {
	k, ok := KindOfPath(p)
	if !ok || hasModeline(data) {
		return data
	}
	return append([]byte(Modeline(k, ref)), data...)
}

// hasModeline reports whether data holds a yaml-language-server line.
func hasModeline(data []byte) bool {
	return bytes.HasPrefix(data, []byte("# yaml-language-server:")) || bytes.Contains(data, []byte("\n# yaml-language-server:"))
}

// LeadingModeline returns data's first line, newline included, when it is
// a modeline as Modeline writes it; "" otherwise.
func LeadingModeline(data []byte) string {
	rest, ok := cutModeline(data)
	if !ok {
		return ""
	}
	return string(data[:len(data)-len(rest)])
}

// cutModeline splits a leading modeline off data: the line is one of
// printable ASCII without spaces after the prefix, as Modeline writes it.
func cutModeline(data []byte) (rest []byte, ok bool) {
	if !bytes.HasPrefix(data, []byte(ModelinePrefix)) {
		return data, false
	}
	end := bytes.IndexByte(data, '\n')
	if end < 0 {
		return data, false
	}
	for _, c := range data[len(ModelinePrefix):end] {
		if c <= ' ' || c > '~' {
			return data, false
		}
	}
	return data[end+1:], true
}
