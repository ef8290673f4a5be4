package wal

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/reconciler/core"
)

// A wait entry (core.KindWait) is written like a reject entry, with the
// proposal line and the Writ-Proposal, Writ-Subject and Writ-Content
// trailers, plus one Writ-Waiting-For trailer per rule the proposal waits
// for:
//
//	Writ-Waiting-For: policy release-approval rule sre-pair needs 2
//
// Its Writ-Instance-Pre and Writ-Instance-Post are equal: a wait changes no
// instance. Decode sets the entry's Path from Writ-Proposal.

// FormatWaitingFor returns the Writ-Waiting-For values of a wait: one per
// rule of w.Rules ("<rule> needs <n>"), "policy <policy> rule <rule> needs
// <n>"; one "policy <policy>" when no rule is named.
func FormatWaitingFor(w core.Wait) []string {
	if len(w.Rules) == 0 {
		return []string{"policy " + oneLine(w.Policy)}
	}
	out := make([]string, len(w.Rules))
	for i, r := range w.Rules {
		out[i] = "policy " + oneLine(w.Policy) + " rule " + oneLine(r)
	}
	return out
}

// checkWait checks the wait trailers of r: a wait entry names its proposal
// (Writ-Proposal) and at least one Writ-Waiting-For, and no other entry
// carries Writ-Waiting-For; a timeout entry names its proposal too (its
// wait is keyed by the path).
func checkWait(r Record) error {
	if r.Entry.Kind == core.KindTimeout || r.Entry.Kind == core.KindEscalate {
		if r.ProposalPath == "" || r.Entry.Path != r.ProposalPath {
			return fmt.Errorf("wal message: %s entry for %q names %q in %s", r.Entry.Kind, r.Entry.Path, r.ProposalPath, KeyProposal)
		}
	}
	if r.Entry.Kind != core.KindWait {
		if len(r.WaitingFor) > 0 {
			return fmt.Errorf("wal trailer %s on a %s entry: only a wait entry carries it", KeyWaitingFor, r.Entry.Kind)
		}
		return nil
	}
	if r.ProposalPath == "" || r.ProposalHead == "" {
		return fmt.Errorf("wal message: wait entry without %s", KeyProposal)
	}
	if r.Entry.Path != r.ProposalPath {
		return fmt.Errorf("wal message: wait entry for %q names %q in %s", r.Entry.Path, r.ProposalPath, KeyProposal)
	}
	if len(r.WaitingFor) == 0 {
		return fmt.Errorf("wal message: wait entry without %s", KeyWaitingFor)
	}
	for _, w := range r.WaitingFor {
		if !strings.HasPrefix(w, "policy ") {
			return fmt.Errorf("wal trailer %s %q: want policy <name> [rule <rule> needs <n>]", KeyWaitingFor, w)
		}
	}
	return nil
}
