// Package chart draws a workflow's statechart. It is pure and
// deterministic: the same workflow and highlight give the same bytes (the
// workflow's declaration order decides every order; no map is ranged
// over). Three renderers draw the same nodes, ids, edges and highlight:
// Mermaid (for GitHub comments), DOT (Graphviz) and SVG, laid out here in
// Go with no external tool. Diagram draws any other small directed graph
// (a goal lineage's tasks and blocks) with the same three formats, layout
// and escaping.
package chart

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// Highlight marks where an instance is and where a proposal would take
// it. State names a top-level state; Regions the current sub-state of each
// region of a parallel state. An empty State marks nothing.
type Highlight struct {
	Current, Next               string
	CurrentRegions, NextRegions map[string]string
}

// Class names and styles of the highlight (Mermaid classDef).
const (
	ClassCurrent = "current"
	ClassNext    = "next"
	styleCurrent = "fill:#fff4c2,stroke:#9a6700,stroke-width:2px"
	styleNext    = "fill:#dafbe1,stroke:#1a7f37,stroke-width:3px"
)

// Mermaid renders wf as a Mermaid stateDiagram-v2: one node per state
// (labelled with its name; ids are s<index> so any name is safe), one edge
// per transition and source state labelled with the transition's name, a
// parallel state as a composite whose regions are separated by "--",
// creating transitions from [*] and terminal states to [*]. The built-in
// quarantined state is drawn only when highlighted. The current state (and
// region sub-states) get class ClassCurrent, the next ClassNext; where
// both fall on one node, it is next.
func Mermaid(wf *schemas.Workflow, h Highlight) string {
	g := newGraph(wf)
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	if wf.Description != "" {
		fmt.Fprintf(&b, "    %%%% %s\n", label(wf.Name+": "+wf.Description))
	}
	for _, st := range wf.States {
		id := g.top[st.Name]
		if len(st.Regions) == 0 {
			fmt.Fprintf(&b, "    state \"%s\" as %s\n", label(st.Name), id)
			continue
		}
		fmt.Fprintf(&b, "    state \"%s\" as %s {\n", label(st.Name), id)
		for i, r := range st.Regions {
			if i > 0 {
				b.WriteString("        --\n")
			}
			for _, sub := range r.States {
				fmt.Fprintf(&b, "        state \"%s\" as %s\n", label(sub), g.sub(st.Name, r.Name, sub))
			}
			fmt.Fprintf(&b, "        [*] --> %s\n", g.sub(st.Name, r.Name, r.Initial))
			for _, tr := range wf.Transitions {
				if tr.Region != r.Name {
					continue
				}
				for _, from := range tr.From {
					if slices(r.States, from) && slices(r.States, tr.To) {
						fmt.Fprintf(&b, "        %s --> %s: %s\n", g.sub(st.Name, r.Name, from), g.sub(st.Name, r.Name, tr.To), label(tr.Name))
					}
				}
			}
		}
		b.WriteString("    }\n")
	}
	quarantined := h.Current == schemas.QuarantinedState || h.Next == schemas.QuarantinedState
	if quarantined && g.top[schemas.QuarantinedState] == "" {
		g.top[schemas.QuarantinedState] = "sq"
		fmt.Fprintf(&b, "    state \"%s\" as sq\n", schemas.QuarantinedState)
	}
	for _, tr := range wf.Transitions {
		if tr.Region != "" {
			continue
		}
		to, ok := g.top[tr.To]
		if !ok {
			continue
		}
		if len(tr.From) == 0 {
			fmt.Fprintf(&b, "    [*] --> %s: %s\n", to, label(tr.Name))
		}
		for _, from := range tr.From {
			if id, ok := g.top[from]; ok {
				fmt.Fprintf(&b, "    %s --> %s: %s\n", id, to, label(tr.Name))
			}
		}
	}
	for _, st := range wf.States {
		if st.Terminal {
			fmt.Fprintf(&b, "    %s --> [*]\n", g.top[st.Name])
		}
	}
	g.highlight(&b, h)
	return b.String()
}

// graph names the nodes of one workflow.
type graph struct {
	wf  *schemas.Workflow
	top map[string]string // state name -> id
}

func newGraph(wf *schemas.Workflow) *graph {
	g := &graph{wf: wf, top: map[string]string{}}
	for i, st := range wf.States {
		g.top[st.Name] = fmt.Sprintf("s%d", i)
	}
	return g
}

// sub is the id of a region's sub-state: unique across the diagram, as
// Mermaid wants, since two regions may name a sub-state alike.
func (g *graph) sub(state, region, name string) string {
	for i, st := range g.wf.States {
		if st.Name != state {
			continue
		}
		for j, r := range st.Regions {
			if r.Name != region {
				continue
			}
			for k, s := range r.States {
				if s == name {
					return fmt.Sprintf("s%d_%d_%d", i, j, k)
				}
			}
		}
	}
	return "unknown"
}

// highlight writes the class definitions and assignments of h.
func (g *graph) highlight(b *strings.Builder, h Highlight) {
	type mark struct{ id, class string }
	var marks []mark
	add := func(state string, regions map[string]string, class string) {
		id, ok := g.top[state]
		if state == "" || !ok {
			return
		}
		marks = append(marks, mark{id, class})
		for _, st := range g.wf.States {
			if st.Name != state {
				continue
			}
			for _, r := range st.Regions {
				if sub, ok := regions[r.Name]; ok {
					marks = append(marks, mark{g.sub(state, r.Name, sub), class})
				}
			}
		}
	}
	add(h.Current, h.CurrentRegions, ClassCurrent)
	add(h.Next, h.NextRegions, ClassNext)
	if len(marks) == 0 {
		return
	}
	fmt.Fprintf(b, "    classDef %s %s\n", ClassCurrent, styleCurrent)
	fmt.Fprintf(b, "    classDef %s %s\n", ClassNext, styleNext)
	// A node marked twice keeps its last mark (next), written once.
	final := map[string]string{}
	var order []string
	for _, m := range marks {
		if _, seen := final[m.id]; !seen {
			order = append(order, m.id)
		}
		final[m.id] = m.class
	}
	for _, id := range order {
		fmt.Fprintf(b, "    class %s %s\n", id, final[id])
	}
}

func slices(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// label makes a name safe inside a Mermaid label or comment: no quotes,
// colons, semicolons, braces or line breaks, which would end it.
func label(s string) string {
	r := strings.NewReplacer("\"", "'", ":", " ", ";", " ", "{", "(", "}", ")", "\n", " ", "\r", " ", "#", " ", "%", " ")
	return strings.Join(strings.Fields(r.Replace(s)), " ")
}
