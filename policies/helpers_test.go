package policies

import (
	"github.com/writ-dev/writ/schemas"
)

const (
	head    = "3f2a1c9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"
	old     = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
	rebased = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807"
	content = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	changed = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

func human(name string, roles ...string) schemas.Identity {
	return schemas.Identity{Name: name, Kind: schemas.IdentityHuman, Roles: roles}
}

func agent(name string, roles ...string) schemas.Identity {
	return schemas.Identity{Name: name, Kind: schemas.IdentityAgent, Roles: roles}
}

func testIdentities() []schemas.Identity {
	return []schemas.Identity{
		human("alice", "sre"),
		human("bob", "sre"),
		human("carol", "security"),
		human("dave", "dev"),
		human("erin", "sre", "security"),
		agent("deploy-agent", "sre"),
	}
}

func approve(id, commit, contentHash string) Decision {
	return Decision{Identity: id, Verdict: VerdictApprove, Commit: commit, Content: contentHash, Ref: "review-" + id}
}

func reject(id, commit, why string) Decision {
	return Decision{Identity: id, Verdict: VerdictReject, Commit: commit, Ref: "review-" + id, Justification: why}
}

// facts returns a proposal by dave at head with the given policy rules and
// decisions; Require is left nil.
func facts(rules []schemas.Rule, ds ...Decision) Facts {
	return Facts{
		Policy:      schemas.Policy{Name: "p", Rules: rules},
		Identities:  testIdentities(),
		Author:      "dave",
		Subject:     Subject{Commit: head, Content: content},
		Inputs:      map[string]any{"environment": "production", "replicas": 3},
		Materiality: schemas.MaterialityHigh,
		Decisions:   ds,
	}
}

func names(vs []Vote) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Identity)
	}
	return out
}

// reasons maps identity to the reasons of its not-counted decisions, in
// order.
func reasons(vs []Vote) map[string][]string {
	out := map[string][]string{}
	for _, v := range vs {
		out[v.Identity] = append(out[v.Identity], v.Reason)
	}
	return out
}

func boolp(b bool) *bool { return &b }
