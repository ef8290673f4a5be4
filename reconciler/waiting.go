package reconciler

import (
	"fmt"
	"sort"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/plan"
	"github.com/writ-dev/writ/schemas"
)

// Waiting is one open proposal that main does not hold yet and nothing
// refuses: waiting for a human, or ready for the next reconcile.
type Waiting struct {
	Branch     string         `json:"branch"`
	Verdict    intake.Verdict `json:"verdict"`
	Instance   string         `json:"instance"`
	Workflow   string         `json:"workflow"`
	Transition string         `json:"transition"`
	Proposer   string         `json:"proposer"`
	// Since is when the proposal started waiting: the clock of its wait
	// entry on main (Wait) when one is recorded for its content, else
	// when its content was last committed (its subject commit's committer
	// time). Age is now minus Since, rounded to the second (AgeSeconds in
	// JSON).
	Since      time.Time     `json:"since"`
	Age        time.Duration `json:"-"`
	AgeSeconds int64         `json:"age_seconds"`
	// Wait is the proposal's recorded wait (a wait entry on main: since
	// when, for which rules), nil until a reconcile records it.
	Wait *plan.Waiting `json:"wait,omitempty"`
	// WaitsBehind, when main records a wait at the proposal's path for
	// other content, says so (core.BehindReason); Wait is then nil.
	WaitsBehind string `json:"waits_behind,omitempty"`
	// Reason is the gate's explanation.
	Reason string `json:"reason"`
	// Needs are the policy rules still short of approvals, each with
	// whom it can still count.
	Needs []Need `json:"needs,omitempty"`
}

// Need is one approval rule a waiting proposal still needs.
type Need struct {
	Policy string `json:"policy"`
	Rule   string `json:"rule"`
	// Needed is how many more approvals the rule wants.
	Needed      int    `json:"needed"`
	Description string `json:"description"`
	// From are the identities whose approval would count: humans holding
	// one of the rule's roles or named by it, not the author (unless the
	// rule allows it), not those already counted. Sorted.
	From []string `json:"from"`
}

// ListWaiting gates every proposal branch against the loaded state (the
// local ones and, in a clone, the remote's that have no local branch),
// as reconcile would, and returns those waiting for a human or ready,
// oldest first (then by branch). Merged, refused and rejected proposals
// are left out: reconcile closes them. now measures ages. It writes
// nothing.
func (e *Engine) ListWaiting(l *Loaded, now time.Time) ([]Waiting, error) {
	if l.Rules == nil {
		return nil, nil
	}
	branches, err := e.proposalBranchesHere()
	if err != nil {
		return nil, err
	}
	reader := e.reader()
	var out []Waiting
	for _, b := range branches {
		p := reader.ReadPending(l.Rules, l.Ring, l.Head, b.Name, b.Hash)
		if p.Merged || len(p.Problems) > 0 || p.Proposal == nil {
			continue
		}
		state, err := e.RestoreLoaded(l, p.Needs(l.State))
		if err != nil {
			return nil, fmt.Errorf("load state for %s: %w", b.Name, err)
		}
		g, err := intake.Gate(state, p, core.NextHLC(state.Clock().HLC, now.UnixMilli()))
		if err != nil {
			return nil, err
		}
		if g.Verdict != intake.VerdictWaiting && g.Verdict != intake.VerdictReady {
			continue
		}
		w := Waiting{Branch: p.Branch, Verdict: g.Verdict, Instance: p.Proposal.Instance, Workflow: p.Proposal.Workflow,
			Transition: p.Proposal.Transition, Proposer: p.Proposer, Reason: g.Reason}
		at := p.Head
		if h, ok := parseHash(p.Subject.Commit); ok {
			at = h
		}
		if rec := plan.WaitOf(l.State, p.Path, p.Subject.Content); rec != nil {
			w.Wait = plan.WaitingOf(rec, l.Rules, now)
			w.Since = w.Wait.Since
		} else {
			if other := plan.BehindOf(l.State, p.Path, p.Subject.Content); other != nil {
				w.WaitsBehind = core.BehindReason(*other)
			}
			if c, err := e.Store.Commit(at); err == nil {
				w.Since = c.Committer.When.UTC()
			}
		}
		if !w.Since.IsZero() {
			w.Age = now.Sub(w.Since).Round(time.Second)
			w.AgeSeconds = int64(w.Age / time.Second)
		}
		if g.Outcome.Policy != nil {
			var escalated []policies.Escalation
			if rec := plan.WaitOf(l.State, p.Path, p.Subject.Content); rec != nil {
				escalated = core.EscalationsOf(l.Rules, *rec)
			}
			w.Needs = needsOf(l.Rules, *g.Outcome.Policy, p.Proposer, escalated)
		}
		out = append(out, w)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.Before(out[j].Since)
		}
		return out[i].Branch < out[j].Branch
	})
	return out, nil
}

func parseHash(s string) (plumbing.Hash, bool) {
	if len(s) != 40 {
		return plumbing.ZeroHash, false
	}
	h := plumbing.NewHash(s)
	return h, !h.IsZero()
}

// needsOf walks a policy result for the rules still pending.
func needsOf(rules *schemas.Bundle, res policies.Result, author string, escalated []policies.Escalation) []Need {
	pol, _ := rules.Policy(res.Name)
	var out []Need
	var walk func(n policies.Result)
	walk = func(n policies.Result) {
		if n.Kind == policies.KindRule && n.Status == policies.StatusPending {
			need := Need{Policy: res.Name, Rule: n.Name, Needed: n.Needed, Description: n.Description}
			if pol != nil {
				need.From = eligible(rules, pol, n, author, escalated)
			}
			out = append(out, need)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(res)
	return out
}

// eligible lists the humans whose approval would count for rule node n
// (policies.EscalatedApprovers, by name), those the wait's escalation
// steps add included.
func eligible(rules *schemas.Bundle, pol *schemas.Policy, n policies.Result, author string, escalated []policies.Escalation) []string {
	var out []string
	for _, a := range policies.EscalatedApprovers(pol, rules.Config.Identities, n, author, escalated) {
		out = append(out, a.Identity)
	}
	return out
}

// proposalBranchesHere lists the local proposal branches and the
// remote-tracking ones (origin/proposals/…) that no local branch shadows,
// as a fresh clone has them, one per proposal (gitstore.TrackedBranch's
// choice), sorted by name.
func (e *Engine) proposalBranchesHere() ([]gitstore.Branch, error) {
	local, err := e.Store.Branches(schemas.ProposalBranchPrefix)
	if err != nil {
		return nil, fmt.Errorf("list proposal branches: %w", err)
	}
	tracked, err := e.Store.TrackedBranches(schemas.ProposalBranchPrefix)
	if err != nil {
		return nil, fmt.Errorf("list proposal branches: %w", err)
	}
	have := make(map[string]bool, len(local))
	for _, b := range local {
		have[b.Name] = true
	}
	// One per branch: the only remote's, or origin's among several.
	byBranch := map[string][]gitstore.Tracked{}
	for _, t := range tracked {
		if !have[t.Branch] {
			byBranch[t.Branch] = append(byBranch[t.Branch], t)
		}
	}
	out := local
	for branch, ts := range byBranch {
		for _, t := range ts {
			if len(ts) == 1 || t.Remote == "origin" {
				out = append(out, gitstore.Branch{Name: branch, Hash: t.Hash})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
