package schemas

import (
	"fmt"
	"regexp"
)

// fullHash is a full git object name as writ writes it.
var fullHash = regexp.MustCompile(`^[0-9a-f]{40}$`)

// IsRecovery reports whether p is a recovery proposal (transition
// RecoverTransition on the rules instance).
func IsRecovery(p *Proposal) bool {
	return p != nil && p.Instance == RulesInstance && p.Transition == RecoverTransition
}

// RecoverCommits returns the commits a recovery proposal quarantines: its
// input RecoverInput, a non-empty list of distinct full commit hashes
// (40 lowercase hex digits), oldest first. It is pure; the error names
// the input and what is wrong.
func RecoverCommits(p *Proposal) ([]string, error) {
	raw, ok := p.Inputs[RecoverInput]
	if !ok {
		return nil, fmt.Errorf("a recovery proposal lists the commits it quarantines in inputs.%s", RecoverInput)
	}
	var list []string
	switch v := raw.(type) {
	case []string:
		list = append(list, v...)
	case []any:
		for i, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("inputs.%s[%d] is %T, not a commit hash", RecoverInput, i, x)
			}
			list = append(list, s)
		}
	default:
		return nil, fmt.Errorf("inputs.%s is %T, not a list of commit hashes", RecoverInput, raw)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("inputs.%s is empty: a recovery quarantines at least one commit", RecoverInput)
	}
	seen := map[string]bool{}
	for i, h := range list {
		if !fullHash.MatchString(h) {
			return nil, fmt.Errorf("inputs.%s[%d] %q is not a full commit hash (40 lowercase hex digits)", RecoverInput, i, h)
		}
		if seen[h] {
			return nil, fmt.Errorf("inputs.%s[%d] names commit %s twice", RecoverInput, i, h)
		}
		seen[h] = true
	}
	return list, nil
}
