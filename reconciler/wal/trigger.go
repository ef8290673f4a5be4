package wal

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// KeyTrigger is the source trigger of a transition entry (core.Entry's
// Trigger: the pull request that carried the proposal), on the
// reconciler's word: "<kind> [ref=<ref>] url=<url>", for example
// "pull_request ref=octo-org/octo-repo#3 url=https://github.com/octo-org/octo-repo/pull/3".
// At most once, transition entries only; an entry without it (a local
// branch's proposal, every entry written before it existed) reads as
// before.
const KeyTrigger = "Writ-Trigger"

// FormatTrigger writes a source trigger as KeyTrigger's value. The value
// is canonical: one space between fields, ref only when set.
func FormatTrigger(t schemas.Trigger) string {
	if t.Ref == "" {
		return string(t.Kind) + " url=" + t.URL
	}
	return string(t.Kind) + " ref=" + t.Ref + " url=" + t.URL
}

// ParseTrigger reads KeyTrigger's value: it must be FormatTrigger's
// canonical form of a trigger that schemas.CheckSourceTrigger accepts.
// The error names the trailer.
func ParseTrigger(v string) (schemas.Trigger, error) {
	var t schemas.Trigger
	fields := strings.Split(v, " ")
	kind, rest := fields[0], fields[1:]
	t.Kind = schemas.TriggerKind(kind)
	if len(rest) == 2 {
		ref, ok := strings.CutPrefix(rest[0], "ref=")
		if !ok {
			return t, fmt.Errorf("wal trailer %s %q: want <kind> [ref=<ref>] url=<url>", KeyTrigger, v)
		}
		t.Ref, rest = ref, rest[1:]
	}
	if len(rest) != 1 || !strings.HasPrefix(rest[0], "url=") {
		return t, fmt.Errorf("wal trailer %s %q: want <kind> [ref=<ref>] url=<url>", KeyTrigger, v)
	}
	t.URL = strings.TrimPrefix(rest[0], "url=")
	if err := checkTrigger(core.KindTransition, &t); err != nil {
		return t, err
	}
	if FormatTrigger(t) != v {
		return t, fmt.Errorf("wal trailer %s %q: want <kind> [ref=<ref>] url=<url>", KeyTrigger, v)
	}
	return t, nil
}

// checkTrigger refuses a source trigger on an entry of another kind than
// a transition, and one schemas.CheckSourceTrigger refuses.
func checkTrigger(kind core.EntryKind, t *schemas.Trigger) error {
	if t == nil {
		return nil
	}
	if kind != core.KindTransition {
		return fmt.Errorf("wal trailer %s: a %s entry carries no %s; only a transition entry records its source's trigger", KeyTrigger, kind, KeyTrigger)
	}
	if err := schemas.CheckSourceTrigger(*t); err != nil {
		return fmt.Errorf("wal trailer %s: %w", KeyTrigger, err)
	}
	return nil
}
