package chart

import "github.com/writ-dev/writ/schemas"

// marks returns the class of every highlighted node id (ClassCurrent or
// ClassNext; where both fall on one node, next), as Mermaid assigns them.
func (g *graph) marks(h Highlight) map[string]string {
	out := map[string]string{}
	add := func(state string, regions map[string]string, class string) {
		id, ok := g.top[state]
		if state == "" || !ok {
			return
		}
		out[id] = class
		for _, st := range g.wf.States {
			if st.Name != state {
				continue
			}
			for _, r := range st.Regions {
				if sub, ok := regions[r.Name]; ok {
					out[g.sub(state, r.Name, sub)] = class
				}
			}
		}
	}
	add(h.Current, h.CurrentRegions, ClassCurrent)
	add(h.Next, h.NextRegions, ClassNext)
	return out
}

// withQuarantine names the built-in quarantined state "sq" when h
// highlights it and the workflow does not declare it; it reports whether
// the state is to be drawn as an extra node.
func (g *graph) withQuarantine(h Highlight) bool {
	if h.Current != schemas.QuarantinedState && h.Next != schemas.QuarantinedState {
		return false
	}
	if g.top[schemas.QuarantinedState] != "" {
		return false
	}
	g.top[schemas.QuarantinedState] = "sq"
	return true
}

// edge is one drawn transition between two node ids ("" from: a creating
// transition).
type edge struct{ from, to, label string }

// topEdges are the transitions between top-level states, in declaration
// order (one per source state).
func (g *graph) topEdges() []edge {
	var out []edge
	for _, tr := range g.wf.Transitions {
		if tr.Region != "" {
			continue
		}
		to, ok := g.top[tr.To]
		if !ok {
			continue
		}
		if len(tr.From) == 0 {
			out = append(out, edge{"", to, tr.Name})
		}
		for _, from := range tr.From {
			if id, ok := g.top[from]; ok {
				out = append(out, edge{id, to, tr.Name})
			}
		}
	}
	return out
}

// regionEdges are the transitions inside one region of a parallel state.
func (g *graph) regionEdges(state string, r schemas.Region) []edge {
	var out []edge
	for _, tr := range g.wf.Transitions {
		if tr.Region != r.Name {
			continue
		}
		for _, from := range tr.From {
			if slices(r.States, from) && slices(r.States, tr.To) {
				out = append(out, edge{g.sub(state, r.Name, from), g.sub(state, r.Name, tr.To), tr.Name})
			}
		}
	}
	return out
}
