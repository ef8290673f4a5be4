package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// actionYAML is the part of the repository's action.yml the tests read.
type actionYAML struct {
	Inputs  map[string]struct{ Description, Default string }
	Outputs map[string]struct{ Description, Value string }
	Runs    struct {
		Using string
		Steps []struct {
			ID   string
			Name string
			If   string
			Uses string
			Run  string
			Env  map[string]string
			With map[string]string
		}
	}
}

// TestActionYAML checks the Action's definition: it parses as YAML, the
// install step runs the release install script, building from source is
// conditional on no release, and every output it declares from the
// reconcile step is one `writ reconcile --github` writes.
func TestActionYAML(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "..")
	b, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionYAML
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" || len(a.Runs.Steps) == 0 {
		t.Fatalf("action.yml: runs %+v", a.Runs)
	}
	install := a.Runs.Steps[0]
	if install.ID != "install" || !strings.Contains(install.Run, "/.github/release/install.sh") {
		t.Errorf("first step %+v does not run .github/release/install.sh", install)
	}
	if _, err := os.Stat(filepath.Join(root, ".github", "release", "install.sh")); err != nil {
		t.Errorf("install step: %v", err)
	}
	for _, s := range a.Runs.Steps[1:] {
		if (strings.HasPrefix(s.Uses, "actions/setup-go") || strings.Contains(s.Run, "go build")) && s.If != "steps.install.outputs.installed != 'true'" {
			t.Errorf("step %q runs even when the release was installed (if: %q)", s.Name+s.Uses, s.If)
		}
	}
	checkActionCache(t, a)
	rep, _ := sampleRunReport()
	written, err := githubOutputs(rep)
	if err != nil {
		t.Fatal(err)
	}
	ref := regexp.MustCompile(`^\$\{\{ steps\.reconcile\.outputs\.([a-z-]+) \}\}$`)
	var declared []string
	for name, o := range a.Outputs {
		m := ref.FindStringSubmatch(o.Value)
		if m == nil {
			continue
		}
		declared = append(declared, name)
		if m[1] != name || !strings.Contains("\n"+written, "\n"+name+"=") {
			t.Errorf("output %s = %s, which writ reconcile --github does not write", name, o.Value)
		}
	}
	slices.Sort(declared)
	if want := []string{"applied", "applied-count", "main", "verdicts"}; !slices.Equal(declared, want) {
		t.Errorf("action.yml declares reconcile outputs %v, want %v", declared, want)
	}
}

// checkActionCache: the ETag cache directory writ reconcile uses is
// restored before it runs and saved after it (even after a failure), with
// a key per repository and restore-keys that find the newest cache.
func checkActionCache(t *testing.T, a actionYAML) {
	t.Helper()
	const dir = "${{ runner.temp }}/writ-github-cache"
	step := map[string]int{}
	for i, s := range a.Runs.Steps {
		switch {
		case strings.HasPrefix(s.Uses, "actions/cache/restore@"):
			step["restore"] = i
		case strings.HasPrefix(s.Uses, "actions/cache/save@"):
			step["save"] = i
			if !strings.HasPrefix(s.If, "always()") {
				t.Errorf("cache save step runs only on success (if: %q)", s.If)
			}
		case s.ID == "reconcile":
			step["reconcile"] = i
			if env := s.Env[GitHubCacheEnv]; !strings.Contains(env, "'{0}/writ-github-cache', runner.temp") {
				t.Errorf("reconcile step's %s = %q, not the cached directory", GitHubCacheEnv, env)
			}
		}
	}
	if len(step) != 3 || !(step["restore"] < step["reconcile"] && step["reconcile"] < step["save"]) {
		t.Fatalf("cache steps %v: want restore, reconcile, save in that order", step)
	}
	restore, save := a.Runs.Steps[step["restore"]].With, a.Runs.Steps[step["save"]].With
	prefix := "writ-github-api-${{ github.repository }}-"
	if restore["path"] != dir || save["path"] != dir || restore["key"] != save["key"] ||
		!strings.HasPrefix(save["key"], prefix) || restore["restore-keys"] != prefix {
		t.Errorf("cache steps: restore %v, save %v; want path %s, one key per run under %q, restore-keys %q", restore, save, dir, prefix, prefix)
	}
	if in, ok := a.Inputs["cache"]; !ok || in.Default != "true" {
		t.Errorf("input cache: %+v", in)
	}
}
