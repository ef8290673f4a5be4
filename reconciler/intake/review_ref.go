package intake

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/reconciler/wal"
)

// CheckReviewDecision checks a decision recorded from a GitHub review. It
// has no commit to verify: GitHub attested the review when the reconciler
// read it, and the reconciler attests it in turn by signing the WAL entry
// that records it (reviewer login and id, review id, the commit reviewed and
// the role counted). Replay checks the entry's signature, and here only
// that the reference and the reviewed commit are well formed and that the
// verdict is one a review can carry (approve or reject, never override).
func CheckReviewDecision(identity, verdict, commit, ref string) error {
	if _, err := wal.ParseReviewRef(ref); err != nil {
		return fmt.Errorf("decision by %s: %w", identity, err)
	}
	if verdict != "approve" && verdict != "reject" && verdict != "override" {
		return fmt.Errorf("decision by %s from review %s: verdict %s; a review can only approve, reject or override", identity, ref, verdict)
	}
	if len(commit) != 40 || strings.Trim(commit, "0123456789abcdef") != "" {
		return fmt.Errorf("decision by %s from review %s: commit %q is not a commit hash", identity, ref, commit)
	}
	return nil
}
