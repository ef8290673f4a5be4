package reconciler

import (
	"context"
	"fmt"
	"sort"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/schemas"
)

// Source is where proposals and the decisions on them come from: local
// proposal branches (BranchSource, the built-in one), GitHub pull requests
// with their reviews, later GitLab merge requests or an HTTP intake. A
// Source only reads: it never writes main, the checkpoint or a proposal;
// the loop verifies everything it hands in (signatures, content hashes,
// policy) as it verifies proposal branches.
type Source interface {
	// Refspecs are what the fetch step fetches from remote besides main,
	// the proposal branches and the checkpoint, e.g.
	// "+refs/pull/7/head:refs/writ/pull/7". Called once per round of a
	// run against a remote, before anything of the round is read; an
	// error stops the run with nothing written in this round. note
	// records a note for the report (a pull request not judged).
	Refspecs(ctx context.Context, remote string, note func(string)) ([]string, error)
	// Candidates lists the open proposals to judge against v, in the
	// order they are judged and applied. An error stops the run with
	// nothing written in this round.
	Candidates(ctx context.Context, v intake.View) ([]intake.Candidate, error)
	// Outside returns what the source records outside git about a
	// candidate the loop read without problems and that is not merged:
	// decisions, role grants and co-authors (see intake.Outside). The
	// policy evaluator alone decides which decisions count.
	Outside(ctx context.Context, v intake.View, c intake.Candidate, p intake.Pending) (intake.Outside, error)
}

// Reporter is where outcomes go: the CLI's output, GitHub's check run and
// plan comment, later Slack, Jira or GitLab statuses. Report is called once
// at the end of every run, also one that failed part-way (r.Err says why;
// r.Applied holds what was published all the same). A reporter's error is
// returned by the run after every reporter was called; it never undoes an
// entry.
type Reporter interface {
	Report(ctx context.Context, r *outcome.Report) error
}

// BranchSource is the built-in Source: the proposal branches
// refs/heads/proposals/<instance>/<name> of the local repository or, in a
// run against a remote, the remote's as fetched. Decisions are commits on
// the branch itself, so it adds none.
type BranchSource struct {
	Store *gitstore.Store
}

var _ Source = BranchSource{}

// Refspecs adds nothing: the loop fetches the proposal branches itself.
func (BranchSource) Refspecs(context.Context, string, func(string)) ([]string, error) {
	return nil, nil
}

// Candidates lists the proposal branches in name order.
func (s BranchSource) Candidates(_ context.Context, v intake.View) ([]intake.Candidate, error) {
	var branches []gitstore.Branch
	var err error
	if v.Remote == "" {
		branches, err = s.Store.Branches(schemas.ProposalBranchPrefix)
	} else {
		branches, err = s.Store.RemoteBranches(v.Remote, schemas.ProposalBranchPrefix)
	}
	if err != nil {
		return nil, fmt.Errorf("list proposal branches: %w", err)
	}
	sort.Slice(branches, func(i, j int) bool { return branches[i].Name < branches[j].Name })
	out := make([]intake.Candidate, len(branches))
	for i, b := range branches {
		out[i] = intake.Candidate{Name: b.Name, Head: b.Hash}
	}
	return out, nil
}

// Outside adds nothing: a branch's decisions are its own commits.
func (BranchSource) Outside(context.Context, intake.View, intake.Candidate, intake.Pending) (intake.Outside, error) {
	return intake.Outside{}, nil
}
