// Package reconciler is the reconcile loop: it drives the pure core
// (reconciler/core) against a control repository. It loads the verified
// state (reconciler/replay), gathers proposals and decisions
// (reconciler/intake), gates them and writes one signed entry on main per
// accepted transition, moving main only by compare-and-swap.
//
// A command (propose, approve, gate) loads once (Engine.Load: the state,
// the rules in force and their key ring, as Loaded) and passes that to
// every step it takes (ProposeWith, ProposeRulesWith, ApproveWith,
// PendingWith).
package reconciler
