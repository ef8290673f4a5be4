package github_test

import (
	"context"
	"testing"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// TestGateFromGitHub drives the real go-github client against the fake
// and feeds what the adapter gathers to the real policy evaluator, for the
// cases issue 5 names. The adapter only gathers; the evaluator judges.
func TestGateFromGitHub(t *testing.T) {
	newHead := githubtest.SHA("after force-push")
	tests := []struct {
		name  string
		setup func(e *env)
		want  policies.Status
	}{
		{"approval on the head", func(e *env) {
			e.review("alice-gh", "APPROVED", headSHA, 1)
		}, policies.StatusSatisfied},
		{"approval on an older commit with other content", func(e *env) {
			e.srv.SetFile(oldSHA, proposal, []byte("instance: web-1\ntransition: ship\ninputs: {x: 1}\n"))
			e.review("alice-gh", "APPROVED", oldSHA, 1)
		}, policies.StatusPending},
		{"self-approval never counts", func(e *env) {
			e.review("deploy-bot", "APPROVED", headSHA, 1)
		}, policies.StatusPending},
		{"team approval: bob holds sre through acme/sre", func(e *env) {
			e.review("bob-gh", "APPROVED", headSHA, 1)
		}, policies.StatusSatisfied},
		{"not in the team: carol's approval is not eligible", func(e *env) {
			e.review("carol-gh", "APPROVED", headSHA, 1)
		}, policies.StatusPending},
		{"dismissed review", func(e *env) {
			id := e.review("alice-gh", "APPROVED", headSHA, 1)
			e.srv.DismissReview(prNumber, id)
		}, policies.StatusPending},
		{"changes requested blocks", func(e *env) {
			e.review("bob-gh", "APPROVED", headSHA, 1)
			e.review("alice-gh", "CHANGES_REQUESTED", headSHA, 2)
		}, policies.StatusBlocked},
		{"changes requested, then approved", func(e *env) {
			e.review("alice-gh", "CHANGES_REQUESTED", headSHA, 1)
			e.review("alice-gh", "APPROVED", headSHA, 2)
		}, policies.StatusSatisfied},
		{"force-push after approval, content changed", func(e *env) {
			e.review("alice-gh", "APPROVED", headSHA, 1)
			e.srv.Push(prNumber, baseSHA, newHead)
			e.srv.SetFile(newHead, proposal, []byte("instance: web-1\ntransition: ship\nedited: true\n"))
		}, policies.StatusPending},
		{"force-push after approval, same content (no-op rebase)", func(e *env) {
			e.review("alice-gh", "APPROVED", headSHA, 1)
			e.srv.Push(prNumber, baseSHA, newHead)
			e.srv.SetFile(newHead, proposal, []byte("instance: web-1\ntransition: ship\n"))
		}, policies.StatusSatisfied},
	}
	ids := []schemas.Identity{
		{Name: "alice", Kind: schemas.IdentityHuman, Roles: []string{"sre"}},
		{Name: "bob", Kind: schemas.IdentityHuman},
		{Name: "carol", Kind: schemas.IdentityHuman},
		{Name: "deploy-agent", Kind: schemas.IdentityHuman, Roles: []string{"sre"}},
	}
	loginOf := map[string]string{"alice": "alice-gh", "bob": "bob-gh", "carol": "carol-gh", "deploy-agent": "deploy-bot"}
	roleTeams := map[string][]string{"sre": {"acme/sre"}}
	policy := schemas.Policy{Name: "release-approval", Rules: []schemas.Rule{{Name: "sre", Count: 1, Roles: []string{"sre"}}}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			e.pull()
			e.srv.SetTeam("acme", "sre", "bob-gh", "deploy-bot")
			tt.setup(e)

			facts, err := e.client.PullRequest(ctx, prNumber)
			if err != nil {
				t.Fatal(err)
			}
			hashes, err := e.client.ContentHashes(ctx, proposal, github.ReviewCommits(facts))
			if err != nil {
				t.Fatal(err)
			}
			members, err := e.client.Teams(ctx, roleTeams["sre"])
			if err != nil {
				t.Fatal(err)
			}
			decisions, _ := github.Decisions(facts.Reviews, logins, github.ContentAt(hashes))
			author, _ := logins(facts.Author)
			res := policies.Evaluate(policies.Facts{
				Policy: policy, Identities: github.WithTeamRoles(ids, loginOf, roleTeams, members), Author: author,
				Subject:   policies.Subject{Commit: facts.HeadSHA, Content: hashes[facts.HeadSHA]},
				Decisions: decisions,
			})
			if res.Status != tt.want {
				t.Fatalf("status %s, want %s: %s\ndecisions %+v", res.Status, tt.want, res.Description, decisions)
			}
		})
	}
}
