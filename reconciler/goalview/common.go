package goalview

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/plan"
	"github.com/writ-dev/writ/schemas"
)

// maxPayload is how many characters of a task's payload the tree and the
// graph show before cutting it with "…".
const maxPayload = 60

// ShortID is a task or block id as the views print it: the first 12 hex
// digits of its sha256 ("sha256:" dropped); an id of another form is
// returned cleaned and unchanged.
func ShortID(id string) string {
	h, ok := strings.CutPrefix(id, "sha256:")
	if !ok {
		return plan.Clean(id)
	}
	if len(h) > 12 {
		h = h[:12]
	}
	return plan.Clean(h)
}

// Payload is a task's payload as one short line: its canonical JSON, cut
// after maxPayload characters with "…"; "" for an empty payload, and
// "(no JSON form)" for one that has none.
func Payload(p map[string]any) string {
	if len(p) == 0 {
		return ""
	}
	b, err := schemas.CanonicalJSON(p)
	if err != nil {
		return "(no JSON form)"
	}
	return shortPayload(string(b))
}

// taskPayload is Payload of a task's payload, read from the canonical
// JSON its view carries when it does (no encoding per task).
func taskPayload(t *core.TaskView) string {
	if len(t.Payload) == 0 {
		return ""
	}
	if raw := t.PayloadJSON(); raw != "" {
		return shortPayload(raw)
	}
	return Payload(t.Payload)
}

// shortPayload is canonical JSON cleaned and cut after maxPayload
// characters with "…".
func shortPayload(canonical string) string {
	c := plan.Clean(canonical)
	if len(c) <= maxPayload { // bytes: no more characters than that
		return c
	}
	s := []rune(c)
	if len(s) > maxPayload {
		return string(s[:maxPayload-1]) + "…"
	}
	return string(s)
}

// Find returns the lineage id names: the lineage with that id, else the
// only lineage of the goal named id. It is an error, listing the ids,
// when none or several match.
func Find(views []core.LineageView, id string) (core.LineageView, error) {
	var ofGoal []core.LineageView
	for _, v := range views {
		if v.ID == id {
			return v, nil
		}
		if v.Goal == id {
			ofGoal = append(ofGoal, v)
		}
	}
	switch len(ofGoal) {
	case 1:
		return ofGoal[0], nil
	case 0:
		ids := make([]string, 0, len(views))
		for _, v := range views {
			ids = append(ids, v.ID)
		}
		if len(ids) == 0 {
			return core.LineageView{}, fmt.Errorf("no lineage %q: there are no lineages (a start proposal on a goal begins one)", id)
		}
		return core.LineageView{}, fmt.Errorf("no lineage %q and no goal of that name with a lineage (lineages: %s)", id, strings.Join(ids, ", "))
	}
	ids := make([]string, 0, len(ofGoal))
	for _, v := range ofGoal {
		ids = append(ids, v.ID)
	}
	return core.LineageView{}, fmt.Errorf("goal %s has %d lineages (%s): name one by its id", id, len(ids), strings.Join(ids, ", "))
}

// open reports whether a block still holds: claimed or confirmed.
func open(b core.BlockView) bool {
	return b.Status == core.BlockClaimed || b.Status == core.BlockConfirmed
}

func blockID(b *core.BlockView) string {
	if b == nil {
		return ""
	}
	return b.ID
}
