package policies

import (
	"fmt"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

func BenchmarkEvaluate(b *testing.B) {
	roles := []string{"sre", "security", "dev", "db", "release"}
	var ids []schemas.Identity
	for i := 0; i < 50; i++ {
		id := human(fmt.Sprintf("person-%02d", i), roles[i%len(roles)], roles[(i+2)%len(roles)])
		if i%10 == 9 {
			id.Kind = schemas.IdentityAgent
		}
		ids = append(ids, id)
	}
	var ds []Decision
	for i := 0; i < 20; i++ {
		d := approve(fmt.Sprintf("person-%02d", (i*7)%50), head, content)
		if i%4 == 0 {
			d = approve(d.Identity, old, changed) // stale
		}
		if i == 19 {
			d = reject("person-01", head, "no") // security and db: blocks those rules
		}
		ds = append(ds, d)
	}
	f := Facts{
		Policy: schemas.Policy{
			Name: "bench",
			Rules: []schemas.Rule{
				{Name: "sre", Count: 2, Roles: []string{"sre"}},
				{Name: "security", Count: 1, Roles: []string{"security"}, If: &schemas.Predicate{
					MaterialityAtLeast: schemas.MaterialityMedium,
					Inputs:             []schemas.Condition{{Input: "environment", In: []any{"production", "dr"}}, {Input: "replicas", Equals: 3.0}},
				}},
				{Name: "db", Count: 1, Roles: []string{"db"}, If: &schemas.Predicate{ChangedFiles: []string{"migrations/**/*.sql"}}},
				{Name: "release", Count: 1, Roles: []string{"release"}, Identities: []string{"person-03"}},
				{Name: "owners", Count: 3, If: &schemas.Predicate{Inputs: []schemas.Condition{{Input: "service", Matches: "pay(ments)?-[a-z]+"}}}},
			},
			Require: ptr(all(rule("sre"), anyOf(rule("security"), rule("db")), rule("release"), rule("owners"))),
		},
		Identities:   ids,
		Author:       "person-02",
		Subject:      Subject{Commit: head, Content: content},
		Inputs:       map[string]any{"environment": "production", "replicas": 3, "service": "payments-api"},
		Materiality:  schemas.MaterialityHigh,
		ChangedFiles: []string{"README.md", "migrations/2026/11/001_init.sql", "deploy/prod.yaml"},
		Decisions:    ds,
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Evaluate(f)
	}
}
