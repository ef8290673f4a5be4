package jira_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestRedeliveryAfterLostReceipt: the outbox delivered, crashed before
// marking the effect done, and delivers again: Jira holds one comment,
// edited, and the receipt names it; the applied transition is not done a
// second time.
func TestRedeliveryAfterLostReceipt(t *testing.T) {
	for _, event := range []outbox.Event{outbox.EventWaiting, outbox.EventApproval, outbox.EventApplied} {
		t.Run(string(event), func(t *testing.T) {
			fake, n := setup(t)
			e := effect(event)
			first, err := deliver(t, n, e)
			if err != nil {
				t.Fatalf("first Deliver: %v", err)
			}
			// The receipt is lost; the outbox delivers again.
			second, err := deliver(t, n, e)
			if err != nil {
				t.Fatalf("second Deliver: %v", err)
			}
			cs := fake.Comments("OPS-12")
			if len(cs) != 1 {
				t.Fatalf("comments = %d after redelivery, want 1", len(cs))
			}
			if cs[0].Edits != 1 {
				t.Errorf("comment edits = %d, want 1 (edited in place)", cs[0].Edits)
			}
			if first.Ref != second.Ref || second.Ref != "OPS-12/"+cs[0].ID {
				t.Errorf("refs %q then %q, want both OPS-12/%s", first.Ref, second.Ref, cs[0].ID)
			}
			for _, r := range fake.Requests() {
				if r.Method == "PUT" && r.Query != "notifyUsers=false" {
					t.Errorf("the redelivery's edit notifies watchers again: %s?%s", r.Path, r.Query)
				}
			}
			wantTransitions := 0
			if event == outbox.EventApplied {
				wantTransitions = 1
			}
			if got := fake.TransitionsDone("OPS-12"); len(got) != wantTransitions {
				t.Errorf("transitions done = %v, want %d", got, wantTransitions)
			}
		})
	}
}

// TestRedeliveryAfterResetAfterPost: Jira added the comment but the
// connection broke before the answer: the attempt fails, and the retry
// edits the comment instead of adding a second.
func TestRedeliveryAfterResetAfterPost(t *testing.T) {
	fake, n := setup(t)
	fake.Inject(jiratest.Fault{Method: http.MethodPost, Path: "/comment", ResetAfter: true})
	e := effect(outbox.EventWaiting)
	if _, err := deliver(t, n, e); err == nil {
		t.Fatal("Deliver succeeded through a reset connection")
	}
	if cs := fake.Comments("OPS-12"); len(cs) != 1 {
		t.Fatalf("comments after the broken attempt = %d, want 1 (Jira took it)", len(cs))
	}
	r, err := deliver(t, n, e)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	cs := fake.Comments("OPS-12")
	if len(cs) != 1 || cs[0].Edits != 1 || r.Ref != "OPS-12/"+cs[0].ID {
		t.Fatalf("after retry: %d comments, edits %v, ref %q; want one comment edited once", len(cs), cs, r.Ref)
	}
}

// TestRedeliveryAfterResetAfterTransition: the transition went through but
// its answer was lost; the retry finds the issue Done and succeeds
// without a second transition.
func TestRedeliveryAfterResetAfterTransition(t *testing.T) {
	fake, n := setup(t)
	fake.Inject(jiratest.Fault{Method: http.MethodPost, Path: "/transitions", ResetAfter: true})
	e := effect(outbox.EventApplied)
	if _, err := deliver(t, n, e); err == nil {
		t.Fatal("Deliver succeeded through a reset connection")
	}
	if _, err := deliver(t, n, e); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := fake.TransitionsDone("OPS-12"); len(got) != 1 {
		t.Errorf("transitions done = %v, want one", got)
	}
	if cs := fake.Comments("OPS-12"); len(cs) != 1 {
		t.Errorf("comments = %d, want 1", len(cs))
	}
}

// TestFindsMarkerAcrossPages: the earlier delivery's comment sits behind
// several pages of people's comments; a comment that only quotes the
// marker is not taken for writ's.
func TestFindsMarkerAcrossPages(t *testing.T) {
	fake := jiratest.New(jiratest.Options{Email: testEmail, Token: testToken, PageSize: 2})
	defer fake.Close()
	fake.AddIssue("OPS-12", toDo, workflow...)
	n, err := jira.New(jira.Config{BaseURL: fake.URL, Token: testToken, Email: testEmail})
	if err != nil {
		t.Fatal(err)
	}
	e := effect(outbox.EventWaiting)
	for i := 0; i < 5; i++ {
		fake.AddComment("OPS-12", "looking into it")
	}
	fake.AddComment("OPS-12", "{quote}writ-effect: "+e.Key+"{quote}\nwhy did writ post this?")
	if _, err := deliver(t, n, e); err != nil {
		t.Fatal(err)
	}
	fake.AddComment("OPS-12", "thanks")
	if _, err := deliver(t, n, e); err != nil {
		t.Fatal(err)
	}
	cs := fake.Comments("OPS-12")
	if len(cs) != 8 {
		t.Fatalf("comments = %d, want 8 (5 + quote + writ's + thanks)", len(cs))
	}
	writ := cs[6]
	if writ.Edits != 1 || !strings.HasSuffix(writ.Body, "writ-effect: "+e.Key) {
		t.Errorf("writ's comment = %+v, want edited once", writ)
	}
	if cs[5].Edits != 0 {
		t.Errorf("the quoting comment was edited: %+v", cs[5])
	}
}

// TestDistinctEffectsDistinctComments: two effects of one proposal are two
// comments; each redelivery edits its own.
func TestDistinctEffectsDistinctComments(t *testing.T) {
	fake, n := setup(t)
	w, a := effect(outbox.EventWaiting), effect(outbox.EventApproval)
	for _, e := range []outbox.Effect{w, a, w, a} {
		if _, err := deliver(t, n, e); err != nil {
			t.Fatal(err)
		}
	}
	cs := fake.Comments("OPS-12")
	if len(cs) != 2 || cs[0].Edits != 1 || cs[1].Edits != 1 {
		t.Fatalf("comments = %+v, want two, each edited once", cs)
	}
	if !strings.HasSuffix(cs[0].Body, w.Key) || !strings.HasSuffix(cs[1].Body, a.Key) {
		t.Errorf("comments carry the wrong keys")
	}
}

// TestSlowJiraHonoursContext: a slow answer ends with the caller's
// deadline, and the error says so.
func TestSlowJiraHonoursContext(t *testing.T) {
	fake, n := setup(t)
	fake.Inject(jiratest.Fault{Path: "/comment", Delay: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := n.Deliver(ctx, effect(outbox.EventWaiting), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Deliver took %v past a 200ms deadline", d)
	}
	// A slow answer within the deadline still delivers.
	fake.Inject(jiratest.Fault{Path: "/comment", Delay: 50 * time.Millisecond})
	if _, err := deliver(t, n, effect(outbox.EventWaiting)); err != nil {
		t.Fatalf("slow but in time: %v", err)
	}
}

// TestConcurrentDeliveries: one notifier delivers effects for several
// issues at once (the outbox's workers); each issue gets its comments and
// its transition exactly once.
func TestConcurrentDeliveries(t *testing.T) {
	fake, n := setup(t)
	keys := []string{"OPS-1", "OPS-2", "OPS-3", "OPS-4", "OPS-5", "OPS-6"}
	for _, k := range keys {
		fake.AddIssue(k, toDo, workflow...)
	}
	errs := make(chan error, len(keys))
	for _, k := range keys {
		go func() {
			for _, ev := range []outbox.Event{outbox.EventWaiting, outbox.EventApproval, outbox.EventApplied} {
				e := effect(ev)
				e.Issue = k
				if _, err := n.Deliver(context.Background(), e, nil); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range keys {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range keys {
		if cs, st := fake.Comments(k), fake.Status(k); len(cs) != 3 || st != done || len(fake.TransitionsDone(k)) != 1 {
			t.Errorf("%s: %d comments, status %s, transitions %v; want 3, Done, one", k, len(cs), st.Name, fake.TransitionsDone(k))
		}
	}
}
