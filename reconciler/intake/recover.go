package intake

import (
	"fmt"
	"sort"

	"github.com/writ-dev/writ/schemas"
)

// A recovery proposal (schemas.IsRecovery) sits at a rules proposal path,
// proposals/rules/<name>.yaml, and is judged by the governance policy like
// a rule change; but it changes no rules file. Its branch adds only its
// proposal file, whose inputs list the commits it quarantines, and its
// content (what approvals bind to) is the proposal file's hash, as for an
// instance proposal: the file is the whole change. The reconciler merges
// it on top of the foreign commits with the last verified entry's tree
// plus that file (see replay's quarantine.go).

// readRecovery completes p, a recovery proposal whose branch changed the
// paths touched, with its files and the commits it quarantines.
func (e *Reader) readRecovery(p Pending, raw []byte, touched map[string]bool) Pending {
	var other []string
	for f := range touched {
		if f != p.Path {
			other = append(other, f)
		}
	}
	sort.Strings(other)
	if len(other) > 0 {
		p.Problems = append(p.Problems, fmt.Sprintf("a recovery proposal may only add %s, but its branch changes %v", p.Path, other))
		return p
	}
	q, err := schemas.RecoverCommits(p.Proposal)
	if err != nil {
		p.Problems = append(p.Problems, fmt.Sprintf("%s: %v", p.Path, err))
		return p
	}
	p.Quarantine = q
	p.Files = map[string][]byte{p.Path: raw}
	return p
}

// isRecoveryFile reports whether raw, the file at a rules proposal path, is
// a recovery proposal.
func isRecoveryFile(path string, raw []byte) bool {
	prop, problems := schemas.LoadProposal(path, raw)
	return len(problems) == 0 && schemas.IsRecovery(prop)
}

// IsRecovery reports whether the pending proposal is a recovery.
func (p Pending) IsRecovery() bool { return len(p.Quarantine) > 0 }
