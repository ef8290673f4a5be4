// Package reconciler is the reconcile loop: it drives the pure core
// (reconciler/core) against a control repository and writes one signed
// entry on main per accepted transition, moving main only by
// compare-and-swap.
//
// There is one loop (loop.go): an ordered list of named steps with one
// signature, run by one driver — fetch, load, read proposals, verify,
// gate, apply, publish, checkpoint, report (see steps for what each does
// and how rounds repeat after a lost race). Local runs, runs against a
// remote and GitHub Actions runs are the same loop with different
// plug-ins:
//
//   - a Source says where proposals and the decisions on them come from
//     (BranchSource: proposal branches; adapters/github: pull requests and
//     their reviews). A Source only reads; the loop verifies everything it
//     hands in through reconciler/intake.
//   - a Reporter says where outcomes go (the CLI's printer; adapters/github:
//     check runs and plan comments). It receives a reconciler/outcome.Report.
//
// Adapters implement Source and Reporter without importing this package;
// the command wires them in (ReconcileOptions.Source, .Reporters). Loading
// the state is reconciler/replay's job, reading and judging proposals
// reconciler/intake's, commit messages reconciler/wal's. The package also
// writes proposals and decisions (Propose, ProposeRules, Approve) and
// genesis (Init).
//
// A command (propose, approve, gate) loads once (Engine.Load: the state,
// the rules in force and their key ring, as Loaded) and passes that to
// every step it takes (ProposeWith, ProposeRulesWith, ApproveWith,
// PendingWith).
package reconciler
