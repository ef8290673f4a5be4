package github_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

const (
	shaOld  = "1111111111111111111111111111111111111111"
	shaHead = "2222222222222222222222222222222222222222"
	shaBase = "3333333333333333333333333333333333333333"
	hashA   = "sha256:aaaa"
	hashB   = "sha256:bbbb"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func rv(id int64, login, state, commit string, minute int) github.Review {
	return github.Review{ID: id, UserLogin: login, State: state, CommitID: commit, SubmittedAt: t0.Add(time.Duration(minute) * time.Minute)}
}

var logins = github.IdentityByLogin(map[string]string{"Alice-GH": "alice", "bob-gh": "bob", "deploy-bot": "deploy-agent", "carol-gh": "carol"})

func contents(m map[string]string) func(string) (string, error) {
	return func(c string) (string, error) {
		if h, ok := m[c]; ok {
			return h, nil
		}
		return "", errors.New("unknown commit")
	}
}

func TestDecisions(t *testing.T) {
	same := contents(map[string]string{shaOld: hashA, shaHead: hashA})
	changed := contents(map[string]string{shaOld: hashA, shaHead: hashB})
	tests := []struct {
		name        string
		reviews     []github.Review
		contentAt   func(string) (string, error)
		want        []policies.Decision
		wantIgnored []string // "ref reason-prefix"
	}{
		{
			name:      "approval on the head",
			reviews:   []github.Review{rv(1, "alice-gh", "APPROVED", shaHead, 1)},
			contentAt: changed,
			want:      []policies.Decision{{Identity: "alice", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashB, Ref: "review:1"}},
		},
		{
			name:      "approval on an older commit keeps that commit and its content",
			reviews:   []github.Review{rv(1, "alice-gh", "APPROVED", shaOld, 1)},
			contentAt: changed,
			want:      []policies.Decision{{Identity: "alice", Verdict: policies.VerdictApprove, Commit: shaOld, Content: hashA, Ref: "review:1"}},
		},
		{
			name:      "self-approval is returned; the evaluator excludes the author",
			reviews:   []github.Review{rv(1, "deploy-bot", "APPROVED", shaHead, 1)},
			contentAt: same,
			want:      []policies.Decision{{Identity: "deploy-agent", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashA, Ref: "review:1"}},
		},
		{
			name:        "dismissed approval no longer counts",
			reviews:     []github.Review{rv(1, "alice-gh", "APPROVED", shaHead, 1), rv(2, "alice-gh", "DISMISSED", shaHead, 2)},
			contentAt:   same,
			wantIgnored: []string{"review:1 dismissed by review:2", "review:2 dismissed"},
		},
		{
			name: "a dismissed review keeps nothing of the user's older reviews",
			// GitHub turns the dismissed review's state into DISMISSED; the
			// approval before it is cancelled too.
			reviews:     []github.Review{rv(1, "bob-gh", "APPROVED", shaOld, 1), rv(2, "bob-gh", "DISMISSED", shaHead, 2)},
			contentAt:   same,
			wantIgnored: []string{"review:1 dismissed by review:2", "review:2 dismissed"},
		},
		{
			name:        "changes requested, then approved",
			reviews:     []github.Review{{ID: 1, UserLogin: "carol-gh", State: "CHANGES_REQUESTED", CommitID: shaOld, Body: "fix\nthe ticket", SubmittedAt: t0}, rv(2, "carol-gh", "APPROVED", shaHead, 5)},
			contentAt:   same,
			want:        []policies.Decision{{Identity: "carol", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashA, Ref: "review:2"}},
			wantIgnored: []string{"review:1 superseded by a later review (review:2)"},
		},
		{
			name:        "changes requested blocks with the body as justification",
			reviews:     []github.Review{{ID: 1, UserLogin: "carol-gh", State: "CHANGES_REQUESTED", CommitID: shaHead, Body: "wrong\n  ticket", SubmittedAt: t0}, rv(2, "carol-gh", "COMMENTED", shaHead, 5)},
			contentAt:   same,
			want:        []policies.Decision{{Identity: "carol", Verdict: policies.VerdictReject, Commit: shaHead, Content: hashA, Ref: "review:1", Justification: "wrong ticket"}},
			wantIgnored: []string{"review:2 commented without approving or requesting changes"},
		},
		{
			name: "an approval naming the plan shown binds to it; a malformed plan line binds to no plan; none binds by commit",
			reviews: []github.Review{
				{ID: 1, UserLogin: "alice-gh", State: "APPROVED", CommitID: shaHead, Body: "LGTM\n  writ-plan:  sha256:" + strings.Repeat("ab", 32) + " \n", SubmittedAt: t0},
				{ID: 2, UserLogin: "bob-gh", State: "APPROVED", CommitID: shaHead, Body: "Writ-Plan: sha256:" + strings.Repeat("AB", 32), SubmittedAt: t0.Add(time.Second)},
				{ID: 3, UserLogin: "carol-gh", State: "APPROVED", CommitID: shaHead, Body: "lgtm", SubmittedAt: t0.Add(2 * time.Second)},
			},
			contentAt: same,
			want: []policies.Decision{
				{Identity: "alice", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashA, Ref: "review:1", Plan: "sha256:" + strings.Repeat("ab", 32)},
				{Identity: "bob", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashA, Ref: "review:2", Plan: github.NoPlan},
				{Identity: "carol", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashA, Ref: "review:3"},
			},
		},
		{
			name:        "changes requested, dismissed, approved again",
			reviews:     []github.Review{rv(1, "carol-gh", "DISMISSED", shaOld, 1), rv(2, "carol-gh", "APPROVED", shaHead, 2)},
			contentAt:   same,
			want:        []policies.Decision{{Identity: "carol", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashA, Ref: "review:2"}},
			wantIgnored: []string{"review:1 dismissed"},
		},
		{
			name:        "unknown login",
			reviews:     []github.Review{rv(1, "mallory", "APPROVED", shaHead, 1)},
			contentAt:   same,
			wantIgnored: []string{"review:1 not an identity in writ.yaml: GitHub user mallory"},
		},
		{
			name:        "submission order, not list order, decides; logins are case-insensitive",
			reviews:     []github.Review{rv(2, "ALICE-gh", "CHANGES_REQUESTED", shaHead, 9), rv(1, "alice-GH", "APPROVED", shaHead, 1)},
			contentAt:   same,
			want:        []policies.Decision{{Identity: "alice", Verdict: policies.VerdictReject, Commit: shaHead, Content: hashA, Ref: "review:2"}},
			wantIgnored: []string{"review:1 superseded by a later review (review:2)"},
		},
		{
			name:      "content unknown: the decision covers its own commit only",
			reviews:   []github.Review{rv(1, "alice-gh", "APPROVED", shaBase, 1)},
			contentAt: same,
			want:      []policies.Decision{{Identity: "alice", Verdict: policies.VerdictApprove, Commit: shaBase, Ref: "review:1"}},
		},
		{
			name:        "review on a commit GitHub forgot",
			reviews:     []github.Review{rv(1, "alice-gh", "APPROVED", "", 1)},
			contentAt:   same,
			wantIgnored: []string{"review:1 GitHub no longer knows the commit it was made on"},
		},
		{
			// A "changes requested" is a rejection whatever its body says:
			// it never turns into an override.
			name:      "changes requested with an override body stays a rejection",
			reviews:   []github.Review{{ID: 1, UserLogin: "bob-gh", State: "CHANGES_REQUESTED", CommitID: shaHead, Body: "/writ override ship it", SubmittedAt: t0}},
			contentAt: same,
			want:      []policies.Decision{{Identity: "bob", Verdict: policies.VerdictReject, Commit: shaHead, Content: hashA, Ref: "review:1", Justification: "/writ override ship it"}},
		},
		{
			// An override request is a decision of its own: it does not
			// take the place of the reviewer's approval, so an override
			// that does not stand changes nothing.
			name: "an override comment does not supersede an approval",
			reviews: []github.Review{rv(1, "bob-gh", "APPROVED", shaHead, 1),
				{ID: 2, UserLogin: "bob-gh", State: "COMMENTED", CommitID: shaHead, Body: "/writ override outage", SubmittedAt: t0.Add(2 * time.Minute)}},
			contentAt: same,
			want: []policies.Decision{
				{Identity: "bob", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashA, Ref: "review:1"},
				{Identity: "bob", Verdict: policies.VerdictOverride, Commit: shaHead, Content: hashA, Ref: "review:2", Justification: "outage"},
			},
		},
		{
			name:      "an approval with an override body is an approval and an override",
			reviews:   []github.Review{{ID: 1, UserLogin: "bob-gh", State: "APPROVED", CommitID: shaHead, Body: "/writ override outage", SubmittedAt: t0}},
			contentAt: same,
			want: []policies.Decision{
				{Identity: "bob", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashA, Ref: "review:1"},
				{Identity: "bob", Verdict: policies.VerdictOverride, Commit: shaHead, Content: hashA, Ref: "review:1", Justification: "outage"},
			},
		},
		{
			name:      "two users, each latest wins, in deciding order",
			reviews:   []github.Review{rv(1, "bob-gh", "APPROVED", shaOld, 1), rv(2, "alice-gh", "APPROVED", shaHead, 2), rv(3, "bob-gh", "APPROVED", shaHead, 3)},
			contentAt: changed,
			want: []policies.Decision{
				{Identity: "alice", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashB, Ref: "review:2"},
				{Identity: "bob", Verdict: policies.VerdictApprove, Commit: shaHead, Content: hashB, Ref: "review:3"},
			},
			wantIgnored: []string{"review:1 superseded by a later review (review:3)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ignored := github.Decisions(tt.reviews, logins, tt.contentAt)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("decisions\n got %+v\nwant %+v", got, tt.want)
			}
			var ig []string
			for _, i := range ignored {
				ig = append(ig, i.Ref+" "+i.Reason)
			}
			if !reflect.DeepEqual(ig, tt.wantIgnored) {
				t.Fatalf("ignored\n got %q\nwant %q", ig, tt.wantIgnored)
			}
			again, _ := github.Decisions(tt.reviews, logins, tt.contentAt)
			if !reflect.DeepEqual(got, again) {
				t.Fatal("not deterministic")
			}
		})
	}
}

// The decisions feed the real evaluator: an approval survives a no-op
// rebase (same content at the new head) and is voided by a content change;
// the author never counts; a "changes requested" blocks.
func TestDecisionsWithEvaluator(t *testing.T) {
	ids := []schemas.Identity{
		{Name: "alice", Kind: schemas.IdentityHuman, Roles: []string{"sre"}},
		{Name: "bob", Kind: schemas.IdentityHuman, Roles: []string{"sre"}},
		{Name: "carol", Kind: schemas.IdentityHuman, Roles: []string{"sre"}},
		{Name: "deploy-agent", Kind: schemas.IdentityHuman, Roles: []string{"sre"}},
	}
	policy := schemas.Policy{Name: "p", Rules: []schemas.Rule{{Name: "sre", Count: 1, Roles: []string{"sre"}}}}
	tests := []struct {
		name    string
		reviews []github.Review
		head    map[string]string // commit -> content
		want    policies.Status
	}{
		{"approved on the head", []github.Review{rv(1, "alice-gh", "APPROVED", shaHead, 1)}, map[string]string{shaHead: hashA}, policies.StatusSatisfied},
		{"force-push, same content", []github.Review{rv(1, "alice-gh", "APPROVED", shaOld, 1)}, map[string]string{shaOld: hashA, shaHead: hashA}, policies.StatusSatisfied},
		{"force-push, content changed", []github.Review{rv(1, "alice-gh", "APPROVED", shaOld, 1)}, map[string]string{shaOld: hashA, shaHead: hashB}, policies.StatusPending},
		{"author approves own proposal", []github.Review{rv(1, "deploy-bot", "APPROVED", shaHead, 1)}, map[string]string{shaHead: hashA}, policies.StatusPending},
		{"changes requested blocks", []github.Review{rv(1, "alice-gh", "APPROVED", shaHead, 1), rv(2, "carol-gh", "CHANGES_REQUESTED", shaHead, 2)}, map[string]string{shaHead: hashA}, policies.StatusBlocked},
		{"changes requested then dismissed", []github.Review{rv(1, "alice-gh", "APPROVED", shaHead, 1), rv(2, "carol-gh", "DISMISSED", shaHead, 2)}, map[string]string{shaHead: hashA}, policies.StatusSatisfied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, _ := github.Decisions(tt.reviews, logins, contents(tt.head))
			res := policies.Evaluate(policies.Facts{
				Policy: policy, Identities: ids, Author: "deploy-agent",
				Subject:   policies.Subject{Commit: shaHead, Content: tt.head[shaHead]},
				Decisions: ds,
			})
			if res.Status != tt.want {
				t.Fatalf("status %s, want %s: %s", res.Status, tt.want, res.Description)
			}
		})
	}
}

func TestWithTeamRoles(t *testing.T) {
	ids := []schemas.Identity{
		{Name: "alice", Kind: schemas.IdentityHuman, Roles: []string{"sre"}},
		{Name: "bob", Kind: schemas.IdentityHuman},
		{Name: "carol", Kind: schemas.IdentityHuman},
	}
	loginOf := map[string]string{"alice": "alice-gh", "bob": "Bob-GH"}
	roleTeams := map[string][]string{"sre": {"acme/sre"}, "security": {"acme/sec", "acme/red-team"}}
	members := map[string][]string{"acme/sre": {"bob-gh", "alice-gh"}, "acme/red-team": {"ALICE-GH", "carol-gh"}}
	got := github.WithTeamRoles(ids, loginOf, roleTeams, members)
	want := [][]string{{"sre", "security"}, {"sre"}, nil}
	for i, id := range got {
		if !reflect.DeepEqual(id.Roles, want[i]) {
			t.Errorf("%s roles %q, want %q", id.Name, id.Roles, want[i])
		}
	}
	if ids[0].Roles[0] != "sre" || len(ids[0].Roles) != 1 || ids[1].Roles != nil {
		t.Fatal("input modified")
	}
}
