package wal

import (
	"fmt"
	"regexp"

	"github.com/writ-dev/writ/reconciler/core"
)

// fullCommit is a full commit hash as a Writ-Quarantine trailer holds it.
var fullCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)

// checkQuarantine checks the Writ-Quarantine values of an entry of kind:
// a recover entry names at least one commit, each a distinct full hash;
// no other entry names any.
func checkQuarantine(kind core.EntryKind, commits []string) error {
	if kind != core.KindRecover {
		if len(commits) > 0 {
			return fmt.Errorf("wal trailer %s on a %s entry: only a recover entry quarantines commits", KeyQuarantine, kind)
		}
		return nil
	}
	if len(commits) == 0 {
		return fmt.Errorf("wal message: recover entry without %s", KeyQuarantine)
	}
	seen := make(map[string]bool, len(commits))
	for _, h := range commits {
		if !fullCommit.MatchString(h) {
			return fmt.Errorf("wal trailer %s %q: want a full commit hash (40 lowercase hex digits)", KeyQuarantine, h)
		}
		if seen[h] {
			return fmt.Errorf("wal trailer %s %s appears more than once", KeyQuarantine, h)
		}
		seen[h] = true
	}
	return nil
}
