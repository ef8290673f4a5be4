package intake

import (
	"strings"
)

// dropContradictions moves to Ignored every decision that names the
// proposal commit being judged but a content hash other than that
// commit's content: it contradicts itself (the commit fixes the content),
// so it is not known what its decider saw, and counting it would record in
// the WAL an approval of content nobody proposed. A decision on another
// commit with the same content still counts (a rebase). A proposal with
// problems is refused anyway and its content may not be final (a rule
// change refused before its whole change was read): its decisions are
// left as they are.
func (p *Pending) dropContradictions() {
	if p.Subject.Content == "" || len(p.Problems) > 0 {
		return
	}
	kept := p.Decisions[:0:0]
	for _, d := range p.Decisions {
		if err := CheckDecisionSubject(d, p.Subject); err != nil {
			p.Ignored = append(p.Ignored, Ignored{Commit: d.Ref, Identity: d.Identity, Reason: err.Error()})
			continue
		}
		kept = append(kept, d)
	}
	p.Decisions = kept
}

// oneLine folds a justification to one line, as decision commits carry it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
