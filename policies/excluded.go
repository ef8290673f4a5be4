package policies

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// Excluded says why no rule of f.Policy would count a decision with verdict
// by identity, whoever else decides and whatever the decision's commit: the
// evaluator's reasons that depend only on who decides (unknown identity,
// identity defined more than once, an agent, not a human; the author or a
// co-author when no rule of the policy sets allow_author; for an
// override, the author or a co-author at all), every one that applies, in
// the evaluator's order and words, joined by "; ". It returns "" when some
// rule might count the decision, leaving roles, names, commits and rule
// conditions to Evaluate. Intake uses it to refuse a decision that can
// never count before writing it; Evaluate stays the judge of every
// decision recorded. It reads only f.Policy, f.Identities, f.Author and
// f.CoAuthors, and is pure.
func Excluded(f *Facts, identity string, verdict Verdict) string {
	override := verdict == VerdictOverride
	var found int
	var id schemas.Identity
	for _, x := range f.Identities {
		if x.Name == identity {
			found++
			id = x
		}
	}
	var why []string
	switch {
	case found == 0:
		return ReasonUnknownIdentity
	case found > 1:
		return ReasonDuplicateIdentity
	case id.Kind == schemas.IdentityAgent && override:
		why = append(why, ReasonOverrideAgent)
	case id.Kind == schemas.IdentityAgent:
		why = append(why, ReasonAgent)
	case id.Kind != schemas.IdentityHuman:
		why = append(why, fmt.Sprintf("not a human (kind %q)", id.Kind))
	}
	if f.isAuthor(identity) {
		switch {
		case override:
			why = append(why, ReasonOverrideAuthor)
		case !anyAllowsAuthor(f.Policy):
			why = append(why, ReasonAuthor)
		}
	}
	return strings.Join(why, "; ")
}

// anyAllowsAuthor reports whether some rule of the policy sets allow_author.
func anyAllowsAuthor(p schemas.Policy) bool {
	for _, r := range p.Rules {
		if r.AllowAuthor {
			return true
		}
	}
	return false
}
