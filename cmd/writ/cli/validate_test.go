package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// problemLine is one line of validate output: path:line:col: field:
// message, or path: field: message for a problem with the whole file.
var problemLine = regexp.MustCompile(`^[^\s:]+(:\d+:\d+)?: [^\s:]+: \S.*$`)

func TestValidateValidRepo(t *testing.T) {
	t.Parallel()
	r := writWant(t, ExitOK, "--repo", filepath.Join("..", "..", "..", "fixtures", "controlrepos", "release"), "validate")
	if !strings.Contains(r.out, "ok:") {
		t.Errorf("validate of a valid repo: want an ok line, got %s", r)
	}
	// With -q a valid repo prints nothing at all.
	r = writWant(t, ExitOK, "-q", "--repo", filepath.Join("..", "..", "..", "fixtures", "controlrepos", "release"), "validate")
	if r.out != "" {
		t.Errorf("validate -q of a valid repo printed %q", r.out)
	}
}

// TestValidateFreshRepos validates the working trees writ init and writ
// demo leave behind (merged proposals included).
func TestValidateFreshRepos(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	writWant(t, ExitOK, "--repo", repo, "validate")

	src, _ := sharedDemo(t)
	demo := copyRepo(t, src)
	if _, err := os.Stat(filepath.Join(demo, "proposals", "web-1", "ship.yaml")); err != nil {
		t.Errorf("the demo's working tree lacks the merged ship proposal: %v", err)
	}
	writWant(t, ExitOK, "--repo", demo, "validate")

	// Break writ.yaml in the working tree: validate reports it by line.
	if err := os.WriteFile(filepath.Join(repo, "writ.yaml"), []byte("version: one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := writWant(t, ExitFailure, "--repo", repo, "validate")
	if !strings.Contains(r.out, "writ.yaml:1:") {
		t.Errorf("broken writ.yaml: want a writ.yaml:1: problem, got %s", r)
	}
}

func TestValidateMissingRepo(t *testing.T) {
	t.Parallel()
	r := writWant(t, ExitFailure, "--repo", filepath.Join(t.TempDir(), "nope"), "validate")
	if !strings.Contains(r.err, "nope") {
		t.Errorf("missing repo: the error should name it, got %s", r)
	}
}

func TestValidateInvalidFixtures(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "..", "fixtures", "invalid")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel()
			var r writResult
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("validate panicked: %v", p)
					}
				}()
				r = runWrit("--repo", filepath.Join(root, e.Name()), "validate")
			}()
			if r.code != ExitFailure {
				t.Fatalf("want exit 1, got %s", r)
			}
			lines := strings.Split(strings.TrimRight(r.out, "\n"), "\n")
			for _, l := range lines {
				if !problemLine.MatchString(l) {
					t.Errorf("not a path:line:col: field: message line: %q", l)
				}
			}
			if !strings.Contains(r.err, "problem") {
				t.Errorf("stderr should count the problems, got %q", r.err)
			}
			// The CLI prints exactly the problems the golden file lists.
			golden, err := os.ReadFile(filepath.Join(root, e.Name()+".expected"))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Split(strings.TrimRight(string(golden), "\n"), "\n")
			got := slices.Clone(lines)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("validate output differs from %s.expected\ngot:\n%s\nwant:\n%s",
					e.Name(), strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
	if n == 0 {
		t.Fatalf("no cases under %s", root)
	}
}
