package replay_test

import (
	"testing"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/internal/enginetest"
	"github.com/writ-dev/writ/reconciler/replay"
)

// An entry signature verified during the walk is used only for the key
// ring it was verified with, and gives exactly what verifying it then
// gives, a signature by someone else than the reconciler included.
func TestEarlySignaturesMatchLateOnes(t *testing.T) {
	e, head := enginetest.Shipped(t)
	enginetest.RewriteHead(t, e, head, head.Message, nil, "alice") // signed by a human
	replay.CheckEarlySignatures(t, e.Store)
}

// Replay verifies commits from their raw bytes; the result must be
// signing.VerifyCommit's, error text included, for every commit.
func TestRawVerifyMatchesVerifyCommit(t *testing.T) {
	e, head := enginetest.Shipped(t)
	res, err := e.Replay(reconciler.ReplayOptions{})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	enginetest.RewriteHead(t, e, head, head.Message, nil, "alice") // and one signed by a human
	replay.CheckRawVerify(t, e.Store, res.State.Rules())
}
