package schemas

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden *.expected files under fixtures/invalid")

// TestInvalidFixtures runs ValidateRepo on every control repo under
// fixtures/invalid and compares the problems with the sibling golden file
// <case>.expected, one "path:line:col: field: message" per line. Run with
// -update to rewrite the goldens, then read the diff: each line must make
// sense to a user.
func TestInvalidFixtures(t *testing.T) {
	const dir = "../fixtures/invalid"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		cases++
		t.Run(e.Name(), func(t *testing.T) {
			problems := ValidateRepo(os.DirFS(filepath.Join(dir, e.Name())))
			if len(problems) == 0 {
				t.Fatal("an invalid fixture produced no problems")
			}
			got := problems.Error() + "\n"
			golden := filepath.Join(dir, e.Name()+".expected")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestInvalidFixtures -update)", err)
			}
			if got != string(want) {
				t.Errorf("problems differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
			for _, p := range problems {
				if p.File == "" || p.Field == "" || p.Message == "" {
					t.Errorf("incomplete problem %#v", p)
				}
				if p.Line == 0 && p.Field != FieldFile {
					t.Errorf("problem without a line: %s", p)
				}
			}
		})
	}
	if cases < 12 {
		t.Errorf("found %d invalid fixtures, want at least 12", cases)
	}
	// Every golden file must belong to a fixture.
	goldens, _ := filepath.Glob(filepath.Join(dir, "*.expected"))
	for _, g := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(g, ".expected")); err != nil {
			t.Errorf("golden %s has no fixture directory", g)
		}
	}
}
