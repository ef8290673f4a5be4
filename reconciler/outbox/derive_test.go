package outbox_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/internal/enginetest"
	"github.com/writ-dev/writ/reconciler/outbox"
	"github.com/writ-dev/writ/schemas"
)

var slackTarget = outbox.Target{Name: "slack", Users: map[string]string{"alice": "U0ALICE"}}
var jiraTarget = outbox.Target{Name: "jira", NeedsIssue: true}

// TestDeriveFollowsAProposalThroughReconciles: a proposal that needs two
// SREs yields a waiting effect naming both (Slack id where mapped), then
// one approval effect per counted approval, then an applied effect keyed
// by the entry; a target that needs an issue hears only of proposals that
// link one.
func TestDeriveFollowsAProposalThroughReconciles(t *testing.T) {
	e, _ := enginetest.NewRepo(t)
	ship := enginetest.ToShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	d := outbox.Derivation{Targets: []outbox.Target{slackTarget, jiraTarget},
		Link: func(p intake.Pending) string { return "https://example.test/" + p.Branch }}

	rep := enginetest.Reconcile(t, e, 0)
	got := outbox.Derive(rep, d)
	if len(got) != 1 {
		t.Fatalf("waiting: %d effects, want 1 (slack waiting): %+v", len(got), got)
	}
	w := got[0]
	head := rep.Skipped[0].Pending.Subject.Commit
	wantActors := []outbox.Actor{{Identity: "alice", Role: "sre", TargetID: "U0ALICE"}, {Identity: "bob", Role: "sre"}}
	if w.Event != outbox.EventWaiting || w.Target != "slack" || w.Subject != head || w.Key != outbox.KeyOf(head, outbox.EventWaiting, "slack") ||
		!reflect.DeepEqual(w.MustAct, wantActors) || w.Link != "https://example.test/"+ship.Branch || w.Instance != "web-1" ||
		w.Transition != "ship" || w.Thread == "" || w.Summary == "" {
		t.Fatalf("waiting effect = %+v", w)
	}
	if again := outbox.Derive(rep, d); !reflect.DeepEqual(again, got) {
		t.Fatal("Derive is not deterministic")
	}

	enginetest.ApproveAs(t, e, "alice", name)
	rep = enginetest.Reconcile(t, e, 0)
	got = outbox.Derive(rep, d)
	head = rep.Skipped[0].Pending.Subject.Commit
	if len(got) != 2 || got[1].Event != outbox.EventApproval || got[1].Key != outbox.KeyOf(head+"/alice", outbox.EventApproval, "slack") ||
		!reflect.DeepEqual(got[1].Approvals, []string{"alice"}) || !reflect.DeepEqual(got[1].MustAct, []outbox.Actor{{Identity: "bob", Role: "sre"}}) {
		t.Fatalf("after alice approved: %+v", got)
	}

	enginetest.ApproveAs(t, e, "bob", name)
	rep = enginetest.Reconcile(t, e, 1)
	got = outbox.Derive(rep, d)
	entry := rep.Applied[0].Commit.String()
	if len(got) != 1 || got[0].Event != outbox.EventApplied || got[0].Entry != entry || got[0].Subject != entry ||
		got[0].Key != outbox.KeyOf(entry, outbox.EventApplied, "slack") || got[0].At == "" ||
		!reflect.DeepEqual(got[0].Approvals, []string{"alice", "bob"}) {
		t.Fatalf("applied: %+v", got)
	}
}

func TestIssueOf(t *testing.T) {
	tests := []struct {
		name     string
		evidence []schemas.Evidence
		branch   string
		want     string
	}{
		{"evidence key", []schemas.Evidence{{Name: "jira", URI: "OPS-12"}}, "proposals/web-1/ship", "OPS-12"},
		{"evidence browse url", []schemas.Evidence{{Name: "Jira", URI: "https://x.atlassian.net/browse/ops-7/"}}, "proposals/web-1/ship", "OPS-7"},
		{"evidence wins over branch", []schemas.Evidence{{Name: "jira", URI: "OPS-1"}}, "proposals/web-1/ops-2-fix", "OPS-1"},
		{"other evidence ignored", []schemas.Evidence{{Name: "ticket", URI: "OPS-1"}}, "proposals/web-1/ship", ""},
		{"bad evidence falls back to branch", []schemas.Evidence{{Name: "jira", URI: "not a key"}}, "proposals/web-1/ops-12-fix", "OPS-12"},
		{"branch key then dash", nil, "proposals/web-1/ops-12-fix", "OPS-12"},
		{"branch key alone", nil, "proposals/web-1/OPS-12", "OPS-12"},
		{"branch key then letters", nil, "proposals/web-1/ops-12fix", ""},
		{"instance segment ignored", nil, "proposals/ops-1/ship", ""},
		{"no number", nil, "proposals/web-1/hotfix", ""},
		{"zero is no issue", nil, "proposals/web-1/ops-0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outbox.IssueOf(&schemas.Proposal{Evidence: tt.evidence}, tt.branch); got != tt.want {
				t.Fatalf("IssueOf = %q, want %q", got, tt.want)
			}
		})
	}
}
