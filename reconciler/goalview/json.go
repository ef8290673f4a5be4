package goalview

import (
	"slices"

	"github.com/writ-dev/writ/reconciler/core"
)

// GoalsJSON is `writ goals --json` (schemas/output/goals.schema.json):
// every lineage as core.LineageView encodes it, sorted by id.
type GoalsJSON struct {
	Lineages []core.LineageView `json:"lineages"`
}

// ScanJSON is `writ scan --json` (schemas/output/scan.schema.json): the
// time the scan was measured at and its findings (Scan's order).
type ScanJSON struct {
	At       core.HLC  `json:"at"`
	Findings []Finding `json:"findings"`
}

// ToGoalsJSON returns views as GoalsJSON with every list that a view
// leaves nil written as [] (copies; views is not changed), so a list
// field is always an array.
func ToGoalsJSON(views []core.LineageView) GoalsJSON {
	out := GoalsJSON{Lineages: make([]core.LineageView, 0, len(views))}
	for _, v := range views {
		v.Tasks = slices.Clone(v.Tasks)
		v.Blocks = slices.Clone(v.Blocks)
		if v.Tasks == nil {
			v.Tasks = []core.TaskView{}
		}
		if v.Blocks == nil {
			v.Blocks = []core.BlockView{}
		}
		for i := range v.Tasks {
			v.Tasks[i].DeclaredBy = nonNil(v.Tasks[i].DeclaredBy)
		}
		for i := range v.Blocks {
			b := &v.Blocks[i]
			b.DeclaredBy, b.ConfirmedBy, b.RefutedBy = nonNil(b.DeclaredBy), nonNil(b.ConfirmedBy), nonNil(b.RefutedBy)
		}
		out.Lineages = append(out.Lineages, v)
	}
	return out
}

// ToScanJSON returns findings measured at as ScanJSON, with no list nil.
func ToScanJSON(at core.HLC, findings []Finding) ScanJSON {
	out := ScanJSON{At: at, Findings: make([]Finding, 0, len(findings))}
	for _, f := range findings {
		f.Blocks = nonNil(f.Blocks)
		out.Findings = append(out.Findings, f)
	}
	return out
}
