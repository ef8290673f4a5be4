package policies

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// EvalCondition reports whether one input condition holds for the proposal
// inputs, and why, in a phrase fit for an explanation tree (for example
// `input environment is "staging", rule needs "production"`). It is pure:
// no I/O, no clock, and the same arguments always give the same answer.
//
// Equals and In compare canonical JSON with numbers normalised to exact
// rationals, so 1 (int from YAML), 1.0 (float64 from JSON) and 1e0 are equal,
// also inside lists and objects. Matches is a Go regexp anchored at both
// ends, applied to a string input or to the JSON text of a number or bool.
// Exists tests whether the input is present with a non-null value; a null
// input counts as absent for every test. A condition that sets none or more
// than one test, an invalid regexp, or a value that cannot be encoded as
// JSON gives false with the reason in why.
func EvalCondition(c schemas.Condition, inputs map[string]any) (ok bool, why string) {
	ok, why, _ = evalCondition(c, inputs)
	return ok, why
}

// evalCondition is EvalCondition that also tells a malformed condition
// (invalid is true) from one that is merely false, so rule predicates can
// fail closed.
func evalCondition(c schemas.Condition, inputs map[string]any) (ok bool, why string, invalid bool) {
	in := "input " + c.Input
	tests := 0
	for _, set := range []bool{c.Equals != nil, len(c.In) > 0, c.Matches != "", c.Exists != nil} {
		if set {
			tests++
		}
	}
	switch tests {
	case 0:
		return false, in + ": condition sets none of equals, in, matches, exists", true
	case 1:
	default:
		return false, in + ": condition sets more than one of equals, in, matches, exists", true
	}
	val, present := inputs[c.Input]
	if val == nil {
		present = false
	}

	switch {
	case c.Exists != nil:
		switch {
		case present && *c.Exists:
			return true, in + " is set", false
		case !present && !*c.Exists:
			return true, in + " is not set", false
		case present:
			return false, in + " is set, rule needs it unset", false
		default:
			return false, in + " is not set, rule needs it set", false
		}

	case c.Equals != nil:
		want, err := canonicalize(c.Equals)
		if err != nil {
			return false, fmt.Sprintf("%s: equals value: %v", in, err), true
		}
		if !present {
			return false, fmt.Sprintf("%s is not set, rule needs %s", in, want.text), false
		}
		got, err := canonicalize(val)
		if err != nil {
			return false, fmt.Sprintf("%s: %v", in, err), false
		}
		if got.key == want.key {
			return true, fmt.Sprintf("%s is %s", in, got.text), false
		}
		return false, fmt.Sprintf("%s is %s, rule needs %s", in, got.text, want.text), false

	case len(c.In) > 0:
		wants := make([]canonical, len(c.In))
		texts := make([]string, len(c.In))
		for i, w := range c.In {
			cw, err := canonicalize(w)
			if err != nil {
				return false, fmt.Sprintf("%s: in value %d: %v", in, i, err), true
			}
			wants[i], texts[i] = cw, cw.text
		}
		list := strings.Join(texts, ", ")
		if !present {
			return false, fmt.Sprintf("%s is not set, rule needs one of %s", in, list), false
		}
		got, err := canonicalize(val)
		if err != nil {
			return false, fmt.Sprintf("%s: %v", in, err), false
		}
		for _, w := range wants {
			if w.key == got.key {
				return true, fmt.Sprintf("%s is %s", in, got.text), false
			}
		}
		return false, fmt.Sprintf("%s is %s, rule needs one of %s", in, got.text, list), false

	default: // Matches
		re, err := regexp.Compile(`^(?:` + c.Matches + `)$`)
		if err != nil {
			return false, fmt.Sprintf("%s: invalid pattern %q: %v", in, c.Matches, err), true
		}
		if !present {
			return false, fmt.Sprintf("%s is not set, rule needs a match for %s", in, c.Matches), false
		}
		s, display, scalar := scalarText(val)
		if !scalar {
			return false, fmt.Sprintf("%s is %s, rule needs a string matching %s", in, display, c.Matches), false
		}
		if re.MatchString(s) {
			return true, fmt.Sprintf("%s is %s, matches %s", in, display, c.Matches), false
		}
		return false, fmt.Sprintf("%s is %s, rule needs a match for %s", in, display, c.Matches), false
	}
}

// canonical is a value in two forms: text is its canonical JSON, for
// people; key compares numbers by exact value, for equality.
type canonical struct {
	text string
	key  string
}

// canonicalize encodes v with schemas.CanonicalJSON and derives an equality
// key in which every number is an exact rational, so 1, 1.0 and 1e0 agree.
func canonicalize(v any) (canonical, error) {
	raw, err := schemas.CanonicalJSON(v)
	if err != nil {
		return canonical{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return canonical{}, fmt.Errorf("canonical json: %w", err)
	}
	var key strings.Builder
	writeKey(&key, generic)
	return canonical{text: string(raw), key: key.String()}, nil
}

// writeKey writes an injective encoding of a decoded JSON value. Object
// keys are sorted; numbers are written as reduced fractions.
func writeKey(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		b.WriteString(strconv.Quote(x))
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(x)); ok {
			b.WriteString("#" + r.RatString())
		} else {
			b.WriteString("#" + string(x))
		}
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeKey(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeKey(b, x[k])
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "?%v", x)
	}
}

// scalarText returns the text a Matches pattern is applied to: a string as
// is, a number or bool as its canonical JSON. display is the value as shown
// in explanations. scalar is false for lists, objects and unencodable
// values.
func scalarText(v any) (text, display string, scalar bool) {
	raw, err := schemas.CanonicalJSON(v)
	if err != nil {
		return "", fmt.Sprintf("%T", v), false
	}
	s := string(raw)
	if str, ok := v.(string); ok {
		return str, s, true
	}
	switch {
	case s == "true" || s == "false":
		return s, s, true
	case s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')):
		return s, s, true
	}
	return "", s, false
}
