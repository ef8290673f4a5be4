// Package core holds writ's pure core: the State folded from the WAL,
// the Entry that the WAL carries, and Apply, the reducer that turns one into
// the next.
//
// Apply is a pure, total function. Time enters only as the entry's hybrid
// logical clock; identities, approvals and rules enter as data. Given the
// same entries in the same order, every machine computes byte-identical
// states and the same State.Hash. Apply never panics and never partially
// applies: an entry is applied, recorded as a rejection, or leaves the state
// untouched with an Outcome that says why (duplicate, stale, waiting for a
// human, refused by a guard).
//
// The guards run in a fixed order: clock, identity, workflow, transition,
// capability, source state (terminal and quarantine rules included), join,
// the transition's declared input guards, then the approval policy. Every
// guard that ran is reported in Outcome.Guards, so the audit trail records
// which passed.
//
// State hashing is Merkle-style: each instance hashes its canonical JSON;
// instances fall into 256 buckets by the first byte of SHA-256(id), buckets
// into 16 groups; the root hashes the group hashes, and the state hash
// binds the root to the
// rules hash, the clock and the entry count. Applying one entry rehashes one
// instance and one bucket.
//
// The driver that reads and writes git lives in reconciler (the loop); the
// commit-message codec of WAL entries in reconciler/wal.
package core
