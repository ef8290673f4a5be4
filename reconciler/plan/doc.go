// Package plan is the one home of what an approver sees before deciding a
// proposal: who proposed and signed it, why (justification, evidence,
// inputs), what it does to its instance (before → after, regions
// included), the guards, what each rule of the policy still needs, the
// policy that judges it (name and version, in the rules in force), and for
// a rules change the unified diff of every changed governed file.
//
// Build turns a gate result (intake.GateResult) and what the caller read
// for it (Input) into a View; View.Text renders it for a terminal. The
// package is pure: no clock, no I/O, no map order in any output, no
// panics. Every piece of text a proposer or approver chose is neutralised
// in the text rendering (Clean): control characters, ANSI escapes and
// bidirectional overrides are spelled out, and multi-line text is indented
// so it cannot forge a line of its own. JSON carries the raw values.
//
// `writ show`, `writ gate` and the GitHub plan comment render the same
// View, so the three never disagree on what is being decided.
package plan
