package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/writ-dev/writ/schemas"
)

// validateOutput checks that out, the stdout of `writ COMMAND --json`, is
// one JSON document valid against the command's embedded output schema
// (schemas/output/COMMAND.schema.json), and returns it decoded.
func validateOutput(t testing.TB, command, out string) any {
	t.Helper()
	doc, ok := schemas.OutputSchema(command)
	if !ok {
		t.Fatalf("no output schema for %s: add schemas/output/%s.schema.json", command, command)
	}
	sch, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("output schema of %s: %v", command, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	url := "https://writ.dev/schemas/output/" + command + ".schema.json"
	if err := c.AddResource(url, sch); err != nil {
		t.Fatal(err)
	}
	compiled, err := c.Compile(url)
	if err != nil {
		t.Fatalf("output schema of %s: %v", command, err)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("writ %s --json: not JSON: %v\n%s", command, err, out)
	}
	if dec.More() {
		t.Fatalf("writ %s --json: more than one JSON document:\n%s", command, out)
	}
	if err := compiled.Validate(v); err != nil {
		t.Fatalf("writ %s --json does not match schemas/output/%s.schema.json: %v\n%s", command, command, err, out)
	}
	return v
}

// TestSchemaCommandPrintsTheEmbeddedSchemas: writ schema KIND prints the
// embedded schema byte for byte, for every input kind and every output
// schema; an unknown kind is an error listing the known ones.
func TestSchemaCommandPrintsTheEmbeddedSchemas(t *testing.T) {
	t.Parallel()
	r := writWant(t, ExitOK, "schema")
	names := strings.Fields(r.out)
	for _, want := range []string{"config", "workflow", "policy", "proposal", "goal", "output/gate", "output/reconcile", "output/validate", "output/replay", "output/verify", "output/state", "output/log", "output/version"} {
		if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
			t.Errorf("writ schema does not list %s: %q", want, r.out)
		}
	}
	for _, name := range names {
		want, ok := schemas.SchemaDoc(name)
		if !ok || len(want) == 0 {
			t.Fatalf("%s listed but not embedded", name)
		}
		if k := schemas.Kind(name); !strings.HasPrefix(name, "output/") {
			file, err := os.ReadFile(filepath.Join("..", "..", "..", "schemas", name+".schema.json"))
			if err != nil || !bytes.Equal(file, want) {
				t.Errorf("schema %s: embedded differs from schemas/%s.schema.json (%v)", k, name, err)
			}
		}
		if got := writWant(t, ExitOK, "schema", name).out; got != string(want) {
			t.Errorf("writ schema %s differs from the embedded schema", name)
		}
	}
	r = writWant(t, ExitFailure, "schema", "nosuch")
	if !strings.Contains(r.err, "output/gate") {
		t.Errorf("unknown kind: want the known ones listed, got %s", r)
	}
}

// TestFilesCarryTheSchemaLine: writ template's rule files and the proposal
// files writ propose writes start with the yaml-language-server line
// naming their schema in writ's repository; the files still validate, the
// proposal applies, and the log replays.
func TestFilesCarryTheSchemaLine(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	dir := filepath.Join(t.TempDir(), "tmpl")
	writWant(t, ExitOK, "template", "-q", dir)
	for file, kind := range map[string]schemas.Kind{"writ.yaml": "config", "workflows/release.yaml": "workflow", "policies/governance.yaml": "policy"} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		want := "# yaml-language-server: $schema=https://raw.githubusercontent.com/writ-dev/writ/main/schemas/" + string(kind) + ".schema.json\n"
		if !strings.HasPrefix(string(b), want) {
			t.Errorf("template %s starts %q, want %q", file, firstLine(string(b)), want)
		}
	}
	// writ init rewrites writ.yaml (fresh keys): it gets the line too.
	plain := newControlRepo(t)
	if cfg := g.run(plain, "show", "main:writ.yaml"); !strings.HasPrefix(cfg, "# yaml-language-server: $schema=https://raw.githubusercontent.com/writ-dev/writ/main/schemas/config.schema.json\n") {
		t.Errorf("writ init's writ.yaml starts %q", firstLine(cfg))
	}
	repo := filepath.Join(t.TempDir(), "control")
	writWant(t, ExitOK, "init", "-q", "--demo-keys", repo, "--template", dir)
	if cfg := g.run(repo, "show", "main:writ.yaml"); strings.Count(cfg, "yaml-language-server") != 1 {
		t.Errorf("writ init --template: writ.yaml should keep exactly one yaml-language-server line:\n%s", cfg)
	}
	writWant(t, ExitOK, "--repo", repo, "validate")

	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "create", "--owner", "web-team", "--name", "create")
	body := g.run(repo, "show", "proposals/web-1/create:proposals/web-1/create.yaml")
	if want := "# yaml-language-server: $schema=https://raw.githubusercontent.com/writ-dev/writ/main/schemas/proposal.schema.json\n"; !strings.HasPrefix(body, want) {
		t.Errorf("proposal file starts %q, want %q", firstLine(body), want)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	g.run(repo, "reset", "-q", "--hard", "main")
	writWant(t, ExitOK, "--repo", repo, "validate")
	if r := writWant(t, ExitOK, "--repo", repo, "replay"); !stateLine.MatchString(lastLine(r.out)) {
		t.Errorf("replay: %s", r)
	}
	if got := instanceState(t, repo, "web-1"); got != "draft" {
		t.Errorf("web-1 in %q after the proposal applied, want draft", got)
	}
}
