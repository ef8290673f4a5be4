package policies

import (
	"fmt"
	"path"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// predicate is the verdict on a rule's If: whether the rule applies, why not
// (every failing part, joined by "; "), and which parts could not be
// evaluated. A rule with a definitely failing part is skipped; otherwise a
// part that cannot be evaluated makes the rule apply (fail closed).
type predicate struct {
	applies bool
	why     string
	invalid string
}

// evalPredicate judges a rule's If against the facts. It is pure.
func evalPredicate(p *schemas.Predicate, f *Facts) predicate {
	if p == nil {
		return predicate{applies: true}
	}
	var failed, invalid []string

	if p.MaterialityAtLeast != "" && f.Materiality.Rank() < p.MaterialityAtLeast.Rank() {
		failed = append(failed, fmt.Sprintf("materiality %s is below %s",
			f.Materiality.Max(schemas.MaterialityLow), p.MaterialityAtLeast))
	}

	for _, c := range p.Inputs {
		ok, why, bad := evalCondition(c, f.Inputs)
		switch {
		case bad:
			invalid = append(invalid, why)
		case !ok:
			failed = append(failed, why)
		}
	}

	if len(p.ChangedFiles) > 0 {
		matched, bad := matchAny(p.ChangedFiles, f.ChangedFiles)
		invalid = append(invalid, bad...)
		if !matched && len(bad) == 0 {
			globs := strings.Join(p.ChangedFiles, " or ")
			if len(f.ChangedFiles) == 0 {
				failed = append(failed, "no files changed, rule needs a change to "+globs)
			} else {
				failed = append(failed, "no changed file matches "+globs)
			}
		}
	}

	switch {
	case len(failed) > 0:
		return predicate{why: strings.Join(failed, "; ")}
	case len(invalid) > 0:
		return predicate{applies: true, invalid: strings.Join(invalid, "; ")}
	}
	return predicate{applies: true}
}

// matchAny reports whether some file matches some glob, and describes every
// invalid glob. A match decides even when another glob is invalid.
func matchAny(globs, files []string) (matched bool, invalid []string) {
	for _, g := range globs {
		if err := validGlob(g); err != nil {
			invalid = append(invalid, fmt.Sprintf("changed_files pattern %q is invalid", g))
			continue
		}
		for _, name := range files {
			if matchGlob(g, name) {
				return true, nil
			}
		}
	}
	return false, invalid
}

// validGlob checks every segment of a glob with path.Match, which reports
// a malformed pattern even when the name does not match.
func validGlob(g string) error {
	for _, seg := range strings.Split(g, "/") {
		if _, err := path.Match(seg, ""); err != nil {
			return err
		}
	}
	return nil
}

// matchGlob matches a slash-separated name against a valid glob: each
// segment as path.Match does, and a segment "**" matching zero or more whole
// segments.
func matchGlob(pattern, name string) bool {
	if !strings.Contains(pattern, "**") {
		ok, _ := path.Match(pattern, name)
		return ok
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegments(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for len(pat) > 1 && pat[1] == "**" {
				pat = pat[1:]
			}
			for i := 0; i <= len(segs); i++ {
				if matchSegments(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}
