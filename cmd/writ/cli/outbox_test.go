package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/slack/slackfake"
	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore/remotetest"
)

const slackTokenEnv = "WRIT_TEST_SLACK_TOKEN"

// notifyRepo makes a control repo from the release example whose writ.yaml
// sends notifications to the Slack at apiURL, alice mapped to U0ALICE.
func notifyRepo(t *testing.T, apiURL string) string {
	t.Helper()
	return notifyRepoWith(t, `
notifications:
  slack:
    channel: C0DEPLOYS
    token_env: `+slackTokenEnv+`
    api_url: "`+apiURL+`"
    users:
      alice: U0ALICE
`)
}

// notifyRepoWith makes a control repo from the release example with
// notifications (YAML appended to its writ.yaml), after edits of the
// template's directory.
func notifyRepoWith(t *testing.T, notifications string, edits ...func(tmpl string)) string {
	t.Helper()
	tmpl := filepath.Join(t.TempDir(), "tmpl")
	if err := os.CopyFS(tmpl, fixtures.Release()); err != nil {
		t.Fatal(err)
	}
	for _, edit := range edits {
		edit(tmpl)
	}
	cfg, err := os.ReadFile(filepath.Join(tmpl, "writ.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmpl, "writ.yaml"), append(cfg, notifications...), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(t.TempDir(), "control")
	writWant(t, ExitOK, "init", "-q", "--demo-keys", "--template", tmpl, repo)
	return repo
}

func readOutbox(t *testing.T, repo string) outboxJSON {
	t.Helper()
	r := writWant(t, ExitOK, "--repo", repo, "outbox", "--json")
	validateOutput(t, "outbox", r.out)
	var o outboxJSON
	if err := json.Unmarshal([]byte(r.out), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestReconcileNotifiesSlackThroughTheOutbox: real reconciles of a real
// control repo tell the fake Slack about a proposal that waits (one
// message naming who must act), edit it as approvals arrive and thread the
// apply under it; an outage leaves the effect pending with its error and
// the exit code alone; writ outbox retry delivers it; and the token shows
// up nowhere: not in any output, the outbox ref or the repository.
func TestReconcileNotifiesSlackThroughTheOutbox(t *testing.T) {
	const token = "xoxb-e2e-7777-TOKENVALUE"
	t.Setenv(slackTokenEnv, token)
	fake := slackfake.Start(token)
	defer fake.Stop()
	repo := notifyRepo(t, fake.URL())
	var outputs strings.Builder
	run := func(want int, args ...string) writResult {
		t.Helper()
		r := writWant(t, want, append([]string{"--repo", repo}, args...)...)
		outputs.WriteString(r.out + r.err)
		return r
	}
	walkToApproved(t, repo, "web-1")
	walked := len(fake.Messages())
	if walked != 5 {
		t.Fatalf("the walk's five applied entries made %d messages", walked)
	}
	run(ExitOK, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship", "--name", "ops-12-ship",
		"--input", "change_ticket=CHG-7", "--input", "environment=staging", "--materiality", "high")
	run(ExitOK, "reconcile")
	msgs := fake.Messages()
	if len(msgs) != walked+1 {
		t.Fatalf("waiting: %d new messages, want 1", len(msgs)-walked)
	}
	root := msgs[walked]
	for _, want := range []string{"*web-1* release → ship", "waiting for approval", "Must act: <@U0ALICE> (sre), bob (sre).", "issue OPS-12"} {
		if !strings.Contains(root.Text, want) {
			t.Errorf("waiting message %q lacks %q", root.Text, want)
		}
	}

	run(ExitOK, "approve", "-q", "web-1/ops-12-ship", "--as", "alice")
	run(ExitOK, "reconcile")
	run(ExitOK, "reconcile") // nothing new: nothing is sent again
	msgs = fake.Messages()
	if len(msgs) != walked+1 || msgs[walked].Edits != 1 || !strings.Contains(msgs[walked].Text, "Approved by: alice.") ||
		!strings.Contains(msgs[walked].Text, "Must act: bob (sre).") {
		t.Fatalf("after alice approved: %d messages, root %+v", len(msgs)-walked, msgs[walked])
	}

	// Slack is down when the proposal is applied: the entry is written,
	// the exit code is 0, the effect waits in the outbox with its error.
	fake.Inject(slackfake.Fault{Kind: "500"})
	run(ExitOK, "approve", "-q", "web-1/ops-12-ship", "--as", "bob")
	r := run(ExitOK, "reconcile")
	if !strings.Contains(r.out, "applied proposals/web-1/ops-12-ship") || !strings.Contains(r.err, "outbox: 1 of 1 deliveries failed") {
		t.Fatalf("reconcile during the outage: %s", r)
	}
	if got := instanceState(t, repo, "web-1"); got != "released" {
		t.Fatalf("web-1 is %q after the apply, want released", got)
	}
	o := readOutbox(t, repo)
	if len(o.Pending) != 1 || o.Pending[0].Event != "applied" || o.Pending[0].Attempts != 1 || !strings.Contains(o.Pending[0].LastError, "500") {
		t.Fatalf("outbox during the outage: %+v", o)
	}
	list := run(ExitOK, "outbox")
	if !strings.Contains(list.out, o.Pending[0].Key[:12]) || !strings.Contains(list.out, "1 pending") {
		t.Fatalf("writ outbox: %s", list)
	}
	run(ExitFailure, "outbox", "retry", "0000000000000000")
	r = run(ExitOK, "outbox", "retry", o.Pending[0].Key[:12])
	if !strings.Contains(r.out, "1 delivered, 0 failed, 0 pending") {
		t.Fatalf("retry: %s", r)
	}
	msgs = fake.Messages()
	if len(msgs) != walked+2 || msgs[walked+1].ThreadTS != root.TS || !strings.Contains(msgs[walked+1].Text, "applied") ||
		!strings.Contains(msgs[walked].Text, ":white_check_mark: applied") {
		t.Fatalf("after the retry: %+v", msgs[walked:])
	}
	if o := readOutbox(t, repo); len(o.Pending) != 0 || o.Done != 8 {
		t.Fatalf("outbox after the retry: %+v", o)
	}
	run(ExitOK, "reconcile")
	if len(fake.Messages()) != walked+2 {
		t.Fatal("a later reconcile posted again")
	}
	scanForToken(t, repo, token, outputs.String())
}

// scanForToken fails when token is in the outputs, in any object of the
// repository (every ref, the outbox's included) or in its files.
func scanForToken(t *testing.T, repo, token, outputs string) {
	t.Helper()
	if strings.Contains(outputs, token) {
		t.Fatal("the token is in writ's output")
	}
	g := newGit(t)
	objects := g.run(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
	all := g.runInput(repo, objects, "cat-file", "--batch")
	if strings.Contains(all, token) {
		t.Fatal("the token is in an object of the repository")
	}
	if !strings.Contains(g.run(repo, "for-each-ref"), "refs/writ/outbox") {
		t.Fatal("no outbox ref to scan")
	}
	err := filepath.Walk(repo, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(data), token) {
			t.Errorf("the token is in %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOutboxSurvivesToTheNextRunAgainstARemote: a run against a remote
// whose Slack is down pushes its outbox (the effect pending) to the
// remote; the next run, from a fresh clone as a GitHub Action's is,
// fetches it and delivers the effect once.
func TestOutboxSurvivesToTheNextRunAgainstARemote(t *testing.T) {
	const token = "xoxb-remote-5555-TOKENVALUE"
	t.Setenv(slackTokenEnv, token)
	fake := slackfake.Start(token)
	defer fake.Stop()
	g := newGit(t)
	srv := remotetest.New(t)
	seed := notifyRepo(t, fake.URL())
	keys := filepath.Join(seed, ".git", "writ", "keys")
	g.run(seed, "remote", "add", "origin", srv.URL)
	writWant(t, ExitOK, "--repo", seed, "propose", "-q", "--as", "deploy-agent", "--instance", "svc-1", "--transition", "create", "--owner", "web-team")
	g.run(seed, "push", "-q", "origin", "main", "refs/writ/checkpoint", "refs/heads/proposals/*:refs/heads/proposals/*")

	first := filepath.Join(t.TempDir(), "first")
	g.run("", "clone", "-q", srv.URL, first)
	fake.Inject(slackfake.Fault{Kind: "reset"})
	r := writWant(t, ExitOK, "--repo", first, "--keys", keys, "reconcile", "--remote", "origin")
	if !strings.Contains(r.err, "outbox: 1 of 1 deliveries failed") || len(fake.Messages()) != 0 {
		t.Fatalf("first run: %s; messages %+v", r, fake.Messages())
	}
	if !strings.Contains(g.run(first, "ls-remote", "origin"), "refs/writ/outbox") {
		t.Fatal("the outbox was not pushed")
	}

	// The next run, from a fresh clone, finds the effect pending (its
	// next attempt is a backoff away; retry makes it due now).
	next := filepath.Join(t.TempDir(), "next")
	g.run("", "clone", "-q", srv.URL, next)
	writWant(t, ExitOK, "--repo", next, "--keys", keys, "reconcile", "--remote", "origin")
	if o := readOutbox(t, next); len(o.Pending) != 1 || o.Pending[0].Attempts != 1 || !strings.Contains(o.Pending[0].LastError, "connection reset") {
		t.Fatalf("the next run's outbox: %+v", o)
	}
	writWant(t, ExitOK, "--repo", next, "--keys", keys, "outbox", "retry", "--remote", "origin")
	msgs := fake.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "*svc-1* release → create: :white_check_mark: applied") {
		t.Fatalf("next run: messages %+v", msgs)
	}
	writWant(t, ExitOK, "--repo", first, "--keys", keys, "reconcile", "--remote", "origin")
	if len(fake.Messages()) != 1 {
		t.Fatal("the first clone, behind on the outbox, posted again")
	}
	if o := readOutbox(t, first); len(o.Pending) != 0 || o.Done != 1 {
		t.Fatalf("first clone's outbox after fetching: %+v", o)
	}
}
