package replay

import (
	"errors"
	"fmt"
	"maps"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// A reject entry records that an eligible approver rejected a proposal.
// Written as a merge of the proposal's head, it would make that head part
// of main, and a forge that marks a pull request merged when its head
// becomes reachable from the base branch (GitHub) would show a rejected
// proposal as merged. So a reject entry has one parent, main, and names
// the proposal head only in its Writ-Proposal trailer (and the proposal
// commit in Writ-Subject); it adds the proposal file to main as every
// entry does. The reconciler keeps the proposal's signed commits as
// evidence under RejectedRef, a ref that is not a branch, published with
// main in one atomic push; writ's fetch brings it along.
//
// Replay verifies a one-parent reject entry as it verifies a merge (the
// head descends from the proposal commit, which its proposer signed and
// which holds the file on main; every decision commit verifies) whenever
// the head commit is in the repository. When it is not (a clone without
// refs/writ/), the rejection rests on the reconciler's word, as a GitHub
// review does, and Verified.Attested says so; but the head is a value the
// entry itself names, so whatever evidence is present must still agree:
//   - an evidence ref of the proposal (ClosedRef, either kind) that is
//     present must name the recorded head (checkClosedRefs);
//   - a proposal commit (Writ-Subject) that is present must verify as for
//     any entry: its proposer signed it and it holds the file on main
//     (checkSubject); when it is absent, the file on main hashes to
//     Writ-Content and is the proposal in the message;
//   - a decision commit that is present verifies; review references are
//     well formed.
// The reconciler's key alone can therefore record, on a clone that lacks
// the evidence, a rejection of a proposal nobody rejected, consuming its
// idem_key without moving the instance; it cannot apply a transition this
// way, and an entry whose evidence is present and does not verify, or
// contradicts it, is refused. Entries written before, with two parents,
// replay as merges.
//
// A withdraw entry (core.KindWithdraw) is written and verified the same
// way, its evidence under refs/writ/withdrawn/, and has no two-parent
// form. A reject or withdraw entry may close a rule change or recovery
// too: it adds only proposals/rules/<name>.yaml to main, and its
// Writ-Content, the hash of the whole change, is recomputed from the
// proposal commit when it is present (checkClosedRulesContent) and rests
// on the decisions' signatures when it is not.

// RejectedRef is where the reconciler keeps the signed commits of a
// rejected proposal at path (proposals/<instance>/<name>.yaml, or a goal
// action's proposals/<lineage>/<shard>/<name>.yaml):
// refs/writ/rejected/<instance>/<name>.
func RejectedRef(path string) (string, error) { return ClosedRef(core.KindReject, path) }

// ClosedRef is where the reconciler keeps the signed commits of a
// proposal at path that an entry of kind (core.EntryKind.Closes) closed:
// refs/writ/rejected/<instance>/<name> for a rejection,
// refs/writ/withdrawn/<instance>/<name> for a withdrawal. A withdraw
// entry is written and replayed exactly like a one-parent reject entry
// (see the comment at the top), its evidence under that ref. The ref has
// no shard: a name is used once per instance, and every closed ref of an
// instance stays one level under it, so none is another's directory.
func ClosedRef(kind core.EntryKind, path string) (string, error) {
	// A timeout rejects: its commits are kept with the rejected ones.
	dir := map[core.EntryKind]string{core.KindReject: "rejected", core.KindWithdraw: "withdrawn", core.KindTimeout: "rejected"}[kind]
	if dir == "" {
		return "", fmt.Errorf("closed ref of %s: a %s entry closes no proposal", path, kind)
	}
	instance, name, _, err := schemas.ParseProposalPath(path)
	if err != nil {
		return "", fmt.Errorf("%s ref of %s: %w", dir, path, err)
	}
	return "refs/writ/" + dir + "/" + instance + "/" + name, nil
}

// isOneParentReject reports whether c is an entry that closes a proposal
// (reject, withdraw) in the one-parent form.
func isOneParentReject(c *gitstore.CommitView, rec wal.Record) bool {
	return rec.Entry.Kind.Closes() && len(c.Parents) == 1
}

// checkRejectedHead is checkMergedHead for a one-parent reject or
// withdraw entry: the recorded head and subject must be commit hashes;
// when the repository has the head, it must descend from the proposal
// commit, and when it does not, the entry is marked attested. Either way
// the evidence refs of its proposal that are present must name that head
// (checkClosedRefs): a head nobody has is no way around evidence that is
// here.
func (r *replayer) checkRejectedHead(p *prepared) error {
	head, present, err := r.checkRecordedHead(p.rec, "rejected")
	if err != nil {
		return err
	}
	// Absent: on the reconciler's word, unless the evidence says otherwise.
	if err := r.checkClosedRefs(p.rec.ProposalPath, head); err != nil {
		return err
	}
	p.attested = p.attested || !present
	return nil
}

// checkRecordedHead checks the head and subject a one-parent entry records
// (Writ-Proposal, Writ-Subject): both must be commit hashes, and when the
// repository has the head it must descend from the subject. It returns
// the head and whether the repository has it; what names the proposal in
// errors ("rejected", "waiting").
func (r *replayer) checkRecordedHead(rec wal.Record, what string) (plumbing.Hash, bool, error) {
	head := plumbing.NewHash(rec.ProposalHead)
	if head.String() != rec.ProposalHead {
		return head, false, fmt.Errorf("%s names head %q, which is not a commit hash", wal.KeyProposal, rec.ProposalHead)
	}
	subject := plumbing.NewHash(rec.Entry.Subject.Commit)
	if subject.String() != rec.Entry.Subject.Commit {
		return head, false, fmt.Errorf("%s %q is not a commit hash", wal.KeySubject, rec.Entry.Subject.Commit)
	}
	if _, err := r.read.Commit(head); absent(err) {
		return head, false, nil
	} else if err != nil {
		return head, false, fmt.Errorf("the %s proposal %s: %w", what, shortHash(rec.ProposalHead), err)
	}
	ok, err := r.descends(nil, head, subject)
	if err != nil {
		return head, false, fmt.Errorf("the %s proposal %s: %w", what, shortHash(rec.ProposalHead), err)
	}
	if !ok {
		return head, false, fmt.Errorf("the %s proposal %s does not descend from the proposal commit %s (%s)",
			what, shortHash(rec.ProposalHead), shortHash(subject.String()), wal.KeySubject)
	}
	return head, true, nil
}

// checkClosedRefs fails when an evidence ref of the proposal at path
// (ClosedRef, of either kind) is in the repository and names another
// commit than head, the head the entry records: the reconciler sets that
// ref to the head it judged, with the entry, and a proposal name is used
// once, so such a ref contradicts the entry. An absent ref proves nothing
// (a plain clone has none).
func (r *replayer) checkClosedRefs(path string, head plumbing.Hash) error {
	refs, err := r.closed.load(r.engine.Store)
	if err != nil {
		return err
	}
	for _, kind := range []core.EntryKind{core.KindReject, core.KindWithdraw} {
		ref, err := ClosedRef(kind, path)
		if err != nil {
			continue // no such ref: the reconciler could not have written one
		}
		if got, ok := refs[ref]; ok && got != head {
			return fmt.Errorf("%s holds %s, but %s names head %s: the evidence of the proposal's closing contradicts the entry "+
				"(if that ref is a leftover of a reconcile that never published, set it to the remote's or delete it: git update-ref -d %s)",
				ref, got, wal.KeyProposal, head, ref)
		}
	}
	return nil
}

// closedRefs is the evidence refs of closed proposals
// (refs/writ/rejected/, refs/writ/withdrawn/), listed once per replay, on
// first use.
type closedRefs struct {
	once sync.Once
	refs map[string]plumbing.Hash
	err  error
}

func (c *closedRefs) load(store *gitstore.Store) (map[string]plumbing.Hash, error) {
	c.once.Do(func() {
		c.refs = map[string]plumbing.Hash{}
		for _, prefix := range []string{"refs/writ/rejected/", "refs/writ/withdrawn/"} {
			refs, err := store.RefsUnder(prefix)
			if err != nil {
				c.err = fmt.Errorf("list the evidence of closed proposals: %w", err)
				return
			}
			maps.Copy(c.refs, refs)
		}
	})
	return c.refs, c.err
}

// attestedReject checks a one-parent reject or withdraw entry whose head
// is absent (see the comment at the top): the proposal commit, when
// present, as for any entry (checkSubject); when absent, what the entry
// carries by itself. Then the decisions, those present verifying.
func (r *replayer) attestedReject(p *prepared, ring *signing.KeyRing) error {
	rec := p.rec
	if rec.Entry.Proposal == nil {
		return fmt.Errorf("reject entry without a proposal")
	}
	subject, err := r.read.Commit(plumbing.NewHash(rec.Entry.Subject.Commit))
	switch {
	case err == nil:
		if err := r.checkSubject(p, subject, ring); err != nil {
			return err
		}
	case absent(err):
		if err := r.attestedContent(p); err != nil {
			return err
		}
	default:
		return fmt.Errorf("proposal commit %s: %w", rec.Entry.Subject.Commit, err)
	}
	return r.checkDecisions(p, ring, true)
}

// attestedContent checks what an entry whose proposal commit is absent
// carries by itself: the proposal file on main hashes to Writ-Content and
// is the proposal in the message.
func (r *replayer) attestedContent(p *prepared) error {
	rec := p.rec
	raw, err := r.mergedFile(p)
	if err != nil {
		return err
	}
	// A rule change's content is its whole change, which only its absent
	// commits hold: there the decisions' signatures bind it.
	if h := schemas.HashBytes(raw); h != rec.Entry.Subject.Content && !schemas.IsRulesProposal(rec.ProposalPath) {
		return fmt.Errorf("%s is %s, but the %s on main hashes to %s", wal.KeyContent, rec.Entry.Subject.Content, rec.ProposalPath, h)
	}
	return r.sameProposal(raw, rec)
}

// checkClosedRulesContent checks the content of a rule change (or a
// recovery) that a reject or withdraw entry closed: a recovery's content
// is its proposal file's hash, a rule change's the hash of the whole
// change its subject commit makes to main before the entry (what its
// deciders bound to, intake.Reader.ContentAt; the entry was judged on a
// fresh change, whose touched files are all it changes).
func (r *replayer) checkClosedRulesContent(p *prepared, subject *gitstore.CommitView, raw []byte) error {
	content := p.rec.Entry.Subject.Content
	if content == schemas.HashBytes(raw) {
		return nil
	}
	change, err := intake.RulesChange(r.engine.Store, p.c.Parents[0], subject.Hash, p.rec.ProposalPath)
	if err != nil {
		return fmt.Errorf("the change of the closed rule change %s: %w", shortHash(subject.Hash.String()), err)
	}
	if h := intake.ChangeHash(change); h != content {
		return fmt.Errorf("%s is %s, but the change of the proposal commit %s (governed files and %s) hashes to %s",
			wal.KeyContent, content, shortHash(subject.Hash.String()), p.rec.ProposalPath, h)
	}
	return nil
}

// mergedFile returns the proposal file the entry put on main.
func (r *replayer) mergedFile(p *prepared) ([]byte, error) {
	if f := p.tree; f.OK() {
		if b, ok := r.read.Blob(f.Blob()); ok {
			return b, nil
		}
	}
	raw, err := r.engine.Store.ReadFile(p.c.Hash, p.rec.ProposalPath)
	if err != nil {
		return nil, fmt.Errorf("%s on main: %w", p.rec.ProposalPath, err)
	}
	return raw, nil
}

// absent reports whether a read failed because the object is not in the
// repository (as opposed to failing to read it).
func absent(err error) bool {
	return errors.Is(err, plumbing.ErrObjectNotFound) || errors.Is(err, gitstore.ErrNotFound)
}
