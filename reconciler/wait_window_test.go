package reconciler

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
)

// TestApprovedProposalHeldByAFreezeDoesNotTimeOut: a proposal whose policy
// is satisfied and that only a freeze holds does not wait for a human, so
// no wait is recorded for it and its transition's timeout never rejects
// it: it applies on the first reconcile after the freeze.
func TestApprovedProposalHeldByAFreezeDoesNotTimeOut(t *testing.T) {
	store, err := gitstore.Init(filepath.Join(t.TempDir(), "control"))
	if err != nil {
		t.Fatal(err)
	}
	keys := local.KeyDir{Dir: filepath.Join(t.TempDir(), "keys")}
	clock := &fakeClock{t: thursdayMorning}
	e := &Engine{Store: store, Keys: keys, Now: clock.Now}
	m := windowTemplate(t).(fstest.MapFS)
	const ship = "    policy: release-approval\n    materiality: high\n"
	wf := string(m["workflows/release.yaml"].Data)
	if !strings.Contains(wf, ship) {
		t.Fatal("the release example changed: ship's policy lines are not where this test adds a timeout")
	}
	m["workflows/release.yaml"].Data = []byte(strings.Replace(wf, ship, ship+"    timeout: 3d\n    on_timeout: reject\n", 1))
	if _, err := e.Init(m, keys); err != nil {
		t.Fatal(err)
	}
	shipApproved(t, e, clock, inTheFreeze)
	if rep := reconcile(t, e, 0); len(rep.Waited) != 0 {
		t.Errorf("recorded %d waits for a proposal its approvers approved and only the freeze holds", len(rep.Waited))
	}
	clock.t = inTheFreeze.Add(73 * time.Hour) // past the timeout, still frozen
	reconcile(t, e, 0)
	clock.t = time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC) // Tuesday 10:00 in Berlin, the freeze over
	rep := reconcile(t, e, 1)
	if a := rep.Applied[0]; a.Gate.Entry.Kind != core.KindTransition || a.Gate.Outcome.Status != core.StatusApplied {
		t.Fatalf("after the freeze: %s entry, %s: %s", a.Gate.Entry.Kind, a.Gate.Outcome.Status, a.Gate.Outcome.Reason)
	}
	mustReplay(t, e, ReplayOptions{IgnoreCheckpoint: true})
}
