// Package replay verifies and folds a control repo's whole WAL: main's
// first-parent history from the genesis entry (or from a checkpoint the
// reconciler signed) to its head, through the pure core.
//
// Contracts:
//   - It never writes. A Replayer reads the store; the first entry that
//     does not verify stops the replay with a *TamperError (errors.Is
//     ErrTampered), a checkpoint off main's history with ErrRewritten.
//     After the genesis entry, a commit that does not verify is foreign:
//     it and the commits after it are held apart until a recover entry
//     quarantines them (quarantine.go); left at the head, they end the
//     replay with a *ForeignError (errors.Is ErrForeign and ErrTampered)
//     and the Result of the last verified entry.
//   - Every entry is checked as if one by one, in log order: its signature
//     is the reconciler identity's under the rules in force, its trailers
//     decode, its proposal and decisions verify against their own signed
//     commits (decisions through intake's verifier, judged at the entry's
//     clock), its tree is its first parent's plus the proposal file, what
//     it merged is what was approved, it applies, and the state hashes it
//     records match. The checks that do not depend on the state run on all
//     cores ahead of the fold; the result and the first error are those of
//     a one-by-one replay (Checker runs that one by one).
//   - Key rings, rules and the hash of a rule change come from intake, so
//     replay judges with the same definitions as the gate.
package replay
