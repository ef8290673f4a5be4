package wal

import "strings"

// DecisionRefPrefix starts the ref that keeps a proposal's local decision
// commits apart from its branch: refs/writ/decisions/<instance>/<name>.
// A rebase rewrites the branch (and with it the decision commits on it,
// whose signatures it drops), never this ref, so a decision bound to
// content the rebased branch still proposes keeps counting.
const DecisionRefPrefix = "refs/writ/decisions/"

// KeepSubject is the subject of a keep commit: an unsigned commit that
// changes nothing and only holds several decision chains under one
// decision ref (its parents), after a rebase started a new chain. It is
// never a decision and never counts; readers follow its parents.
const KeepSubject = "writ: keep decisions"

// DecisionRef is the decision ref of the proposal on branch
// (proposals/<instance>/<name>, or <instance>/<name>).
func DecisionRef(branch string) string {
	return DecisionRefPrefix + strings.TrimPrefix(branch, "proposals/")
}

// IsKeepCommit reports whether a commit message is a keep commit's.
func IsKeepCommit(message string) bool {
	subject, _, _ := strings.Cut(message, "\n")
	return strings.HasPrefix(subject, KeepSubject)
}
