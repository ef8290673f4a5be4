package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchTinyRepo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and measures a synthetic repo")
	}
	cache := t.TempDir()
	args := []string{"bench", "--sizes", "200", "--cache", cache, "--repeat", "1", "--sample", "40",
		"--incremental", "2", "--child-replay=false", "--quiet"}
	r := writWant(t, ExitOK, args...)
	for _, want := range []string{"entries", "201", "read alone", "verify alone", "show-signature", "reconcile", "peak RSS", "target"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("bench table lacks %q:\n%s", want, r.out)
		}
	}
	if r.err != "" {
		t.Errorf("bench --quiet wrote to stderr: %q", r.err)
	}
	// The repo is cached: --json reuses it and reports the same entries.
	j := writWant(t, ExitOK, append(args, "--json")...)
	var reports []struct {
		Entries   int     `json:"entries"`
		Replay    float64 `json:"replay_seconds"`
		Reconcile float64 `json:"reconcile_seconds"`
	}
	if err := json.Unmarshal([]byte(j.out), &reports); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, j.out)
	}
	if len(reports) != 1 || reports[0].Entries != 201 || reports[0].Replay <= 0 || reports[0].Reconcile <= 0 {
		t.Fatalf("bench --json: %+v", reports)
	}
}

func TestBenchRefusesBadSizes(t *testing.T) {
	t.Parallel()
	for _, sizes := range []string{"", "0", "ten", "1000,-5"} {
		r := writWant(t, ExitFailure, "bench", "--sizes", sizes, "--cache", t.TempDir())
		if !strings.Contains(r.err, "--sizes") {
			t.Errorf("--sizes %q: %s", sizes, r)
		}
	}
}
