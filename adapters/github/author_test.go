package github_test

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/intake"
)

// releaseAllowingAuthors is releaseWithLogins whose sre-pair rule sets
// allow_author: true.
func releaseAllowingAuthors(t *testing.T) fs.FS {
	t.Helper()
	m := releaseWithLogins(t).(fstest.MapFS)
	const path = "policies/release-approval.yaml"
	old := string(m[path].Data)
	allow := strings.Replace(old, "    count: 2\n", "    count: 2\n    allow_author: true\n", 1)
	if allow == old {
		t.Fatalf("%s has no sre-pair count to extend", path)
	}
	m[path] = &fstest.MapFile{Data: []byte(allow)}
	return m
}

// countedBy returns the identities the policy result's rules counted.
func countedBy(r *policies.Result) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, v := range r.Counted {
		out = append(out, v.Identity)
	}
	for i := range r.Children {
		out = append(out, countedBy(&r.Children[i])...)
	}
	return out
}

// notCountedBy returns "identity: reason" for every decision the policy
// result's rules did not count.
func notCountedBy(r *policies.Result) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, v := range r.NotCounted {
		out = append(out, v.Identity+": "+v.Reason)
	}
	for i := range r.Children {
		out = append(out, notCountedBy(&r.Children[i])...)
	}
	return out
}

// TestRunAuthorReview: the pull request author's review is a decision like
// any other, and the policy alone decides whether it counts. alice
// proposes the ship (signed by her) in her own pull request and approves
// it, bob approves: under sre-pair without allow_author the ship waits and
// the check run says why; with allow_author: true her approval is the
// second one, the run applies the ship, and replay of main in a fresh
// clone accepts the entry that counted her.
func TestRunAuthorReview(t *testing.T) {
	tests := []struct {
		name  string
		rules func(*testing.T) fs.FS
		apply bool
	}{
		{"without allow_author", releaseWithLogins, false},
		{"with allow_author", releaseAllowingAuthors, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorldFrom(t, githubtest.Pull{Author: "alice-gh"}, tt.rules(t), "alice")
			w.review("alice-gh", "APPROVED", w.head, 1)
			w.review("bob-gh", "APPROVED", w.head, 2)
			p := w.run(t, w.prEvent()).Pulls[0]
			if len(p.Ignored) != 0 {
				t.Fatalf("reviews set aside before the policy: %+v", p.Ignored)
			}
			if !slices.ContainsFunc(p.Gate.Pending.Decisions, func(d policies.Decision) bool { return d.Identity == "alice" }) {
				t.Fatalf("alice's review is not a decision: %+v", p.Gate.Pending.Decisions)
			}
			if !tt.apply {
				if p.Applied || p.Gate.Verdict != intake.VerdictWaiting {
					t.Fatalf("%s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
				}
				w.waitRecorded(t)
				if c := w.check(t); !strings.Contains(c.Text+c.Summary, "alice") || !strings.Contains(c.Text+c.Summary, policies.ReasonAuthor) {
					t.Fatalf("check run does not say why alice does not count:\n%s\n%s", c.Summary, c.Text)
				}
				return
			}
			if !p.Applied {
				t.Fatalf("not applied: %s: %s (held: %s)", p.Gate.Verdict, p.Gate.Reason, p.Held)
			}
			res := w.verify(t)
			last := res.Entries[len(res.Entries)-1]
			if last.Record.Entry.Signer != "alice" || !slices.Contains(countedBy(last.Outcome.Policy), "alice") {
				t.Fatalf("replayed entry by %s counting %v, want alice's own approval counted", last.Record.Entry.Signer, countedBy(last.Outcome.Policy))
			}
		})
	}
}

// TestRunOpenerIsCoAuthor: a pull request opened by alice for a proposal
// deploy-agent signed makes alice a co-author: the policy counts her
// review only under allow_author (TestRunIgnoresSelfApproval is the case
// without), and the entry records her as Writ-Co-Author so that replay
// judges it the same way.
func TestRunOpenerIsCoAuthor(t *testing.T) {
	w := newWorldFrom(t, githubtest.Pull{Author: "alice-gh"}, releaseAllowingAuthors(t), "deploy-agent")
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	p := w.run(t, w.prEvent()).Pulls[0]
	if !p.Applied {
		t.Fatalf("not applied: %s: %s (held: %s)", p.Gate.Verdict, p.Gate.Reason, p.Held)
	}
	res := w.verify(t)
	last := res.Entries[len(res.Entries)-1]
	if e := last.Record.Entry; e.Signer != "deploy-agent" || !slices.Equal(e.CoAuthors, []string{"alice"}) ||
		!slices.Contains(countedBy(last.Outcome.Policy), "alice") {
		t.Fatalf("replayed entry by %s, co-authors %v, counting %v", e.Signer, e.CoAuthors, countedBy(last.Outcome.Policy))
	}
}
