package intake

import (
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/wal"
)

// maxKeptWalk bounds the commits read under one decision ref.
const maxKeptWalk = 1024

// keptDecisions adds to p the decision commits its decision ref
// (wal.DecisionRef, or as Reader.DecisionRef says) holds that the branch walk did not see: decisions made
// before the branch was rebased. Each is verified by VerifyDecision like
// any other; whether it counts is the policy's (a decision covers the
// proposal when it names the same commit or the same content, so a rebase
// that keeps the content keeps it, and a changed proposal voids it). The
// walk follows only decision and keep commits (wal.IsKeepCommit), never a
// proposal commit below them. When one is added, p.DecisionsKept is the
// ref's tip.
func (e *Reader) keptDecisions(p *Pending, ring *signing.KeyRing) {
	tip, err := e.Store.Ref(e.decisionRef(p.Branch))
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, d := range p.Decisions {
		seen[d.Ref] = true
	}
	for _, ig := range p.Ignored {
		seen[ig.Commit] = true
	}
	added := false
	visited := map[plumbing.Hash]bool{tip: true}
	queue := []plumbing.Hash{tip}
	for n := 0; len(queue) > 0 && n < maxKeptWalk; n++ {
		c, err := e.Store.Commit(queue[0])
		queue = queue[1:]
		if err != nil {
			continue
		}
		d, isDecision, _ := wal.ParseDecisionMessage(c.Message)
		switch {
		case isDecision:
			if !seen[c.Hash.String()] {
				seen[c.Hash.String()] = true
				before := len(p.Decisions)
				p.addDecision(ring, e.now(), c, d)
				added = added || len(p.Decisions) > before
			}
		case wal.IsKeepCommit(c.Message):
		default:
			continue // a proposal commit: the chain ends here
		}
		for _, parent := range c.ParentHashes {
			if !visited[parent] {
				visited[parent] = true
				queue = append(queue, parent)
			}
		}
	}
	if added {
		p.DecisionsKept = tip
	}
}
