package github

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// Ignored is a review that is not a decision, and why: a comment, a
// dismissed or superseded review, a login that is no identity.
type Ignored struct {
	// Ref is "review:<id>".
	Ref string
	// Login is the reviewer's GitHub login; Identity their writ identity,
	// if known.
	Login    string
	Identity string
	State    string
	Reason   string
}

// Reasons an Ignored review carries (with details appended after ": ").
const (
	IgnoredUnknownLogin = "not an identity in writ.yaml"
	IgnoredCommented    = "commented without approving or requesting changes"
	IgnoredDismissed    = "dismissed"
	IgnoredSuperseded   = "superseded by a later review"
	IgnoredNoCommit     = "GitHub no longer knows the commit it was made on"
	IgnoredUnknownState = "unknown review state"
)

// Decisions turns a pull request's reviews into decisions for the policy
// evaluator. It is pure: the same arguments give the same result.
//
//   - Reviews are taken in submission order (SubmittedAt, then ID); each
//     user's latest APPROVED or CHANGES_REQUESTED review is their decision.
//   - APPROVED is VerdictApprove; CHANGES_REQUESTED is VerdictReject with
//     the review body as justification, whatever the body says.
//   - A COMMENTED or APPROVED review whose body starts "/writ override
//     <why>" (OverridePrefix) is also a VerdictOverride with that
//     justification: an override request of its own, which neither
//     supersedes nor is superseded by the user's approval or rejection
//     (only by their later override request). Whether it stands is the
//     policy's call (policies.Evaluate); one that does not stand changes
//     nothing.
//   - DISMISSED cancels that user's earlier reviews: a dismissed
//     "changes requested" stops blocking, a dismissed approval stops
//     counting, a dismissed override request stops standing, and only a
//     later review decides again.
//   - COMMENTED decides nothing else and supersedes nothing.
//   - Decision.Commit is the review's commit_id; Decision.Content is
//     contentAt(commit_id), the proposal's content hash there, so the
//     evaluator keeps an approval across a rebase that leaves the proposal
//     identical and voids it when the content changed. If contentAt fails,
//     Content stays empty and the decision covers its own commit only.
//   - Decision.Ref is "review:<id>".
//   - identityOf maps a login to a writ identity; a login it does not know
//     is ignored with IgnoredUnknownLogin.
//
// Decisions does not know the pull request's author: it returns their
// review like any other, and the evaluator, which counts the author only
// under a rule that sets allow_author, says so in its explanation.
//
// The result lists decisions in the order of their reviews (an approval
// before the override request of the same review); ignored reviews are in
// submission order.
func Decisions(reviews []Review, identityOf func(login string) (identity string, ok bool), contentAt func(commitSHA string) (string, error)) ([]policies.Decision, []Ignored) {
	rs := append([]Review(nil), reviews...)
	sortReviews(rs)

	type pending struct {
		review   Review
		identity string
	}
	// Two tracks per lower-cased login: the deciding approval or
	// rejection, and the latest override request.
	current := map[string]*pending{}
	overrides := map[string]*pending{}
	var ignored []Ignored
	ignore := func(r Review, identity, reason string) {
		ignored = append(ignored, Ignored{Ref: ref(r), Login: r.UserLogin, Identity: identity, State: r.State, Reason: reason})
	}
	// decide makes r its author's deciding review in track, superseding an
	// earlier one there (a review already ignored is not listed twice).
	decide := func(track map[string]*pending, key string, r Review, identity string) {
		if prev := track[key]; prev != nil && ref(prev.review) != ref(r) {
			ignore(prev.review, prev.identity, IgnoredSuperseded+" ("+ref(r)+")")
		}
		track[key] = &pending{review: r, identity: identity}
	}
	for _, r := range rs {
		key := strings.ToLower(r.UserLogin)
		identity, known := identityOf(r.UserLogin)
		state := strings.ToUpper(r.State)
		_, isOverride := OverrideJustification(r.Body)
		switch {
		case isOverride && (state == "COMMENTED" || state == "APPROVED") && known && r.CommitID != "":
			decide(overrides, key, r, identity)
			if state == "APPROVED" {
				decide(current, key, r, identity)
			}
		case state == "COMMENTED":
			ignore(r, identity, IgnoredCommented)
		case state == "DISMISSED":
			for _, track := range []map[string]*pending{current, overrides} {
				if prev := track[key]; prev != nil {
					ignore(prev.review, prev.identity, IgnoredDismissed+" by "+ref(r))
					delete(track, key)
				}
			}
			ignore(r, identity, IgnoredDismissed)
		case state != "APPROVED" && state != "CHANGES_REQUESTED":
			ignore(r, identity, fmt.Sprintf("%s %q", IgnoredUnknownState, r.State))
		case !known:
			ignore(r, "", fmt.Sprintf("%s: GitHub user %s", IgnoredUnknownLogin, r.UserLogin))
		case r.CommitID == "":
			ignore(r, identity, IgnoredNoCommit)
		default:
			decide(current, key, r, identity)
		}
	}
	pos := make(map[string]int, len(rs))
	for i, r := range rs {
		pos[ref(r)] = i
	}
	sort.SliceStable(ignored, func(i, j int) bool { return pos[ignored[i].Ref] < pos[ignored[j].Ref] })
	ignored = dedupeIgnored(ignored)
	type placed struct {
		at, seq int
		d       policies.Decision
	}
	var out []placed
	add := func(p *pending, verdict policies.Verdict, why string, seq int) {
		r := p.review
		d := policies.Decision{Identity: p.identity, Verdict: verdict, Commit: r.CommitID, Ref: ref(r), Justification: why,
			Plan: ReviewPlan(r.Body)}
		if content, err := contentAt(r.CommitID); err == nil {
			d.Content = content
		}
		out = append(out, placed{at: pos[ref(r)], seq: seq, d: d})
	}
	for _, p := range current {
		if strings.ToUpper(p.review.State) == "APPROVED" {
			add(p, policies.VerdictApprove, "", 0)
		} else {
			add(p, policies.VerdictReject, oneLine(p.review.Body), 0)
		}
	}
	for _, p := range overrides {
		why, _ := OverrideJustification(p.review.Body)
		add(p, policies.VerdictOverride, why, 1)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].at != out[j].at {
			return out[i].at < out[j].at
		}
		return out[i].seq < out[j].seq
	})
	decisions := make([]policies.Decision, len(out))
	for i, p := range out {
		decisions[i] = p.d
	}
	if len(decisions) == 0 {
		decisions = nil
	}
	return decisions, ignored
}

// dedupeIgnored drops a repeated (ref, reason) pair, keeping the first.
func dedupeIgnored(in []Ignored) []Ignored {
	seen := map[[2]string]bool{}
	out := in[:0]
	for _, ig := range in {
		k := [2]string{ig.Ref, ig.Reason}
		if !seen[k] {
			seen[k] = true
			out = append(out, ig)
		}
	}
	return out
}

// IdentityByLogin builds Decisions' identityOf from a map of GitHub login
// to identity name. GitHub logins are case-insensitive, so lookups are too.
func IdentityByLogin(logins map[string]string) func(login string) (string, bool) {
	lower := make(map[string]string, len(logins))
	for login, id := range logins {
		lower[strings.ToLower(login)] = id
	}
	return func(login string) (string, bool) {
		id, ok := lower[strings.ToLower(login)]
		return id, ok
	}
}

func ref(r Review) string { return "review:" + strconv.FormatInt(r.ID, 10) }

// oneLine folds a review body to one line, as the WAL's trailers need.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// OverridePrefix starts a review body that asks for break-glass: a review
// (approve or comment) whose first line is "/writ override <justification>"
// records an OVERRIDE decision (an approval records its approval too).
// Whether it stands (the override capability, a justification, not the
// author, a human) is the policy's call (policies.Evaluate).
const OverridePrefix = "/writ override"

// OverrideJustification reports whether a review body asks for an override
// and returns its justification (possibly empty: such an override never
// stands).
func OverrideJustification(body string) (string, bool) {
	first, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	rest, ok := strings.CutPrefix(strings.TrimSpace(first), OverridePrefix)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return "", false
	}
	return oneLine(rest), true
}

// PlanTrailer is the line a reviewer adds to a review's body to bind it to
// the plan the plan comment showed: "Writ-Plan: sha256:<hex>", the digest
// the comment prints (core.PlanContext). A review that names a plan counts
// only while that is the plan; one that names none binds by its commit.
const PlanTrailer = "Writ-Plan:"

// ReviewPlan returns the plan digest a review body names on a line of its
// own ("Writ-Plan: sha256:<64 hex>", the key in any case), "" when it
// names none. A body whose Writ-Plan line is malformed, or that names two
// different plans, gets NoPlan, which no plan ever has: the reviewer meant
// to bind the review to a plan, so it must not count on whatever plan is
// judged.
func ReviewPlan(body string) string {
	plan := ""
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if len(line) < len(PlanTrailer) || !strings.EqualFold(line[:len(PlanTrailer)], PlanTrailer) {
			continue
		}
		v := strings.TrimSpace(line[len(PlanTrailer):])
		switch {
		case !schemas.IsSHA256Hash(v), plan != "" && plan != v:
			return NoPlan
		}
		plan = v
	}
	return plan
}

// NoPlan is the plan a review with a malformed or contradictory Writ-Plan
// line is bound to: a well-formed digest no plan has.
var NoPlan = "sha256:" + strings.Repeat("0", 64)
