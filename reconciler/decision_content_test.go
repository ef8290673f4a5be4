package reconciler

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// A decision that names the current proposal commit but other content
// than that commit's contradicts itself: it never counts (the WAL would
// otherwise record an approval of content nobody proposed), and it is
// listed as ignored with both hashes.
func TestDecisionContradictingItsCommitIsIgnored(t *testing.T) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	bogus := "sha256:" + strings.Repeat("0", 64)
	appendDecisionOn(t, e, name, "alice", policies.VerdictApprove, "", bogus)
	approveAs(t, e, "bob", name)

	g := gateNow(t, e, name)
	if g.Verdict != intake.VerdictWaiting {
		t.Fatalf("verdict %s (%s), want waiting: alice's approval names content other than the commit's", g.Verdict, g.Reason)
	}
	wantIgnored(t, g, "alice", bogus)
	reconcile(t, e, 0)

	approveAs(t, e, "alice", name)
	reconcile(t, e, 1)
}
