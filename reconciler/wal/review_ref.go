package wal

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/writ-dev/writ/policies"
)

// ReviewRefPrefix starts the Ref of a decision that comes from a GitHub
// pull-request review rather than from a signed decision commit.
const ReviewRefPrefix = "github-review:"

// ReviewRef is a parsed review decision reference:
// "github-review:<review id>:<login>:<user id>".
type ReviewRef struct {
	ReviewID int64
	Login    string
	UserID   int64
}

// String renders the reference as a decision's Ref.
func (r ReviewRef) String() string {
	return ReviewRefPrefix + strconv.FormatInt(r.ReviewID, 10) + ":" + r.Login + ":" + strconv.FormatInt(r.UserID, 10)
}

// loginRe is a GitHub login: letters, digits and inner hyphens, at most 39
// characters, optionally an app's "[bot]" suffix.
var loginRe = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$`)

// IsReviewRef reports whether a decision's Ref claims to be a GitHub review
// (well formed or not).
func IsReviewRef(ref string) bool { return strings.HasPrefix(ref, ReviewRefPrefix) }

// ParseReviewRef parses "github-review:<review id>:<login>:<user id>". The
// ids are positive decimals; the login is a GitHub login. Anything else is
// an error.
func ParseReviewRef(ref string) (ReviewRef, error) {
	rest, ok := strings.CutPrefix(ref, ReviewRefPrefix)
	parts := strings.Split(rest, ":")
	if !ok || len(parts) != 3 {
		return ReviewRef{}, fmt.Errorf("review ref %q: want %s<review id>:<login>:<user id>", ref, ReviewRefPrefix)
	}
	id, err := positiveID(parts[0])
	if err != nil {
		return ReviewRef{}, fmt.Errorf("review ref %q: review id: %w", ref, err)
	}
	if !loginRe.MatchString(parts[1]) {
		return ReviewRef{}, fmt.Errorf("review ref %q: %q is not a GitHub login", ref, parts[1])
	}
	user, err := positiveID(parts[2])
	if err != nil {
		return ReviewRef{}, fmt.Errorf("review ref %q: user id: %w", ref, err)
	}
	return ReviewRef{ReviewID: id, Login: parts[1], UserID: user}, nil
}

func positiveID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, fmt.Errorf("%q is not a positive decimal id", s)
	}
	return n, nil
}

// OnReconcilersWord returns, in order, the references of the decisions that
// rest on the reconciler's word alone: those recorded from GitHub reviews
// (a review reference) rather than from a decision commit their decider
// signed. Replay checks such a reference's form, never the review itself:
// a holder of the reconciler's key could have written it. A malformed
// reference is left out (replay refuses its entry).
func OnReconcilersWord(decisions []policies.Decision) []ReviewRef {
	var out []ReviewRef
	for _, d := range decisions {
		if !IsReviewRef(d.Ref) {
			continue
		}
		if r, err := ParseReviewRef(d.Ref); err == nil {
			out = append(out, r)
		}
	}
	return out
}
