package reconciler

import (
	"os"
	"strings"
	"testing"

	"github.com/writ-dev/writ/gitstore"
)

// TestNeverPublishWhatReplayRefuses: a reconciler whose key is not the one
// writ.yaml registers for the reconciler identity (a misconfigured key
// directory or secret) writes entries that replay would refuse. The loop
// verifies each new entry as replay will before moving main: the run fails
// with an error that says so, and main, the proposal and the log are as
// before.
func TestNeverPublishWhatReplayRefuses(t *testing.T) {
	e, keys := newRepo(t)
	propose(t, e, "deploy-agent", "create", nil)
	before, err := e.Store.Ref(gitstore.MainRef)
	if err != nil {
		t.Fatal(err)
	}
	id := mustReplay(t, e, ReplayOptions{}).State.Rules().Config.Reconciler.Identity
	path, err := keys.Path(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + ".pub"} {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if _, err := keys.Generate(id); err != nil {
		t.Fatal(err)
	}

	rep, err := e.Reconcile()
	if err == nil {
		t.Fatalf("reconcile with a key writ.yaml does not know published %d entries", len(rep.Applied))
	}
	for _, want := range []string{"replay would refuse", id} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if len(rep.Applied) != 0 {
		t.Errorf("report lists %d applied entries", len(rep.Applied))
	}
	if after, _ := e.Store.Ref(gitstore.MainRef); after != before {
		t.Fatalf("main moved from %s to %s", before, after)
	}
	if res := mustReplay(t, e, ReplayOptions{}); res.Head != before {
		t.Fatalf("replay ends at %s, want %s", res.Head, before)
	}
}
