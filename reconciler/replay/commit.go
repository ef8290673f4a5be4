package replay

import (
	"fmt"
	"time"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
)

// verify checks commit c's signature against ring exactly as
// signing.VerifyCommitSeen does: the payload is the object without its
// gpgsig header, the claimed signing time the committer time, seen (zero:
// none) the time the caller attests, and errors name the commit.
func verify(c *gitstore.CommitView, ring *signing.KeyRing, seen time.Time) (signing.Verified, error) {
	payload, sig, committer, raw := c.Signed()
	if !raw {
		return signing.VerifyCommitSeen(c.Decoded(), ring, seen)
	}
	short := c.Hash.String()[:12]
	if sig == "" {
		return signing.Verified{}, fmt.Errorf("commit %s: %w", short, signing.ErrUnsigned)
	}
	v, err := signing.VerifyPayloadTimes(payload, sig, ring, signing.Times{Claimed: committer.When, Seen: seen})
	if err != nil {
		return signing.Verified{}, fmt.Errorf("commit %s: %w", short, err)
	}
	return v, nil
}
