package schemas

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"gopkg.in/yaml.v3"
)

// MaxDepth is how deeply mappings and lists may nest in one file. Deeper
// documents are refused rather than walked.
const MaxDepth = 64

// converter turns a yaml.Node tree into a JSON-compatible value
// (map[string]any, []any, string, json.Number, bool, nil), recording the
// position of every key and value. It refuses what JSON cannot say or what
// would make a reviewed file mean something other than it shows: non-string
// keys, duplicate keys, anchors, aliases, merge keys, custom tags, NaN and
// infinities.
type converter struct {
	pos      *Positions
	problems Problems
}

func (c *converter) failf(n *yaml.Node, path Path, format string, args ...any) {
	c.problems = append(c.problems, Problem{
		File: c.pos.file, Line: n.Line, Column: n.Column,
		Field: path.Field(), Message: fmt.Sprintf(format, args...),
	})
}

// child returns path extended by tok without sharing path's backing array.
func child(path Path, tok any) Path {
	out := make(Path, len(path), len(path)+1)
	copy(out, path)
	return append(out, tok)
}

// value converts n, found at path. key is the mapping key naming n, or nil
// for list items and the root.
func (c *converter) value(n, key *yaml.Node, path Path, depth int) any {
	l := loc{line: n.Line, col: n.Column, keyLine: n.Line, keyCol: n.Column, field: path.Field()}
	if key != nil {
		l.keyLine, l.keyCol = key.Line, key.Column
	}
	c.pos.locs[path.pointer()] = l

	if n.Kind == yaml.AliasNode {
		c.failf(n, path, "YAML aliases (*%s) are not supported; write the value out", n.Value)
		return nil
	}
	if n.Anchor != "" {
		c.failf(n, path, "YAML anchors (&%s) are not supported; write the value out", n.Anchor)
		return nil
	}
	if depth > MaxDepth {
		c.failf(n, path, "nested more than %d levels deep", MaxDepth)
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		if n.ShortTag() != "!!map" {
			c.failf(n, path, "unsupported YAML tag %s on a mapping", n.Tag)
			return nil
		}
		return c.mapping(n, path, depth)
	case yaml.SequenceNode:
		if n.ShortTag() != "!!seq" {
			c.failf(n, path, "unsupported YAML tag %s on a list", n.Tag)
			return nil
		}
		out := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			out = append(out, c.value(item, nil, child(path, i), depth+1))
		}
		return out
	case yaml.ScalarNode:
		return c.scalar(n, path)
	default:
		c.failf(n, path, "unexpected YAML node")
		return nil
	}
}

func (c *converter) mapping(n *yaml.Node, path Path, depth int) any {
	out := make(map[string]any, len(n.Content)/2)
	first := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind == yaml.AliasNode || k.Anchor != "":
			c.failf(k, path, "YAML anchors and aliases are not supported in mapping keys")
			continue
		case k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge":
			c.failf(k, path, "YAML merge keys (<<) are not supported; write the fields out")
			continue
		case k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str":
			c.failf(k, path, "mapping keys must be strings; quote the key %s", describeKey(k))
			continue
		}
		if prev, dup := first[k.Value]; dup {
			at := fmt.Sprintf("line %d", prev.Line)
			if prev.Line == k.Line {
				at = fmt.Sprintf("line %d, column %d", prev.Line, prev.Column)
			}
			c.failf(k, child(path, k.Value), "duplicate key %q (first at %s)", k.Value, at)
			continue
		}
		first[k.Value] = k
		out[k.Value] = c.value(v, k, child(path, k.Value), depth+1)
	}
	return out
}

func describeKey(k *yaml.Node) string {
	if k.Kind == yaml.ScalarNode {
		return strconv.Quote(k.Value)
	}
	return "(a mapping or list)"
}

func (c *converter) scalar(n *yaml.Node, path Path) any {
	switch n.ShortTag() {
	case "!!str", "!!timestamp", "!!binary":
		// Timestamps stay the text that was written; JSON has no dates.
		return n.Value
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			c.failf(n, path, "invalid boolean %q", n.Value)
			return nil
		}
		return b
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			c.failf(n, path, "invalid number %q", n.Value)
			return nil
		}
		num, ok := jsonNumber(v)
		if !ok {
			c.failf(n, path, "number %q cannot be represented in JSON", n.Value)
			return nil
		}
		return num
	default:
		c.failf(n, path, "unsupported YAML tag %s", n.Tag)
		return nil
	}
}

// jsonNumber normalizes a YAML number: integers in decimal, other numbers
// in their shortest form, so 1, 1.0 and 0x1 all become json.Number("1").
func jsonNumber(v any) (json.Number, bool) {
	switch v := v.(type) {
	case int:
		return json.Number(strconv.FormatInt(int64(v), 10)), true
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), true
	case uint64:
		return json.Number(strconv.FormatUint(v, 10)), true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", false
		}
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return json.Number(strconv.FormatInt(int64(v), 10)), true
		}
		return json.Number(strconv.FormatFloat(v, 'g', -1, 64)), true
	default:
		return "", false
	}
}
