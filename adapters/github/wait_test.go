package github_test

import (
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
)

// waitRecorded checks that an apply run that left its pull request
// waiting for a human applied nothing: the server's main moved only by
// one wait entry (core.KindWait), which records that the proposal waits,
// and replay of main in a fresh clone accepts it.
func (w *world) waitRecorded(t *testing.T) {
	t.Helper()
	got := w.remoteMain(t)
	if got == w.main {
		t.Fatal("remote main did not move: the waiting proposal's wait entry was not written")
	}
	res := w.verify(t)
	last := res.Entries[len(res.Entries)-1]
	if last.Commit != got || last.Record.Entry.Kind != core.KindWait {
		t.Fatalf("remote main %s is a %s entry, want a wait entry", got, last.Record.Entry.Kind)
	}
	if len(res.Entries) < 2 || res.Entries[len(res.Entries)-2].Commit != w.main {
		t.Fatalf("remote main moved by more than one wait entry from %s", w.main)
	}
}
