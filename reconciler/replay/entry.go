package replay

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// prepared is what the checks that do not depend on the state found about
// one entry. Each field holds the outcome of one check of the sequence a
// one-by-one replay runs, so the fold can report the first failure in that
// sequence.
type prepared struct {
	index int
	c     *gitstore.CommitView
	rec   wal.Record
	// readErr: the commit could not be read (not a tamper error).
	readErr error
	// early: decoding, the entry's shape, and the rules it installs.
	early error
	// newRulesHash is the hash of the rules a genesis or rules entry
	// installs (rec.Entry.Rules).
	newRulesHash string
	// ring is the key ring the signature checks below used.
	ring   *ringRef
	signer signing.Verified
	sigErr error
	// proposer is how the proposal's subject commit verified.
	proposer signing.Verified
	headErr  error // the second parent is the recorded proposal head
	// attested: a one-parent reject entry whose proposal commits are not
	// in the repository; it rests on the reconciler's word (reject.go).
	attested bool
	tree     gitstore.ProposalTree // the merge's trees along the proposal path
	commits  commitMemo            // commits the checks read, by them
	// rendered: the proposal file was shown to be the rendering of the
	// recorded proposal by its object name, and not read.
	rendered bool
	// laterErr: the proposal commit, its file and the decisions.
	laterErr error
}

func (p *prepared) tamper(format string, args ...any) error {
	return &TamperError{Commit: p.c.Hash, Index: p.index, Reason: fmt.Sprintf(format, args...)}
}

// prepare reads commit h and runs the stateless checks of entry index,
// verifying signatures against ring.
func (r *replayer) prepare(h plumbing.Hash, index int, ring *ringRef) *prepared {
	c, err := r.read.Commit(h)
	if err != nil {
		return &prepared{index: index, c: &gitstore.CommitView{Hash: h}, readErr: fmt.Errorf("read commit %s: %w", h, err)}
	}
	return r.prepareView(c, index, ring)
}

// prepareView runs the stateless checks of entry index on commit c.
func (r *replayer) prepareView(c *gitstore.CommitView, index int, ring *ringRef) *prepared {
	p := &prepared{index: index, c: c}
	rec, err := wal.Decode(c.Message)
	if err != nil {
		p.early = p.tamper("not a WAL entry written by the reconciler: %v", err)
		return p
	}
	p.rec = rec
	switch {
	case index == 0 && rec.Entry.Kind != core.KindGenesis:
		p.early = p.tamper("the first commit of main must be the genesis entry, found %s", rec.Entry.Kind)
	case index == 0 && len(c.Parents) != 0:
		p.early = p.tamper("the genesis entry must have no parents")
	case index > 0 && rec.Entry.Kind == core.KindGenesis:
		p.early = p.tamper("a second genesis entry")
	case index > 0 && (rec.Entry.Kind == core.KindWithdraw || rec.Entry.Kind == core.KindTimeout) && len(c.Parents) != 1:
		// No older form: a merge would make the withdrawn head part of main.
		p.early = p.tamper("a %s entry has one parent (main), this one has %d", rec.Entry.Kind, len(c.Parents))
	case index > 0 && rec.Entry.Kind.RecordsWait() && len(c.Parents) != 1:
		// A merge would make the waiting proposal's head part of main.
		p.early = p.tamper("a %s entry has one parent (main), this one has %d", rec.Entry.Kind, len(c.Parents))
	case index > 0 && len(c.Parents) != 2 && !isOneParentReject(c, rec) && !rec.Entry.Kind.RecordsWait():
		p.early = p.tamper("has %d parents; every WAL entry after genesis merges a proposal (2 parents), but a reject or withdraw entry, which has 1", len(c.Parents))
	}
	if p.early != nil {
		return p
	}
	if rec.Entry.Kind == core.KindGenesis || rec.Entry.Kind == core.KindRules {
		newRules, err := r.loadRules(c)
		if err != nil {
			p.early = p.tamper("%v", err)
			return p
		}
		h, err := core.HashRules(newRules)
		if err != nil {
			p.early = p.tamper("%v", err)
			return p
		}
		if h != rec.RulesHash {
			p.early = p.tamper("%s says %s, but the rules in the tree hash to %s", wal.KeyRules, rec.RulesHash, h)
			return p
		}
		p.rec.Entry.Rules, p.newRulesHash = newRules, h
		if rec.Entry.Kind == core.KindGenesis {
			if err := r.checkGenesisFiles(c); err != nil {
				p.early = p.tamper("%v", err)
				return p
			}
			ring = r.ringFor(newRules, h)
		}
	}
	if rec.Entry.Kind != core.KindGenesis {
		if rec.Entry.Kind.RecordsWait() {
			p.headErr = r.checkWaitHead(p)
		} else if isOneParentReject(c, rec) {
			p.headErr = r.checkRejectedHead(p)
		} else if rec.ProposalHead == "" || c.Parents[1].String() != rec.ProposalHead {
			p.headErr = fmt.Errorf("%s names head %s, but the second parent is %s", wal.KeyProposal, rec.ProposalHead, c.Parents[1])
		} else {
			p.headErr = r.checkMergedHead(p)
		}
		if rec.Entry.Kind != core.KindRules && !rec.Entry.Kind.RecordsWait() {
			p.tree = r.trees.Read(c.Tree, rec.ProposalPath)
		}
	}
	r.verifySignatures(p, ring)
	return p
}

// verifySignatures runs the checks that depend on the key ring: the
// entry's signature, then, for an entry the reconciler signed, the
// proposal commit and the decisions. An entry the reconciler did not sign
// is refused as foreign (apply) and checked no further: the proposal
// checks trust the entry's tree (a rules entry's change is diffed without
// limits, intake.RulesChangeTrusted), and anyone with push access can
// write a commit that only looks like an entry.
func (r *replayer) verifySignatures(p *prepared, ring *ringRef) {
	p.ring, p.signer, p.sigErr, p.laterErr, p.proposer = ring, signing.Verified{}, nil, nil, signing.Verified{}
	if ring.err != nil {
		p.sigErr = ring.err
		return
	}
	if sig, ok := r.early.take(p.c.Hash, ring); ok {
		p.signer, p.sigErr = sig.signer, sig.err
	} else {
		p.signer, p.sigErr = verify(p.c, ring.ring, time.Time{})
	}
	if p.sigErr != nil || p.signer.Identity != ring.identity {
		return
	}
	if p.rec.Entry.Kind != core.KindGenesis {
		p.laterErr = r.checkProposal(p, ring.ring)
	}
}

// checkProposal checks the entry's proposal against its signed commits,
// or, for a rejection whose commits are absent, what the entry carries.
func (r *replayer) checkProposal(p *prepared, ring *signing.KeyRing) error {
	if p.rec.Entry.Kind.RecordsWait() {
		return r.checkWaitProposal(p, ring)
	}
	if p.attested {
		return r.attestedReject(p, ring)
	}
	return r.proposal(p, ring)
}

// apply runs the checks that depend on the state, in the order of a
// one-by-one replay, then applies the entry. It does not compare the state
// hash after the entry (the caller does).
func (r *replayer) apply(p *prepared, st *stepState) (Verified, core.State, error) {
	s := st.state
	switch {
	case p.readErr != nil:
		return Verified{}, s, p.readErr
	case p.early != nil:
		return Verified{}, s, p.early
	}
	rec := p.rec
	rules, rulesHash := s.Rules(), s.RulesHash()
	if rec.Entry.Kind == core.KindGenesis {
		rules, rulesHash = rec.Entry.Rules, p.newRulesHash
	}
	ring := r.ringFor(rules, rulesHash)
	if ring.err != nil {
		return Verified{}, s, p.tamper("key ring: %v", ring.err)
	}
	if p.ring != ring {
		// Verified ahead against the rules in force before a rules change
		// this fold has since applied: verify again.
		r.stats.Reverified++
		r.verifySignatures(p, ring)
	}
	if p.sigErr != nil {
		return Verified{}, s, p.tamper("signature: %v", p.sigErr)
	}
	if want := rules.Config.Reconciler.Identity; p.signer.Identity != want {
		return Verified{}, s, p.tamper("signed by %s, not by the reconciler identity %s", p.signer.Identity, want)
	}
	if rec.StatePre != st.hash {
		return Verified{}, s, p.tamper("%s is %s, but the replayed state before it is %s", wal.KeyStatePre, rec.StatePre, st.hash)
	}
	if rec.Entry.Kind != core.KindGenesis {
		if p.headErr != nil {
			return Verified{}, s, p.tamper("%v", p.headErr)
		}
		trusted := p.tree.OK()
		check := func() error { return r.checkTree(p, st.parentTree) }
		switch rec.Entry.Kind {
		case core.KindRecover:
			check = func() error { return r.checkRecovery(p, st.q) }
		case core.KindWait, core.KindEscalate:
			check = func() error { return r.checkWaitTree(p, st.parentTree) }
		}
		if err := check(); err != nil {
			return Verified{}, s, p.tamper("%v", err)
		}
		if trusted && !p.tree.OK() {
			// The proposal checks used the merge's tree as the worker read
			// it, which the fold could not confirm: check again without.
			p.laterErr = r.checkProposal(p, p.ring.ring)
		}
		if p.laterErr != nil {
			return Verified{}, s, p.tamper("%v", p.laterErr)
		}
		rec = p.rec // a rules entry's changed files, from checkTree
	}
	next, out, err := core.Apply(s, rec.Entry)
	if err != nil {
		return Verified{}, s, p.tamper("%v", err)
	}
	want := core.StatusApplied
	switch rec.Entry.Kind {
	case core.KindReject:
		want = core.StatusRejected
	case core.KindWithdraw:
		want = core.StatusWithdrawn
	case core.KindWait, core.KindEscalate:
		want = core.StatusAwaiting
	case core.KindTimeout:
		want = core.StatusRejected
	}
	if out.Status != want {
		return Verified{}, s, p.tamper("does not apply: %s: %s", out.Status, out.Reason)
	}
	if rec.Entry.Kind == core.KindWait {
		if err := checkWaitingFor(rec, next); err != nil {
			return Verified{}, s, p.tamper("%v", err)
		}
	}
	if rec.InstancePost != out.InstancePost {
		return Verified{}, s, p.tamper("%s is %s, replay gives %s", wal.KeyInstancePost, rec.InstancePost, out.InstancePost)
	}
	v := Verified{Commit: p.c.Hash, Author: p.c.Author(), Signer: p.signer, Proposer: p.proposer, Record: rec, Outcome: out, Attested: p.attested}
	if rec.Entry.Kind == core.KindRecover {
		v.Quarantined = st.q.quarantined()
	}
	return v, next, nil
}

// proposal checks a merged proposal against its own signed commits: the
// subject commit is signed by the proposer and holds exactly the recorded
// bytes, and every decision is a decision commit the gate would count
// (intake.VerifyDecision, the one decision verifier) that agrees with the
// entry's subject (intake.CheckDecisionSubject), or a GitHub review the
// reconciler attests by signing the entry. Signatures are judged at the
// entry's clock, the time the reconciler attests it judged them (see
// intake.VerifyNow), never at the dates the signers wrote. (The second
// parent and the merge's tree are checked apart.)
func (r *replayer) proposal(p *prepared, ring *signing.KeyRing) error {
	subject, err := r.commit(&p.commits, plumbing.NewHash(p.rec.Entry.Subject.Commit))
	if err != nil {
		return fmt.Errorf("proposal commit %s: %w", p.rec.Entry.Subject.Commit, err)
	}
	if err := r.checkSubject(p, subject, ring); err != nil {
		return err
	}
	return r.checkDecisions(p, ring, false)
}

// checkSubject checks the entry's proposal commit subject: its proposer
// signed it (at the entry's clock) and it holds exactly the proposal file
// the entry adds to main, whose bytes (or, for a rule change, whose whole
// change) hash to Writ-Content and load as the proposal in the message.
// It sets p.proposer.
func (r *replayer) checkSubject(p *prepared, subject *gitstore.CommitView, ring *signing.KeyRing) error {
	rec := p.rec
	who, err := verify(subject, ring, intake.EntryTime(rec.Entry.HLC))
	if err != nil {
		return fmt.Errorf("proposal %w", err) // "proposal commit <id>: ...": verify names the commit
	}
	if who.Identity != rec.Entry.Signer {
		return fmt.Errorf("proposal commit %s is signed by %s, but %s names %s", shortHash(rec.Entry.Subject.Commit), who.Identity, wal.KeyProposer, rec.Entry.Signer)
	}
	p.proposer = who
	if rec.Entry.Proposal == nil {
		return nil
	}
	raw, rendered, err := r.proposalFile(subject, rec, p)
	if err != nil {
		return err
	}
	p.rendered = rendered // this check's: an earlier one may have seen another blob
	if err := r.sameFile(p, raw); err != nil {
		return err
	}
	if rec.Entry.Kind == core.KindRules {
		if err := r.checkRulesMerge(p, subject, raw); err != nil {
			return err
		}
	} else if rec.Entry.Kind.Closes() && schemas.IsRulesProposal(rec.ProposalPath) {
		if err := r.checkClosedRulesContent(p, subject, raw); err != nil {
			return err
		}
	} else if h := schemas.HashBytes(raw); h != rec.Entry.Subject.Content {
		return fmt.Errorf("%s is %s, but the proposal file hashes to %s", wal.KeyContent, rec.Entry.Subject.Content, h)
	}
	if rendered {
		return nil // raw is the rendering of rec's proposal: ProposalIsYAML holds
	}
	return r.sameProposal(raw, rec)
}

// checkDecisions checks every decision the entry records: a decision
// commit verifies and is the decision recorded (checkDecisionCommit); a
// GitHub review reference is well formed. When attested (a closing entry
// whose head is absent), a decision commit that is absent too is taken on
// the reconciler's word; one that is present must still verify.
func (r *replayer) checkDecisions(p *prepared, ring *signing.KeyRing, attested bool) error {
	rec := p.rec
	for _, d := range rec.Entry.Decisions {
		if wal.IsReviewRef(d.Ref) {
			// A pull-request review: no decision commit exists. The
			// reconciler's signature on this entry attests it (see
			// intake.CheckReviewDecision); a malformed reference is tampering.
			if err := intake.CheckReviewDecision(d.Identity, string(d.Verdict), d.Commit, d.Ref); err != nil {
				return err
			}
			continue
		}
		h := plumbing.NewHash(d.Ref)
		if attested && h.String() != d.Ref {
			return fmt.Errorf("decision by %s: ref %q is neither a commit hash nor a review reference", d.Identity, d.Ref)
		}
		dc, err := r.commit(&p.commits, h)
		if attested && absent(err) {
			continue // absent with the proposal's head: on the reconciler's word
		}
		if err != nil {
			return fmt.Errorf("decision by %s: commit %s: %w", d.Identity, d.Ref, err)
		}
		if err := r.checkDecisionCommit(&p.commits, dc, d, rec, ring); err != nil {
			return err
		}
	}
	return nil
}

// checkDecisionCommit checks that decision commit dc is the decision d the
// entry rec records, one the gate would count, about the entry's subject.
func (r *replayer) checkDecisionCommit(m *commitMemo, dc *gitstore.CommitView, d policies.Decision, rec wal.Record, ring *signing.KeyRing) error {
	got, _, err := intake.VerifyDecision(r.decisionCommit(m, dc), ring, intake.EntryTime(rec.Entry.HLC))
	if err != nil {
		return fmt.Errorf("decision commit %s by %s: %w", shortHash(d.Ref), d.Identity, err)
	}
	if got != d {
		return fmt.Errorf("decision commit %s (signed by %s) does not match the recorded %s by %s", shortHash(d.Ref), got.Identity, d.Verdict, d.Identity)
	}
	if err := intake.CheckDecisionSubject(d, rec.Entry.Subject); err != nil {
		return fmt.Errorf("decision commit %s by %s: %w", shortHash(d.Ref), d.Identity, err)
	}
	return nil
}

// sameProposal checks that the proposal file raw loads as the proposal
// the entry's message carries. A file writ wrote is the YAML rendering of
// the proposal: then it is, and loading it is skipped.
func (r *replayer) sameProposal(raw []byte, rec wal.Record) error {
	if schemas.ProposalIsYAML(raw, rec.Entry.Proposal) {
		return nil
	}
	parsed, problems := schemas.LoadProposal(rec.ProposalPath, raw)
	if len(problems) > 0 {
		return fmt.Errorf("proposal file: %w", problems)
	}
	a, _ := schemas.CanonicalJSON(parsed)
	b, _ := schemas.CanonicalJSON(rec.Entry.Proposal)
	if string(a) != string(b) {
		return fmt.Errorf("the proposal in the message differs from the signed proposal file")
	}
	return nil
}

// decisionCommit is c as the decision verifier reads it, its first
// parent's tree read through the replay's reader.
func (r *replayer) decisionCommit(m *commitMemo, c *gitstore.CommitView) intake.DecisionCommit {
	dc := intake.DecisionCommit{Hash: c.Hash, Message: c.Message, Parents: c.Parents, Tree: c.Tree, Verify: func(ring *signing.KeyRing, seen time.Time) (signing.Verified, error) { return verify(c, ring, seen) }}
	if len(c.Parents) > 0 {
		if parent, err := r.commit(m, c.Parents[0]); err == nil {
			dc.ParentTree = parent.Tree
		}
	}
	return dc
}

// proposalFile returns the proposal file at the subject commit. When the
// subject's tree is the merge's (the proposal was made on the main it was
// merged into), the blob found for the tree check is it. When that blob's
// object name is the one of the YAML writ writes for the proposal rec
// records (schemas.ProposalYAML, after the modeline of the last file
// read, or none), the file is that rendering, equal names being equal
// bytes, and is not read (rendered): the checks that follow see the same
// bytes, and need not match them with the proposal again.
func (r *replayer) proposalFile(subject *gitstore.CommitView, rec wal.Record, p *prepared) (raw []byte, rendered bool, err error) {
	blob, found := plumbing.ZeroHash, false
	if f := p.tree; f.OK() && subject.Tree == p.c.Tree {
		blob, found = f.Blob(), true
	} else if dirs, file, ok := splitPath(rec.ProposalPath); ok {
		blob, found = r.read.Lookup(subject.Tree, dirs, file)
	}
	if found {
		if b, ok := r.rendered(blob, rec.Entry.Proposal); ok {
			return b, true, nil
		}
		if b, ok := r.read.Blob(blob); ok {
			if line := schemas.LeadingModeline(b); line != r.modeline.Load().line() {
				r.modeline.Store(&modeline{text: line})
			}
			return b, false, nil
		}
	}
	raw, err = r.engine.Store.ReadFile(subject.Hash, rec.ProposalPath)
	if err != nil {
		return nil, false, fmt.Errorf("proposal %s at %s: %w", rec.ProposalPath, shortHash(subject.Hash.String()), err)
	}
	return raw, false, nil
}

// rendered returns the YAML writ writes for proposal, after the modeline
// last read, when its object name is blob. It never returns more than
// schemas.MaxFileSize bytes: a larger file is read, and refused.
func (r *replayer) rendered(blob plumbing.Hash, proposal *schemas.Proposal) ([]byte, bool) {
	body, ok := schemas.ProposalYAML(proposal)
	if !ok {
		return nil, false
	}
	if line := r.modeline.Load().line(); line != "" && len(line)+len(body) <= schemas.MaxFileSize {
		b := append([]byte(line), body...)
		if plumbing.ComputeHash(plumbing.BlobObject, b) == blob {
			return b, true
		}
	}
	if plumbing.ComputeHash(plumbing.BlobObject, body) == blob {
		return body, true
	}
	return nil, false
}

// modeline is the first line of the last proposal file read, a guess at
// the next one's: a log's files are mostly written by one writ.
type modeline struct{ text string }

func (m *modeline) line() string {
	if m == nil {
		return ""
	}
	return m.text
}

// sameFile checks that the file the entry adds to main is the signed
// proposal file: the reconciler may not merge other bytes under its name.
func (r *replayer) sameFile(p *prepared, signed []byte) error {
	var merged []byte
	if f := p.tree; f.OK() {
		if plumbing.ComputeHash(plumbing.BlobObject, signed) == f.Blob() {
			return nil
		}
		merged, _ = r.read.Blob(f.Blob())
	} else if b, err := r.engine.Store.ReadFile(p.c.Hash, p.rec.ProposalPath); err == nil {
		merged = b
	}
	if merged == nil || !bytes.Equal(merged, signed) {
		return fmt.Errorf("the %s merged into main is not the signed proposal file", p.rec.ProposalPath)
	}
	return nil
}
