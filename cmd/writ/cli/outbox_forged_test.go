package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestForgedOutboxEffectMovesNoIssue: anyone with push access to the
// repository can move refs/writ/outbox (and a --remote run merges the
// remote's in). A pending "applied" effect forged there, for an issue of
// the project and an entry that is not on main, would make writ's Jira
// account comment on OPS-99 and move it to Done. The forged commit is not
// signed by the reconciler: the reconcile reads and delivers nothing of
// it, says so in a note naming the commit, and replaces the ref with a
// commit the reconciler signed.
func TestForgedOutboxEffectMovesNoIssue(t *testing.T) {
	const token, email = "jira-r15-TOKENVALUE-4242", "writ-bot@example.test"
	t.Setenv(jiraTokenEnv, token)
	t.Setenv(jiraEmailEnv, email)
	fake := jiratest.New(jiratest.Options{Email: email, Token: token})
	defer fake.Close()
	todo, done := jiratest.Status{ID: "1", Name: "To Do"}, jiratest.Status{ID: "3", Name: "Done"}
	fake.AddIssue("OPS-99", todo, jiratest.Transition{ID: "31", Name: "Done", To: done})
	repo := notifyRepoWith(t, `
notifications:
  jira:
    base_url: "`+fake.URL+`"
    project: OPS
    token_env: `+jiraTokenEnv+`
    email_env: `+jiraEmailEnv+`
    transition_on_apply: Done
`)
	entry := strings.Repeat("d", 40) // no such entry on main
	e := outbox.Effect{Target: "jira", Event: outbox.EventApplied, Subject: entry, Entry: entry, Thread: "proposals/web-1/ops-99-ship.yaml",
		Instance: "web-1", Workflow: "release", Transition: "ship", Proposer: "deploy-agent", Issue: "OPS-99", At: "2026-12-06T10:00:00Z"}
	e.Key = outbox.KeyOf(e.Subject, e.Event, e.Target)
	effects, err := json.Marshal([]outbox.Effect{e})
	if err != nil {
		t.Fatal(err)
	}
	s, err := gitstore.Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1796565626, 0)
	sig := object.Signature{Name: "x", Email: "x@example.invalid", When: at}
	state := fmt.Sprintf("%s\tjira\tapplied\tpending\t1\t0\t0\t%d\t0\t0\t\"web-1\"\t%q\t\"\"\t\"\"\n", e.Key, at.UnixNano(), e.Thread)
	h, err := s.WriteCommit(gitstore.CommitRequest{Files: map[string][]byte{"state.tsv": []byte(state), "effects.json": append(effects, '\n')},
		Message: "outbox: record 1 effects\n", Author: sig, Committer: sig})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndSwap(outbox.Ref, plumbing.ZeroHash, h); err != nil {
		t.Fatal(err)
	}
	r := writWant(t, ExitOK, "--repo", repo, "reconcile")
	if got := fake.Status("OPS-99"); got.Name != todo.Name || len(fake.Comments("OPS-99")) != 0 {
		t.Fatalf("a forged outbox effect reached Jira: OPS-99 is %q with %d comments", got.Name, len(fake.Comments("OPS-99")))
	}
	if !strings.Contains(r.err, h.String()) || !strings.Contains(r.err, "not the reconciler's") {
		t.Fatalf("no note names the refused commit %s: %s", h, r)
	}
	now, err := s.Ref(outbox.Ref)
	if err != nil || now == h {
		t.Fatalf("the forged commit is still the outbox: %v", err)
	}
	b, err := outbox.Load(s)
	if err != nil || b.Len() != 0 {
		t.Fatalf("the replaced outbox holds %d records: %v", b.Len(), err)
	}
}
