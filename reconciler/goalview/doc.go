// Package goalview is the read side of goal lineages: it renders them as
// a tree for a human approver (Tree), draws one as a graph (Graph:
// Mermaid, DOT or SVG) and scans them for what needs attention (Scan:
// stalls, conflicting next steps and ambiguous completions), each finding
// with the declare-block proposal an identity could make of it. It reads
// core.LineageView values only: no I/O, no clock (the time a scan is
// measured at is an argument), no map order; the same input gives the
// same bytes. Scan has no authority: it writes nothing, and its
// suggestions count only once an identity proposes them.
//
// The JSON forms of `writ goals --json` and `writ scan --json` are
// GoalsJSON and ScanJSON (schemas/output/goals.schema.json and
// scan.schema.json).
package goalview
