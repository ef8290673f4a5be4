package reconciler

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// triggerSource is BranchSource that says which pull request carried each
// proposal branch, as the GitHub source does for a pull request.
type triggerSource struct {
	BranchSource
	triggers map[string]*schemas.Trigger // by candidate name
}

func (s triggerSource) Outside(ctx context.Context, v intake.View, c intake.Candidate, p intake.Pending) (intake.Outside, error) {
	out, err := s.BranchSource.Outside(ctx, v, c, p)
	out.Trigger = s.triggers[c.Name]
	return out, err
}

// TestSourceTriggerIsRecordedAndReplays: a proposal its source says a pull
// request carried, and that names no trigger, is applied by an entry with
// Writ-Trigger, and its instance records the pull request; a proposal that
// names its own trigger keeps it (no trailer); a proposal from a branch
// the source says nothing about gets no trailer; a source trigger that is
// not a well-formed URL makes its proposal wait with the reason. Replay
// from scratch, and on a clone, folds the same state.
func TestSourceTriggerIsRecordedAndReplays(t *testing.T) {
	e, _ := newRepo(t)
	pr := func(n string) *schemas.Trigger {
		return &schemas.Trigger{Kind: schemas.TriggerPullRequest, Ref: "octo-org/octo-repo#" + n, URL: "https://github.com/octo-org/octo-repo/pull/" + n}
	}
	inc := &schemas.Trigger{Kind: schemas.TriggerIncident, Ref: "INC-7"}
	branch := map[string]string{}
	for _, in := range []struct {
		id  string
		own *schemas.Trigger
	}{{"web-1", nil}, {"web-2", inc}, {"web-3", nil}, {"web-4", nil}} {
		p, err := e.Propose(ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
			Instance: in.id, Workflow: "release", Transition: "create", Trigger: in.own}})
		if err != nil {
			t.Fatal(err)
		}
		branch[in.id] = p.Branch
	}
	src := triggerSource{BranchSource{e.Store}, map[string]*schemas.Trigger{
		branch["web-1"]: pr("3"), branch["web-2"]: pr("4"),
		branch["web-4"]: {Kind: schemas.TriggerPullRequest, URL: "github.com/octo-org/octo-repo/pull/5"},
	}}
	rep, err := e.ReconcileWith(context.Background(), ReconcileOptions{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Applied) != 3 || len(rep.Skipped) != 1 || rep.Skipped[0].Pending.Branch != branch["web-4"] || rep.Skipped[0].Verdict != intake.VerdictWaiting ||
		!strings.Contains(rep.Skipped[0].Reason, `source trigger: invalid trigger: url "github.com/octo-org/octo-repo/pull/5" is not an absolute http(s) URL with a host`) {
		t.Fatalf("applied %d, skipped %+v; want web-4 waiting for its bad source trigger", len(rep.Applied), rep.Skipped)
	}

	res := mustReplay(t, e, ReplayOptions{Collect: true, IgnoreCheckpoint: true})
	trailers := map[string]*schemas.Trigger{}
	for _, v := range res.Entries {
		if p := v.Record.Entry.Proposal; p != nil {
			trailers[p.Instance] = v.Record.Entry.Trigger
		}
	}
	wantTrailers := map[string]*schemas.Trigger{"web-1": pr("3"), "web-2": nil, "web-3": nil}
	if !reflect.DeepEqual(trailers, wantTrailers) {
		t.Fatalf("entries' source triggers %+v, want %+v", trailers, wantTrailers)
	}
	clone := mustReplay(t, cloneOf(t, e), ReplayOptions{IgnoreCheckpoint: true})
	if clone.State.Hash() != res.State.Hash() {
		t.Fatalf("a clone folds %s, the origin %s", clone.State.Hash(), res.State.Hash())
	}
	for id, want := range map[string]*schemas.Trigger{"web-1": pr("3"), "web-2": inc, "web-3": nil} {
		for name, s := range map[string]*ReplayResult{"origin": res, "clone": clone} {
			in, ok := instanceOf(t, s.State, id)
			if !ok || !reflect.DeepEqual(in.Trigger, want) {
				t.Errorf("%s: %s's trigger %+v, want %+v", name, id, in.Trigger, want)
			}
		}
	}
}
