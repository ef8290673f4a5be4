package schemas

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var englishPrinter = message.NewPrinter(language.English)

// schemaProblems turns a validation error into positioned problems, one per
// leaf cause (and one per unknown or missing field).
func (s *schemaSet) schemaProblems(pos *Positions, value any, verr *jsonschema.ValidationError) Problems {
	var out Problems
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		// A oneOf over "required" alternatives, marked x-exactly-one-of,
		// says which fields clash rather than why each alternative failed.
		if _, ok := e.ErrorKind.(*kind.OneOf); ok {
			if msg, ok := s.exactlyOneOf(e.SchemaURL, valueAt(value, e.InstanceLocation)); ok && msg != "" {
				out = append(out, pos.problemAtPointer(e.InstanceLocation, false, msg))
				return
			}
		}
		if _, ok := e.ErrorKind.(*kind.AnyOf); ok {
			if list, ok := s.rawAt(e.SchemaURL)["x-at-least-one-of"].([]any); ok {
				names := make([]string, len(list))
				for i, n := range list {
					names[i] = fmt.Sprint(n)
				}
				out = append(out, pos.problemAtPointer(e.InstanceLocation, false, "set at least one of "+strings.Join(names, ", ")))
				return
			}
		}
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		out = append(out, s.leafProblems(pos, value, e)...)
	}
	walk(verr)
	return out
}

func (s *schemaSet) leafProblems(pos *Positions, value any, e *jsonschema.ValidationError) Problems {
	at := e.InstanceLocation
	one := func(msg string) Problems { return Problems{pos.problemAtPointer(at, false, msg)} }
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		var out Problems
		allowed := s.propertyNames(e.SchemaURL)
		replaced, _ := s.rawAt(e.SchemaURL)["x-replaced"].(map[string]any)
		for _, name := range k.Properties {
			msg := fmt.Sprintf("unknown field %q", name)
			if how, ok := replaced[name].(string); ok {
				msg += " (" + how + ")"
			} else if near := closest(name, allowed); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			} else if len(allowed) > 0 {
				msg += " (allowed: " + strings.Join(allowed, ", ") + ")"
			}
			out = append(out, pos.problemAtPointer(append(slices.Clip(at), name), true, msg))
		}
		return out
	case *kind.Required:
		var out Problems
		for _, name := range k.Missing {
			out = append(out, pos.problemAtPointer(at, false, fmt.Sprintf("missing required field %q", name)))
		}
		return out
	case *kind.Type:
		got := k.Got
		if n, ok := valueAt(value, at).(json.Number); ok && !strings.ContainsAny(string(n), ".eE") {
			got = "integer"
		}
		return one(fmt.Sprintf("expected %s, got %s", typeNames(k.Want), typeName(got)))
	case *kind.Enum:
		return one(fmt.Sprintf("invalid value %s (allowed: %s)", display(k.Got), joinValues(k.Want)))
	case *kind.Const:
		return one(fmt.Sprintf("must be %s, got %s", display(k.Want), display(k.Got)))
	case *kind.Pattern:
		if redact, _ := s.rawAt(e.SchemaURL)["x-redact"].(bool); redact {
			// The field names a secret's variable; a value that does not
			// fit may be the secret itself, so it is never echoed.
			hint, _ := s.rawAt(e.SchemaURL)["x-hint"].(string)
			return one("invalid value (not shown: it may be a secret): " + hint)
		}
		if hint, _ := s.rawAt(e.SchemaURL)["x-hint"].(string); hint != "" {
			return one(fmt.Sprintf("invalid value %q: %s", k.Got, hint))
		}
		return one(fmt.Sprintf("invalid value %q: must match %s", k.Got, k.Want))
	case *kind.MinLength:
		if k.Want == 1 {
			return one("must not be empty")
		}
		return one(fmt.Sprintf("must be at least %d characters long", k.Want))
	case *kind.MaxLength:
		return one(fmt.Sprintf("must be at most %d characters long, got %d", k.Want, k.Got))
	case *kind.MinItems:
		if k.Want == 1 {
			return one("must list at least one item")
		}
		return one(fmt.Sprintf("must list at least %d items, got %d", k.Want, k.Got))
	case *kind.MaxItems:
		return one(fmt.Sprintf("must list at most %d items, got %d", k.Want, k.Got))
	case *kind.Minimum:
		return one(fmt.Sprintf("must be at least %s, got %s", k.Want.RatString(), k.Got.RatString()))
	case *kind.Maximum:
		return one(fmt.Sprintf("must be at most %s, got %s", k.Want.RatString(), k.Got.RatString()))
	case *kind.MinProperties, *kind.MaxProperties:
		if msg, ok := s.exactlyOneOf(e.SchemaURL, valueAt(value, at)); ok {
			if msg == "" {
				return nil // another error (a missing or unknown field) says it better
			}
			return one(msg)
		}
		if mp, ok := k.(*kind.MinProperties); ok && mp.Want == 1 {
			return one("must not be empty")
		}
		return one(e.ErrorKind.LocalizedString(englishPrinter))
	case *kind.OneOf:
		return one("matches more than one alternative")
	default:
		return one(e.ErrorKind.LocalizedString(englishPrinter))
	}
}

// exactlyOneOf explains a min/maxProperties failure on a schema that
// declares "x-exactly-one-of". ok is false when the schema has no such
// list; msg is empty when exactly one of the fields is present.
func (s *schemaSet) exactlyOneOf(schemaURL string, v any) (msg string, ok bool) {
	list, ok := s.rawAt(schemaURL)["x-exactly-one-of"].([]any)
	if !ok {
		return "", false
	}
	obj, _ := v.(map[string]any)
	var names, found []string
	for _, item := range list {
		name := fmt.Sprint(item)
		names = append(names, name)
		if _, ok := obj[name]; ok {
			found = append(found, name)
		}
	}
	switch len(found) {
	case 1:
		return "", true
	case 0:
		return "set exactly one of " + strings.Join(names, ", "), true
	default:
		return fmt.Sprintf("set exactly one of %s (found %s)", strings.Join(names, ", "), strings.Join(found, " and ")), true
	}
}

// propertyNames lists the fields the object schema at schemaURL allows.
func (s *schemaSet) propertyNames(schemaURL string) []string {
	props, _ := s.rawAt(schemaURL)["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// valueAt follows JSON pointer tokens into a JSON-compatible value.
func valueAt(v any, tokens []string) any {
	for _, t := range tokens {
		switch cur := v.(type) {
		case map[string]any:
			v = cur[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(cur) {
				return nil
			}
			v = cur[i]
		default:
			return nil
		}
	}
	return v
}

// typeName speaks YAML: JSON objects are mappings and arrays are lists.
func typeName(t string) string {
	switch t {
	case "object":
		return "mapping"
	case "array":
		return "list"
	case "null":
		return "nothing (null)"
	}
	return t
}

func typeNames(ts []string) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = typeName(t)
	}
	return strings.Join(names, " or ")
}

func display(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case json.Number, bool, nil, float64, int, int64:
		return fmt.Sprint(v)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return fmt.Sprint(v)
	}
}

func joinValues(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

// closest returns the candidate nearest to name by edit distance (with
// transpositions), if it is near enough to be a likely typo.
func closest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		d := editDistance(name, c)
		if d < bestD && d < len(c) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 20
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
