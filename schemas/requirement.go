package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// UnmarshalYAML accepts a bare rule name as shorthand for {rule: name}, or
// a mapping with rule, all or any.
func (r *Requirement) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.ShortTag() != "!!str" {
			return fmt.Errorf("line %d: a requirement is a rule name or a mapping, got %s", n.Line, n.Value)
		}
		*r = Requirement{Rule: n.Value}
		return nil
	}
	type plain Requirement // no methods: avoids recursing into UnmarshalYAML
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*r = Requirement(p)
	return nil
}

// UnmarshalJSON accepts a bare rule name as shorthand for {"rule": name},
// or an object with rule, all or any.
func (r *Requirement) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var name string
		if err := json.Unmarshal(b, &name); err != nil {
			return err
		}
		*r = Requirement{Rule: name}
		return nil
	}
	type plain Requirement
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = Requirement(p)
	return nil
}

// Rules returns the rule names the tree mentions, depth first, in the order
// written (a name may repeat).
func (r *Requirement) Rules() []string {
	if r == nil {
		return nil
	}
	var out []string
	var walk func(q *Requirement)
	walk = func(q *Requirement) {
		if q.Rule != "" {
			out = append(out, q.Rule)
		}
		for i := range q.All {
			walk(&q.All[i])
		}
		for i := range q.Any {
			walk(&q.Any[i])
		}
	}
	walk(r)
	return out
}
