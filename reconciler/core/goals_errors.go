package core

import "errors"

// Errors of goals' pure data (task ids, the block 2P-set, the safety
// checks). Callers match them with errors.Is; each is wrapped with the
// task or block it concerns.
var (
	// ErrTaskIdentity: a task's type or payload cannot be hashed (an empty
	// type, or a payload that has no JSON form such as NaN or a func).
	ErrTaskIdentity = errors.New("task identity")
	// ErrBlockEvent: a block event is malformed (an empty task id or
	// identity); the set is returned unchanged.
	ErrBlockEvent = errors.New("malformed block event")
	// ErrSelfConfirm: the identity that declared a block tried to confirm
	// it. The declarer's confirmation never counts toward the quorum.
	ErrSelfConfirm = errors.New("the declarer of a block cannot confirm it")
	// ErrBlockRemoved: the block was resolved or dismissed; it never
	// becomes active again, so nothing further about it is accepted.
	ErrBlockRemoved = errors.New("block already resolved or dismissed")
	// ErrUnknownBlock: no identity declared the block.
	ErrUnknownBlock = errors.New("no such block")
	// ErrPrerequisiteCycle: a declared prerequisite would close a cycle;
	// the error names the cycle's tasks in order.
	ErrPrerequisiteCycle = errors.New("cycle in declared prerequisites")
	// ErrTooDeep: a declared prerequisite would sit deeper than the goal's
	// max_depth.
	ErrTooDeep = errors.New("task deeper than max_depth")
)
