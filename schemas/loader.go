package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// MaxFileSize is the largest control-repo file the loader reads.
const MaxFileSize = 1 << 20

// Decode loads one file of kind k. It parses data as a single YAML
// document, converts it to JSON values, validates that against the kind's
// JSON Schema and, only when all of that succeeds, decodes it into out,
// which must point to the kind's Go type (*Config, *Workflow, *Policy,
// *Goal or *Proposal). Numbers inside free-form values (proposal inputs, condition
// values) decode as json.Number.
//
// It returns where every key and value was written, for checks that run
// later, and every problem found, sorted. It never panics on any input and
// is safe for concurrent use. Decode runs no semantic checks; the LoadX
// functions do.
func Decode(k Kind, file string, data []byte, out any) (pos *Positions, problems Problems) {
	pos = newPositions(file)
	defer func() {
		if r := recover(); r != nil {
			problems = Problems{fileProblem(file, "internal error while loading: %v", r)}
		}
	}()
	set, err := compiledSchemas()
	if err != nil {
		return pos, Problems{fileProblem(file, "internal error: %v", err)}
	}
	sch := set.compiled[k]
	if sch == nil {
		return pos, Problems{fileProblem(file, "unknown kind %q", k)}
	}
	root, ps := parseYAML(file, data)
	if len(ps) > 0 {
		return pos, finish(ps)
	}
	c := &converter{pos: pos}
	value := c.value(root, nil, nil, 0)
	if len(c.problems) > 0 {
		return pos, finish(c.problems)
	}
	if err := sch.Validate(value); err != nil {
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			return pos, Problems{fileProblem(file, "validating: %v", err)}
		}
		return pos, finish(set.schemaProblems(pos, value, verr))
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return pos, Problems{fileProblem(file, "internal error: %v", err)}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		// The schema should have caught this; say where anyway.
		return pos, Problems{pos.Problemf(nil, "cannot decode: %v", err)}
	}
	return pos, nil
}

// parseYAML checks that data is one non-empty, well-formed UTF-8 YAML
// document and returns its root node.
func parseYAML(file string, data []byte) (*yaml.Node, Problems) {
	if len(data) > MaxFileSize {
		return nil, Problems{tooLarge(file, int64(len(data)))}
	}
	if p, bad := checkText(file, data); bad {
		return nil, Problems{p}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Problems{fileProblem(file, "file is empty")}
		}
		return nil, Problems{syntaxProblem(file, data, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, Problems{{File: file, Line: max(next.Line, 1), Column: max(next.Column, 1), Field: FieldFile,
			Message: "a second YAML document starts here; a writ file holds exactly one"}}
	case !errors.Is(err, io.EOF):
		return nil, Problems{syntaxProblem(file, data, err)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, Problems{fileProblem(file, "file is empty")}
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, Problems{{File: file, Line: root.Line, Column: root.Column, Field: FieldRoot,
			Message: "document is empty"}}
	}
	return root, nil
}

// tooLarge is the problem with a file of size bytes, over MaxFileSize: it
// names the file, the size and the limit (a size of -1: more than the
// limit, exact size unknown).
func tooLarge(file string, size int64) Problem {
	if size < 0 {
		return fileProblem(file, "file is larger than the limit of %d bytes", MaxFileSize)
	}
	return fileProblem(file, "file is %d bytes; the limit is %d bytes", size, MaxFileSize)
}

// checkText refuses bytes that are not UTF-8, and control characters YAML
// forbids, naming the line and column of the first offender.
func checkText(file string, data []byte) (Problem, bool) {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return Problem{File: file, Line: line, Column: col, Field: FieldFile,
				Message: fmt.Sprintf("file is not valid UTF-8 (byte 0x%02x at offset %d)", data[i], i)}, true
		case r == '\n':
			line, col = line+1, 0
		case r == '\t' || r == '\r' || r == 0x85 || r == 0xFEFF:
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0xFFFE || r == 0xFFFF:
			return Problem{File: file, Line: line, Column: col, Field: FieldFile,
				Message: fmt.Sprintf("control character %U is not allowed in YAML", r)}, true
		}
		i += size
		col++
	}
	return Problem{}, false
}

var (
	yamlLineRE      = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// parserErrors are yaml.v3's parser (not scanner) problems. For these it
// prints a 0-based line: that of the enclosing block when the block does
// not start on the first line, else that of the problem. contextual marks
// those whose line is the enclosing block's.
var parserErrors = map[string]struct{ contextual bool }{
	"did not find expected <stream-start>":   {},
	"did not find expected <document start>": {},
	"found duplicate %YAML directive":        {},
	"found incompatible YAML document":       {},
	"found duplicate %TAG directive":         {},
	"found undefined tag handle":             {true},
	"did not find expected node content":     {true},
	"did not find expected '-' indicator":    {true},
	"did not find expected key":              {true},
	"did not find expected ',' or ']'":       {true},
	"did not find expected ',' or '}'":       {true},
}

// syntaxProblem positions a YAML syntax error. yaml.v3 reports a line for
// most errors ("yaml: line 3: ..."), 1-based for scanner errors and
// 0-based for parser errors; for an unknown anchor it reports none, so the
// alias is searched for in the text.
func syntaxProblem(file string, data []byte, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if pe, ok := parserErrors[msg]; ok {
		line++
		if pe.contextual {
			msg += " (in the block that starts on this line)"
		}
	}
	if line > 0 {
		// An error at the end of the input may name the line after the last.
		lines := bytes.Count(data, []byte("\n"))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			lines++
		}
		return Problem{File: file, Line: max(min(line, lines), 1), Column: 1, Field: FieldFile, Message: "invalid YAML: " + msg}
	}
	if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line := bytes.Count(data[:i], []byte("\n")) + 1
			col := utf8.RuneCount(data[bytes.LastIndexByte(data[:i], '\n')+1:i]) + 1
			return Problem{File: file, Line: line, Column: col, Field: FieldFile,
				Message: fmt.Sprintf("invalid YAML: alias *%s names no anchor", m[1])}
		}
	}
	return fileProblem(file, "invalid YAML: %s", msg)
}

// LoadConfig loads writ.yaml and runs the checks that need only it (roles
// and identities are unique, roles are declared, the reconciler identity
// exists, SSH signers parse and are not shared). The governance policy is
// checked by LoadBundle. The config is nil when there is any problem.
func LoadConfig(file string, data []byte) (*Config, Problems) {
	var c Config
	pos, ps := Decode(KindConfig, file, data, &c)
	if len(ps) > 0 {
		return nil, ps
	}
	if ps := checkConfig(&c, pos); len(ps) > 0 {
		return nil, finish(ps)
	}
	return &c, nil
}

// LoadWorkflow loads one workflow and checks it on its own: unique and
// known states, regions and transitions, reachability, terminal states,
// joins and reserved names. Policy references are checked by LoadBundle.
// The workflow is nil when there is any problem.
func LoadWorkflow(file string, data []byte) (*Workflow, Problems) {
	var w Workflow
	pos, ps := Decode(KindWorkflow, file, data, &w)
	if len(ps) > 0 {
		return nil, ps
	}
	if ps := checkWorkflow(&w, pos); len(ps) > 0 {
		return nil, finish(ps)
	}
	return &w, nil
}

// LoadPolicy loads one policy and checks it on its own: unique rule names,
// a require tree naming only its rules, valid patterns. Roles and
// identities are checked against writ.yaml by LoadBundle. The policy is nil
// when there is any problem.
func LoadPolicy(file string, data []byte) (*Policy, Problems) {
	var p Policy
	pos, ps := Decode(KindPolicy, file, data, &p)
	if len(ps) > 0 {
		return nil, ps
	}
	if ps := checkPolicy(&p, pos); len(ps) > 0 {
		return nil, finish(ps)
	}
	return &p, nil
}

// LoadProposal loads one proposal. It runs no checks against workflows;
// use CheckProposal (or ValidateRepo) for that, with the positions from
// Decode to keep line numbers. The proposal is nil when there is any
// problem.
func LoadProposal(file string, data []byte) (*Proposal, Problems) {
	var p Proposal
	if _, ps := Decode(KindProposal, file, data, &p); len(ps) > 0 {
		return nil, ps
	}
	return &p, nil
}
