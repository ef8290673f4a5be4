package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	ghfixtures "github.com/writ-dev/writ/fixtures/github"
)

// exampleWorkflow is the part of an example workflow file the tests read.
type exampleWorkflow struct {
	On          map[string]yaml.Node `yaml:"on"`
	Permissions map[string]string    `yaml:"permissions"`
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress bool   `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Jobs map[string]struct {
		Environment string `yaml:"environment"`
		Steps       []struct {
			ID   string            `yaml:"id"`
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
	raw string
}

func readExampleWorkflow(t *testing.T, name string) exampleWorkflow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", ".github", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	var w exampleWorkflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	w.raw = string(b)
	return w
}

func (w exampleWorkflow) triggers() []string {
	var out []string
	for k := range w.On {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestExampleJudgeWorkflowHasNoWritePower checks the judge workflow: a
// pull_request or pull_request_review run executes the pull request's own
// copy of the file, so it must run with a read-only contents token, no
// secrets, no OIDC token, judge with main's checkout, and never apply.
func TestExampleJudgeWorkflowHasNoWritePower(t *testing.T) {
	t.Parallel()
	w := readExampleWorkflow(t, "writ-judge.yml")
	if got, want := w.triggers(), []string{"pull_request", "pull_request_review"}; !slices.Equal(got, want) {
		t.Errorf("judge triggers %v, want %v", got, want)
	}
	if w.Permissions["contents"] != "read" {
		t.Errorf("judge contents permission %q, want read", w.Permissions["contents"])
	}
	if _, ok := w.Permissions["id-token"]; ok {
		t.Error("judge asks for an OIDC token: a pull request's run could sign as the reconciler")
	}
	if strings.Contains(w.raw, "secrets.") {
		t.Error("judge reads a secret: a pull request's run of its own workflow file would get it")
	}
	for name, job := range w.Jobs {
		var writ bool
		for _, s := range job.Steps {
			if strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["ref"] != "main" {
				t.Errorf("job %s checks out %q, want main (judge with main's rules)", name, s.With["ref"])
			}
			if strings.HasPrefix(s.Uses, "writ-dev/writ@") {
				writ = true
				if !strings.Contains(s.With["args"], "--no-apply") {
					t.Errorf("job %s runs writ without --no-apply", name)
				}
			}
		}
		if !writ {
			t.Errorf("job %s does not run writ", name)
		}
	}
}

// TestExampleApplyWorkflowRunsOnlyFromMain checks the apply workflow: no
// pull-request trigger (only the default branch's file runs it), one run at
// a time, the App token minted in the environment limited to main and
// given to both checkout and writ.
func TestExampleApplyWorkflowRunsOnlyFromMain(t *testing.T) {
	t.Parallel()
	w := readExampleWorkflow(t, "writ-apply.yml")
	if got, want := w.triggers(), []string{"push", "schedule", "workflow_dispatch", "workflow_run"}; !slices.Equal(got, want) {
		t.Errorf("apply triggers %v, want %v", got, want)
	}
	if w.Concurrency.Group == "" || w.Concurrency.CancelInProgress {
		t.Errorf("apply concurrency %+v: runs must queue, one per repository", w.Concurrency)
	}
	for name, job := range w.Jobs {
		if job.Environment == "" {
			t.Errorf("job %s has no environment: the App's key would be readable from any branch", name)
		}
		var app string
		var writ bool
		for _, s := range job.Steps {
			switch {
			case strings.HasPrefix(s.Uses, "actions/create-github-app-token@"):
				app = s.ID
			case strings.HasPrefix(s.Uses, "actions/checkout@"), strings.HasPrefix(s.Uses, "writ-dev/writ@"):
				want := "${{ steps." + app + ".outputs.token }}"
				if app == "" || s.With["token"] != want {
					t.Errorf("job %s: %s token %q, want the App token %s", name, s.Uses, s.With["token"], want)
				}
				if strings.HasPrefix(s.Uses, "writ-dev/writ@") {
					writ = true
					key := s.With["reconciler-key"]
					if (key == "") == (s.With["keyless"] != "true") || (key != "" && !strings.HasPrefix(key, "${{ secrets.")) {
						t.Errorf("job %s signs with reconciler-key %q, keyless %q: want one, the key from a secret", name, key, s.With["keyless"])
					}
				}
			}
		}
		if !writ {
			t.Errorf("job %s does not run writ", name)
		}
	}
}

// TestExampleRulesetIsWhatGitHubAccepts validates the README's ruleset
// against the request schema of POST /repos/{owner}/{repo}/rulesets in
// GitHub's OpenAPI description, and checks what it protects: the default
// branch may be updated, deleted or force-pushed only by one App.
func TestExampleRulesetIsWhatGitHubAccepts(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", ".github", "examples", "ruleset.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Requests map[string]struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(ghfixtures.Requests(), &doc); err != nil {
		t.Fatal(err)
	}
	raw, ok := doc.Requests["repos/create-repo-ruleset"]
	if !ok {
		t.Fatal("requests.json has no repos/create-repo-ruleset")
	}
	schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw.Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("https://writ.invalid/ruleset.json", schema); err != nil {
		t.Fatal(err)
	}
	compiled, err := c.Compile("https://writ.invalid/ruleset.json")
	if err != nil {
		t.Fatal(err)
	}
	// The schema must refuse what GitHub refuses, or accepting ours proves nothing.
	for _, bad := range []string{`{"name":"x"}`, `{"name":"x","enforcement":"on"}`, `{"name":"x","enforcement":"active","rules":[{"type":"no-such-rule"}]}`} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if compiled.Validate(inst) == nil {
			t.Errorf("the ruleset schema accepts %s", bad)
		}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ruleset.json: %v", err)
	}
	if err := compiled.Validate(inst); err != nil {
		t.Fatalf("ruleset.json is not a ruleset GitHub accepts: %v", err)
	}
	var rs struct {
		Target      string `json:"target"`
		Enforcement string `json:"enforcement"`
		Conditions  struct {
			RefName struct{ Include []string } `json:"ref_name"`
		} `json:"conditions"`
		Rules []struct {
			Type string `json:"type"`
		} `json:"rules"`
		Bypass []struct {
			ActorType  string `json:"actor_type"`
			BypassMode string `json:"bypass_mode"`
		} `json:"bypass_actors"`
	}
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	if rs.Target != "branch" || rs.Enforcement != "active" || !slices.Equal(rs.Conditions.RefName.Include, []string{"~DEFAULT_BRANCH"}) {
		t.Errorf("ruleset does not actively protect the default branch: %+v", rs)
	}
	var types []string
	for _, r := range rs.Rules {
		types = append(types, r.Type)
	}
	for _, want := range []string{"update", "deletion", "non_fast_forward"} {
		if !slices.Contains(types, want) {
			t.Errorf("ruleset rules %v lack %s", types, want)
		}
	}
	if len(rs.Bypass) != 1 || rs.Bypass[0].ActorType != "Integration" || rs.Bypass[0].BypassMode != "always" {
		t.Errorf("ruleset bypass %+v, want exactly one GitHub App (Integration, always)", rs.Bypass)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !readmeHoldsJSON(string(readme), b) {
		t.Error("README.md does not show .github/examples/ruleset.json as it is")
	}
}

// readmeHoldsJSON reports whether one of the README's ```json blocks is the
// same JSON value as want.
func readmeHoldsJSON(readme string, want []byte) bool {
	var w any
	if json.Unmarshal(want, &w) != nil {
		return false
	}
	wantJSON, _ := json.Marshal(w)
	parts := strings.Split(readme, "```json\n")
	for _, p := range parts[1:] {
		block, _, ok := strings.Cut(p, "```")
		if !ok {
			continue
		}
		var g any
		if json.Unmarshal([]byte(block), &g) != nil {
			continue
		}
		if got, _ := json.Marshal(g); bytes.Equal(got, wantJSON) {
			return true
		}
	}
	return false
}
