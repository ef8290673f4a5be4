package cli

import (
	"strings"
	"testing"
)

// TestStateTable: writ state prints a header naming its columns, then one
// row per instance with its owner; a --workflow or --state that the rules
// in force do not know is an error naming the known ones, while a known
// one that matches nothing is an empty listing.
func TestStateTable(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "create", "--owner", "web-team")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")

	r := writWant(t, ExitOK, "--repo", repo, "state")
	lines := strings.Split(strings.TrimRight(r.out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("writ state: want a header, one row and the state line, got %q", r.out)
	}
	header := strings.Fields(lines[0])
	want := []string{"INSTANCE", "WORKFLOW", "STATE", "VERSION", "OWNER", "HASH"}
	if strings.Join(header, " ") != strings.Join(want, " ") {
		t.Errorf("header %q, want the columns %q", lines[0], want)
	}
	row := strings.Fields(lines[1])
	if len(row) != len(want) || row[0] != "web-1" || row[1] != "release" || row[2] != "draft" || row[4] != "web-team" ||
		!strings.HasPrefix(row[5], "sha256:") {
		t.Errorf("row %q, want web-1 release draft v1 web-team sha256:…", lines[1])
	}
	// Columns line up under the header.
	if strings.Index(lines[0], "OWNER") != strings.Index(lines[1], "web-team") {
		t.Errorf("the owner column is not under its header:\n%s\n%s", lines[0], lines[1])
	}

	for _, tt := range []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"unknown workflow", []string{"--workflow", "nosuch"}, ExitFailure, "release"},
		{"unknown state", []string{"--state", "nosuch"}, ExitFailure, "draft"},
		{"unknown workflow, json", []string{"--json", "--workflow", "nosuch"}, ExitFailure, "release"},
		{"known state, no instance", []string{"--state", "released"}, ExitOK, "state sha256:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := writWant(t, tt.want, append([]string{"--repo", repo, "state"}, tt.args...)...)
			if !strings.Contains(r.out+r.err, tt.out) {
				t.Errorf("want %q in the output, got %s", tt.out, r)
			}
			if tt.want != ExitOK && r.out != "" {
				t.Errorf("an error printed a listing: %s", r)
			}
		})
	}
}
