// Package intake reads and verifies what arrives for the reconcile loop:
// proposals (proposal branches, or commits such as a pull request's head)
// and the decisions on them, against the rules in force.
//
// Contracts:
//   - It never writes: a Reader only reads the store; Gate is pure (it runs
//     core.Judge, one Apply, on a copy of the state, and returns the state
//     after the entry so that applying it needs no second Apply).
//   - Every commit not yet in the WAL is verified at the reconciler's clock
//     (Reader.Now, VerifyNow), never at the date its signer chose; Gate
//     judges the same signatures again at the entry's time (holdAt), which
//     replay judges them at.
//   - A broken proposal carries Problems and never stops the others; a
//     decision that does not verify is listed in Ignored with its reason and
//     never changes a verdict on its own.
//   - The key ring of a rule set (RingOf), the rules at a commit (LoadRules,
//     LoadRulesChanged) and the hash of a rule change (ChangeHash) are
//     defined here once; replay uses the same.
//
// Gate, GateResult, Pending and Verdict live here so that adapters can
// judge proposals without importing the loop (package reconciler).
package intake
