package wal

import (
	"fmt"

	"github.com/writ-dev/writ/schemas"
)

// ProposalMessage renders the message of the commit that adds proposal p
// to its branch: the subject "propose: <transition> <instance>" ("propose:
// change the rules" for a rule change, instance rules) and p's
// justification as the body. It carries no trailers: the proposal file is
// the record.
func ProposalMessage(p schemas.Proposal) (string, error) {
	subject := fmt.Sprintf("propose: %s %s", p.Transition, p.Instance)
	if p.Instance == schemas.RulesInstance {
		subject = "propose: change the rules"
	}
	return FormatMessage(subject, p.Justification, nil)
}
