package core

import "github.com/writ-dev/writ/schemas"

// TaskStatus is where one task of a lineage stands.
type TaskStatus string

// The statuses of a task.
const (
	// TaskProposed: declared as a prerequisite; no block naming it is
	// confirmed yet, so it is not actionable.
	TaskProposed TaskStatus = "proposed"
	// TaskActionable: it can be worked on (the terminal task, or a
	// prerequisite of a confirmed block) and nothing confirmed blocks it.
	TaskActionable TaskStatus = "actionable"
	// TaskBlocked: a confirmed block names it as blocked and is not
	// resolved.
	TaskBlocked TaskStatus = "blocked"
	// TaskComplete: a complete action (or, for a barrier, its last
	// member) completed it.
	TaskComplete TaskStatus = "complete"
	// TaskDismissed: every block that declared it was dismissed; it is
	// not needed.
	TaskDismissed TaskStatus = "dismissed"
)

// Completion records who completed a task, when, and on what evidence.
type Completion struct {
	By       string             `json:"by"`
	At       HLC                `json:"at"`
	Evidence []schemas.Evidence `json:"evidence,omitempty"`
	// Barrier is true when the task is a barrier its last member
	// completed (By is that member's completer).
	Barrier bool `json:"barrier,omitempty"`
}

// TaskView is a read-only copy of one task of a lineage.
type TaskView struct {
	ID      string         `json:"id"`
	Type    string         `json:"type"`
	Payload map[string]any `json:"payload,omitempty"`
	Depth   int            `json:"depth"`
	Status  TaskStatus     `json:"status"`
	// Parents are the tasks this one was declared a prerequisite of (a
	// barrier's members: the barrier), sorted; empty for the terminal task.
	Parents []string `json:"parents,omitempty"`
	// DeclaredBy are the identities that declared it (for the terminal
	// task: the identity that started the lineage), sorted.
	DeclaredBy []string `json:"declared_by"`
	// Completed is set once the task is complete.
	Completed *Completion `json:"completed,omitempty"`
	// Members are a barrier's member tasks, sorted; MembersDone counts the
	// complete ones (the fan-in counter).
	Members     []string `json:"members,omitempty"`
	MembersDone int      `json:"members_done,omitempty"`
	// payloadJSON is the canonical JSON of the payload as the lineage
	// holds it, "" for none.
	payloadJSON string
}

// PayloadJSON returns the canonical JSON of the task's payload as the
// lineage holds it (what its id was computed from), so a reader need not
// encode Payload again; "" when the task has no payload or the view was
// not built from a lineage (encode Payload then).
func (t TaskView) PayloadJSON() string { return t.payloadJSON }

// BlockView is a read-only copy of one block of a lineage: the claim
// "Blocked waits for Prerequisite" and every vote on it.
type BlockView struct {
	ID           string      `json:"id"`
	Blocked      string      `json:"blocked"`
	Prerequisite string      `json:"prerequisite"`
	Status       BlockStatus `json:"status"`
	// DeclaredAt is the clock of the first declaration; the quorum's
	// window is measured from it.
	DeclaredAt HLC      `json:"declared_at"`
	DeclaredBy []string `json:"declared_by"`
	// ConfirmedBy are the identities whose confirmation counts, sorted;
	// Ignored are confirmations that did not count, with why.
	ConfirmedBy []string      `json:"confirmed_by"`
	RefutedBy   []string      `json:"refuted_by"`
	Ignored     []IgnoredVote `json:"ignored,omitempty"`
	ResolvedBy  string        `json:"resolved_by,omitempty"`
	// Shortfall is how many confirmations a multi quorum lacked when its
	// window closed and on_short proceed-degraded confirmed it anyway.
	Shortfall int `json:"shortfall,omitempty"`
}

// IgnoredVote is an action on a block that was recorded but did not
// count, and the reason (a trust level below the goal's minimum, for
// example).
type IgnoredVote struct {
	Identity string `json:"identity"`
	Action   string `json:"action"`
	Reason   string `json:"reason"`
}

// LineageView is a read-only copy of one lineage: a goal being worked
// toward, its tasks (terminal first, then by depth and id) and its blocks
// (by id).
type LineageView struct {
	ID        string `json:"id"`
	Goal      string `json:"goal"`
	Owner     string `json:"owner,omitempty"`
	StartedBy string `json:"started_by"`
	Started   HLC    `json:"started"`
	// Terminal is the id of the terminal task; the lineage is Done when it
	// completes (at Ended).
	Terminal string `json:"terminal"`
	Done     bool   `json:"done"`
	Ended    *HLC   `json:"ended,omitempty"`
	// LastProgress is the clock of the last task completion or block
	// change; a stall is measured from it.
	LastProgress HLC `json:"last_progress"`
	// Completed counts the complete tasks.
	Completed int         `json:"completed"`
	Tasks     []TaskView  `json:"tasks"`
	Blocks    []BlockView `json:"blocks"`
	// Hash is the lineage's hash: what a goal action's base_state names.
	Hash string `json:"hash"`
}
