// Package core holds writ's pure core: the State folded from the WAL,
// the Entry that the WAL carries, and Apply, the reducer that turns one into
// the next.
//
// Apply is a pure, total function. Time enters only as the entry's hybrid
// logical clock; identities, approvals and rules enter as data. Given the
// same entries in the same order, every machine computes byte-identical
// states and the same State.Hash. Apply never panics and never partially
// applies: an entry is applied, recorded as a rejection or a withdrawal
// (KindWithdraw: by the proposer, or withdrawals that satisfy the
// governance policy; withdraw.go), or leaves the state
// untouched with an Outcome that says why (duplicate, stale, waiting for a
// human, refused by a guard). Its error is not a verdict on the entry: it
// says the state lacks a bucket of instances it needs (below). Judge is
// Apply as the gate asks it: a transition an eligible approver rejected is
// judged, in the same pass, as the reject entry it becomes; so is a rule
// change or recovery an eligible governance approver rejected
// (reject_rules.go).
//
// The guards of a transition or reject entry run in this order
// (GuardOrder): hlc, identity, workflow, transition, capability, from,
// join, input, window, policy. The order is written once, in guardTable
// (guards.go), bracketed by the clock and, after the time windows and
// freezes (apply.go: outside them a proposal waits unless a break-glass
// override stands), the approval policy; a stale
// base_state, checked after the clock, is a Stale status rather than a
// guard. Every guard that ran is reported in Outcome.Guards, so the audit
// trail records which passed ("quarantine" for a failure of the source
// state's quarantine rules, "input <name>" per declared input guard,
// "override" for a break-glass that stands).
//
// State hashing is Merkle-style: each instance hashes its canonical JSON;
// instances fall into 256 buckets by the first byte of SHA-256(id), buckets
// into 16 groups; the root hashes the group hashes, and the state hash
// binds the root to the
// rules hash, the clock and the entry count. Applying one entry rehashes one
// instance and one bucket.
//
// A snapshot (Snapshot, SnapshotSince) is a head file and one file per
// bucket. Restoring is explicit, as raft hands its state machine the
// snapshot in Restore: RestoreHead rebuilds a state from the head alone;
// the caller reads the bucket files a call needs (State.Needs for an
// entry, State.Missing for instances, State.SnapshotNeeds for the next
// snapshot, State.Unrestored for all) and installs them with
// State.WithBuckets. The core does no I/O and holds no reader: a call that
// needs a bucket that was not restored returns a *MissingBucketError
// naming it.
//
// Goals' pure data (goals_task.go, goals_blocks*.go, goals_safety.go)
// is not wired into State or Apply yet: TaskID (SHA-256 of a task's type,
// payload and origin), BlockSet (the block state as a two-phase set whose
// merge is commutative, associative and idempotent, with confirmations
// and refutations counted from distinct identities), CheckDepth and the
// prerequisite-cycle checks FindCycle and CheckPrerequisite.
//
// The package imports nothing that does I/O (TestCoreDoesNoIO). The loop
// that reads and writes git, and restores buckets from the checkpoint,
// lives in reconciler; the commit-message codec of WAL entries in
// reconciler/wal; the instance index of `writ state` in
// cmd/writ/internal/index.
package core
