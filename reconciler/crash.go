package reconciler

import (
	"fmt"
	"strings"
)

// CrashPoint names a place in Reconcile where a test can make the
// reconciler die, to prove that the next run repairs or resumes with
// nothing lost and nothing applied twice.
type CrashPoint string

// The crash points, in the order a reconcile reaches them.
const (
	// CrashAfterCommitBeforeCAS: an entry's commit object is written, main
	// has not moved. Leaves an unreachable object only.
	CrashAfterCommitBeforeCAS CrashPoint = "after-commit-before-cas"
	// CrashAfterCommitBeforePush: the batch's entries are on the local
	// main, the remote has not seen them (remote mode only).
	CrashAfterCommitBeforePush CrashPoint = "after-commit-before-push"
	// CrashAfterPushBeforeCheckpoint: main is published (pushed, or moved
	// locally without a remote), the checkpoint is not written.
	CrashAfterPushBeforeCheckpoint CrashPoint = "after-push-before-checkpoint"
	// CrashAfterApplyBeforeReport: everything is written and published,
	// nobody has been told (the report is not returned).
	CrashAfterApplyBeforeReport CrashPoint = "after-apply-before-report"
)

// CrashPoints lists every crash point.
var CrashPoints = []CrashPoint{
	CrashAfterCommitBeforeCAS, CrashAfterCommitBeforePush,
	CrashAfterPushBeforeCheckpoint, CrashAfterApplyBeforeReport,
}

// ParseCrashPoint checks a crash point name.
func ParseCrashPoint(s string) (CrashPoint, error) {
	names := make([]string, len(CrashPoints))
	for i, p := range CrashPoints {
		if string(p) == s {
			return p, nil
		}
		names[i] = string(p)
	}
	return "", fmt.Errorf("unknown crash point %q (allowed: %s)", s, strings.Join(names, ", "))
}
