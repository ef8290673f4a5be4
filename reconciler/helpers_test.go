package reconciler

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/schemas"
)

// fakeClock ticks one second per reading, so tests never depend on the
// machine's clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time {
	c.t = c.t.Add(time.Second)
	return c.t
}

// newRepo makes a fresh control repo from the release example.
func newRepo(t *testing.T) (*Engine, local.KeyDir) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "control")
	store, err := gitstore.Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys := local.KeyDir{Dir: filepath.Join(t.TempDir(), "keys")}
	clock := &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	e := &Engine{Store: store, Keys: keys, Now: clock.Now}
	if _, err := e.Init(fixtures.Release(), keys); err != nil {
		t.Fatal(err)
	}
	return e, keys
}

// propose proposes a transition of instance web-1 as who.
func propose(t *testing.T, e *Engine, who, transition string, inputs map[string]any) *Proposed {
	t.Helper()
	p, err := e.Propose(ProposeRequest{As: who, Proposal: schemas.Proposal{
		Instance: "web-1", Workflow: "release", Transition: transition, Inputs: inputs}})
	if err != nil {
		t.Fatalf("propose %s as %s: %v", transition, who, err)
	}
	return p
}

// reconcile runs a reconcile and fails unless it applied exactly want.
func reconcile(t *testing.T, e *Engine, want int) *ReconcileReport {
	t.Helper()
	rep, err := e.Reconcile()
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if len(rep.Applied) != want {
		var why []string
		for _, g := range rep.Skipped {
			why = append(why, g.Pending.Branch+": "+g.Reason)
		}
		t.Fatalf("reconcile applied %d, want %d; skipped: %s", len(rep.Applied), want, strings.Join(why, "; "))
	}
	return rep
}

// toShippable walks web-1 to "approved" and proposes ship.
func toShippable(t *testing.T, e *Engine) *Proposed {
	t.Helper()
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		propose(t, e, "deploy-agent", tr, nil)
		reconcile(t, e, 1)
	}
	return propose(t, e, "deploy-agent", "ship", map[string]any{"change_ticket": "CHG-1", "environment": "staging"})
}

func approveAs(t *testing.T, e *Engine, who, proposal string) plumbing.Hash {
	t.Helper()
	h, err := e.Approve(ApproveRequest{As: who, Proposal: proposal})
	if err != nil {
		t.Fatalf("approve as %s: %v", who, err)
	}
	return h
}

func mustReplay(t *testing.T, e *Engine, opts ReplayOptions) *ReplayResult {
	t.Helper()
	res, err := e.Replay(opts)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	return res
}

func wantTamper(t *testing.T, err error, reason string) *TamperError {
	t.Helper()
	var te *TamperError
	if !errors.As(err, &te) || !errors.Is(err, ErrTampered) {
		t.Fatalf("want a TamperError mentioning %q, got %v", reason, err)
	}
	if !strings.Contains(te.Reason, reason) {
		t.Fatalf("tamper reason %q does not mention %q", te.Reason, reason)
	}
	return te
}

// replay is Replay, also returning what the fold counted.
func (e *Engine) replay(opts ReplayOptions) (*ReplayResult, replay.Stats, error) {
	return e.replayer().ReplayStats(opts)
}

// forgeThroughLoop is what a holder of the reconciler's key alone can do:
// run the loop's gate and apply steps on proposals it read (and perhaps
// changed), and move main to the entries without the publish step's check
// that replay would accept them.
func forgeThroughLoop(t *testing.T, e *Engine, res *ReplayResult, ps ...intake.Pending) *ReconcileReport {
	t.Helper()
	ctx := context.Background()
	r := &run{e: e, opts: &ReconcileOptions{}, rep: &ReconcileReport{}, loaded: true, restoredFrom: res.Checkpoint,
		state: res.State, head: res.Head, base: res.Head, next: res.State, nextHead: res.Head}
	r.proposals = func(yield func(proposal) bool) {
		for _, p := range ps {
			if !yield(proposal{cand: intake.Candidate{Name: p.Branch, Head: p.Head}, pending: p}) {
				return
			}
		}
	}
	for _, step := range []func(*run, context.Context) error{(*run).gate, (*run).apply} {
		if err := step(r, ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.batch) > 0 {
		if err := e.Store.CompareAndSwap(gitstore.MainRef, r.base, r.nextHead); err != nil {
			t.Fatal(err)
		}
		r.rep.Applied = append(r.rep.Applied, r.batch...)
	}
	return r.rep
}

// instanceOf is State.Instance for a state that holds the instance's
// bucket: an error fails the test.
func instanceOf(t testing.TB, s core.State, id string) (*core.Instance, bool) {
	t.Helper()
	in, ok, err := s.Instance(id)
	if err != nil {
		t.Fatal(err)
	}
	return in, ok
}

// mustGate is intake.Gate for a state that holds the buckets p needs: an error
// fails the test.
func mustGate(t testing.TB, s core.State, p intake.Pending, hlc core.HLC) intake.GateResult {
	t.Helper()
	g, err := intake.Gate(s, p, hlc)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// gateOn gates p on res's state as the loop does: the snapshot buckets p
// needs are restored from res's checkpoint first.
func gateOn(t testing.TB, e *Engine, res *ReplayResult, p intake.Pending, hlc core.HLC) intake.GateResult {
	t.Helper()
	state, err := e.RestoreBuckets(res.State, res.Checkpoint, p.Needs(res.State))
	if err != nil {
		t.Fatal(err)
	}
	return mustGate(t, state, p, hlc)
}
