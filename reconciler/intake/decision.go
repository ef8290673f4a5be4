package intake

import (
	"fmt"
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
		if d.Commit == p.Subject.Commit && d.Content != "" && d.Content != p.Subject.Content {
			p.Ignored = append(p.Ignored, Ignored{Commit: d.Ref, Identity: d.Identity, Reason: fmt.Sprintf(
				"names proposal commit %s but content %s, not that commit's content %s: decide again (writ approve)",
				shortHash(d.Commit), d.Content, p.Subject.Content)})
			continue
		}
		kept = append(kept, d)
	}
	p.Decisions = kept
}

// oneLine folds a justification to one line, as decision commits carry it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
