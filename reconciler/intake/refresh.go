package intake

import (
	"fmt"
	"sort"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// RefreshHint says exactly how to propose a stale proposal afresh: the
// `writ propose` command that makes the same request on the current state
// under a new name (base_state then defaults to the current hash), or for
// a rule change, how to redo it on the current main. "" when p carries no
// proposal.
func RefreshHint(p Pending) string {
	pr := p.Proposal
	if pr == nil {
		return ""
	}
	_, name, _, _ := schemas.ParseProposalPath(p.Path)
	fresh := name + "-2"
	if p.IsRules() {
		return fmt.Sprintf("to refresh, bring the working tree to the current main (git pull, or rebase your edits onto it), "+
			"make the change again and run: writ propose --rules --as %s --name %s", orPlaceholder(p.Proposer, "IDENTITY"), fresh)
	}
	if p.IsRecovery() {
		return "to refresh, run writ propose --recover again against the current main"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "to refresh, propose it again on the current state: writ propose --as %s --instance %s --workflow %s --transition %s --name %s",
		orPlaceholder(p.Proposer, "IDENTITY"), pr.Instance, pr.Workflow, pr.Transition, fresh)
	keys := make([]string, 0, len(pr.Inputs))
	for k := range pr.Inputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " --input %s=%v", k, pr.Inputs[k])
	}
	if pr.Justification != "" {
		fmt.Fprintf(&b, " --justification %q", pr.Justification)
	}
	return b.String()
}

func orPlaceholder(s, placeholder string) string {
	if s == "" {
		return placeholder
	}
	return s
}
