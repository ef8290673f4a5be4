package replay

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/schemas"
)

// TestRenderedProposalStaysWithinTheFileLimit: rendered never vouches for
// a file over MaxFileSize. A body at the limit after the modeline of the
// last file read would be a larger file, which reading refuses
// (ErrTooLarge) and so does sameProposal: the modeline is not tried, so
// the file is read and refused as before.
func TestRenderedProposalStaysWithinTheFileLimit(t *testing.T) {
	p := &schemas.Proposal{Instance: "svc-1", Workflow: "release", Transition: "tests-fail",
		BaseState: "none", IdemKey: "k-faad4867dc8ab8d0"}
	small, ok := schemas.ProposalYAML(p)
	if !ok {
		t.Fatal("no rendering")
	}
	p.Justification = "a" + strings.Repeat("b", schemas.MaxFileSize-len(small)-len("justification: a\n"))
	body, ok := schemas.ProposalYAML(p)
	if !ok || len(body) != schemas.MaxFileSize {
		t.Fatalf("body of %d bytes, ok %v", len(body), ok)
	}
	line := schemas.Modeline(schemas.KindProposal, "")
	file := append([]byte(line), body...)
	r := &replayer{}
	r.modeline.Store(&modeline{text: line})
	got, ok := r.rendered(plumbing.ComputeHash(plumbing.BlobObject, file), p)
	if ok && !schemas.ProposalIsYAML(got, p) {
		_, problems := schemas.LoadProposal("proposals/svc-1/x.yaml", got)
		t.Fatalf("rendered vouched for a %d-byte file (limit %d) that ProposalIsYAML does not and LoadProposal refuses: %v", len(got), schemas.MaxFileSize, problems)
	}
}
