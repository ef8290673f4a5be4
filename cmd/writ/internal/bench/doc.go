// Package bench builds synthetic control repos and measures writ against
// them: full replay with verification, the baselines that bound it (reading
// the log with the git client, verifying the same signatures with nothing
// else), what a user would otherwise script (`git log --show-signature`),
// one-entry incremental reconcile, and peak memory.
//
// # Synthetic repos are real
//
// Build writes every entry through the same code that `writ propose`,
// `writ approve` and `writ reconcile` run: a proposal file marshalled and
// validated like Propose does, engine.Gate and reconciler.Apply to judge
// and fold the entry, engine.EntryRecord and wal.Encode for its trailers,
// wal.ProposalMessage and wal.DecisionMessage for the proposal commits and
// for approvals and rejections, and commits signed
// with each identity's ed25519 SSH key the way gitstore's WriteCommit signs
// them. Nothing is hand-crafted, so `writ replay` verifies these repos
// exactly as it verifies real ones (and `git fsck --strict` and `git log
// --show-signature` accept them). The shortcuts are in storage only: Build
// keeps the folded state and main's tree in memory instead of re-reading
// the log, writes objects straight into pack files (a loose file per object
// costs about a millisecond on slow disks, and a 100,000-entry repo has
// over half a million objects), then repacks once with `git repack -a -d
// -f` and writes the commit-graph (`git commit-graph write --reachable`),
// so repos are measured as `git gc` leaves them.
//
// # Measurements
//
// Run measures one built repo; every figure of one Report comes from the
// same run on the same repository. Timings are wall-clock on a warm page
// cache. Peak RSS is the child `writ replay` process's maximum resident set
// when a command is given, otherwise this process's VmHWM reset just before
// the replay (Linux only).
package bench
