package schemas

// A goal action is a proposal like any other, signed by its proposer and
// judged on the one loop: it lives at proposals/<lineage>/<shard>/<name>.yaml
// (GoalProposalFile: <shard> is the first two hex digits of SHA-256(name),
// so that no directory grows with the lineage), its instance is the
// lineage id, its workflow is the goal's name (goal and
// workflow names share one namespace, so a name means one of them) and
// its transition is the action:
//
//	start          begin a lineage; base_state none; its first task is the
//	               goal's terminal task (capability: attempt)
//	complete       inputs.task is done; evidence required (attempt)
//	declare-block  inputs.task waits for inputs.prerequisite, a new task
//	               {type, payload} at depth + 1; with
//	               inputs.prerequisite.members (a list of {type, payload})
//	               the prerequisite is a fan-in barrier that completes when
//	               every member does (declare)
//	confirm-block  inputs.block (a block id) holds (confirm)
//	refute-block   inputs.block does not hold: the refuter completed the
//	               supposedly blocked task; evidence required (refute)
//	resolve-block  inputs.block is lifted: its prerequisite is complete
//	               (resolve)
//
// Every action but start names the lineage hash its proposer saw in
// base_state. Goal actions are not refused as stale when the lineage moved
// since: the block state is a set that every order of the same events
// folds to the same value, and each action is re-checked against the
// lineage as it stands when it applies.

// The transitions of a goal action.
const (
	GoalStart        = "start"
	GoalComplete     = "complete"
	GoalDeclareBlock = "declare-block"
	GoalConfirmBlock = "confirm-block"
	GoalRefuteBlock  = "refute-block"
	GoalResolveBlock = "resolve-block"
)

// The inputs of a goal action.
const (
	// GoalInputTask is the task id ("sha256:…") a complete or declare-block
	// acts on.
	GoalInputTask = "task"
	// GoalInputPrerequisite is the task a declare-block names as missing:
	// an object {type, payload, members}.
	GoalInputPrerequisite = "prerequisite"
	// GoalInputMembers is the key, inside the prerequisite, of a fan-in
	// barrier's member tasks.
	GoalInputMembers = "members"
	// GoalInputBlock is the block id ("sha256:…") a confirm-, refute- or
	// resolve-block acts on.
	GoalInputBlock = "block"
)

// GoalTransitions lists every goal action's transition, in the order of
// a lineage's life.
func GoalTransitions() []string {
	return []string{GoalStart, GoalComplete, GoalDeclareBlock, GoalConfirmBlock, GoalRefuteBlock, GoalResolveBlock}
}

// GoalActionOf returns the capability list a goal transition is governed
// by (GoalCapabilities.For), and false for a transition that is not a
// goal action.
func GoalActionOf(transition string) (GoalAction, bool) {
	switch transition {
	case GoalStart, GoalComplete:
		return ActionAttempt, true
	case GoalDeclareBlock:
		return ActionDeclare, true
	case GoalConfirmBlock:
		return ActionConfirm, true
	case GoalRefuteBlock:
		return ActionRefute, true
	case GoalResolveBlock:
		return ActionResolve, true
	}
	return "", false
}
