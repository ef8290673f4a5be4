package core

// TEMPORARY: replaced by the reducer. These stubs let the goal views
// (reconciler/goalview, writ goals/graph --goal/scan) compile before the
// reducer that folds goal actions into state lands; they report no
// lineages.

// Lineages returns every lineage, sorted by id.
func (s State) Lineages() ([]LineageView, error) { return nil, nil }

// Lineage returns lineage id, and false when there is none.
func (s State) Lineage(id string) (LineageView, bool, error) { return LineageView{}, false, nil }
