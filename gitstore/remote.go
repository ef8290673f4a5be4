package gitstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// Sentinel errors of remote operations (see errors.go for the others).
var (
	// ErrRemote means talking to a remote failed: network, server or
	// protocol. The remote's refs are unknown or unchanged; retry later.
	ErrRemote = errors.New("remote failed")

	// ErrNonFastForward means a ref would move to a commit that does not
	// descend from its value: a fetch found a ref its refspec does not
	// allow to be forced (no leading "+") rewritten on the remote, and the
	// local ref was left as it was; or a push was asked to force.
	ErrNonFastForward = errors.New("non-fast-forward")
)

// Fetch downloads from the named remote the refs that refspecs select
// ("src:dst", git's syntax, "*" globs allowed) with the objects they need,
// and updates the local refs as the refspecs say. A refspec with a leading
// "+" moves its destination anywhere; one without only fast-forwards it: a
// remote ref that does not descend from the local one leaves the local ref
// as it was and Fetch returns an error wrapping ErrNonFastForward (after
// updating the other refs). Local refs under a refspec's destination that
// the remote no longer has are deleted (pruned). Tags get no local refs. A
// non-glob source the remote lacks gives ErrNoRef; a ref that moved on the
// server during the fetch (stateless HTTP: "not our ref") gives
// ErrRefMoved; network, server and protocol failures give ErrRemote; a
// remote that refuses the credentials (see Credentials) gives ErrAuth.
//
// In a shallow clone (.git/shallow, as actions/checkout leaves with its
// default fetch-depth: 1) Fetch deepens the history to the full depth, as
// `git fetch --unshallow` does, and drops the boundary commits whose
// parents it now has from .git/shallow, so later reads find every commit.
//
// The errors of Fetch, RemoteRefs, PushCAS and PushCheckpoint never hold
// a token, header value or URL password: they are redacted ("***").
func (s *Store) Fetch(ctx context.Context, remote string, refspecs ...string) (err error) {
	defer func() { err = s.scrub(err) }()
	// go-git's Prune reverses refspecs with their "+" and then prunes
	// every forced destination, and its fast-forward verdict is lost
	// with NoTags; so go-git fetches everything forced, and Fetch checks
	// the fast-forward-only refs itself.
	specs := make([]config.RefSpec, len(refspecs))
	var ffOnly []config.RefSpec
	for i, r := range refspecs {
		specs[i] = config.RefSpec(strings.TrimPrefix(r, "+"))
		if err := specs[i].Validate(); err != nil {
			return fmt.Errorf("fetch %s: refspec %q: %w", remote, r, err)
		}
		if !strings.HasPrefix(r, "+") {
			ffOnly = append(ffOnly, specs[i])
		}
	}
	before, err := s.localRefsUnder(ffOnly)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", remote, err)
	}
	if err := s.fetch(ctx, remote, specs); err != nil {
		return err
	}
	var rewritten []string
	for name, old := range before {
		now, err := s.Ref(name)
		if errors.Is(err, ErrNoRef) || now == old {
			continue // pruned (the remote deleted it) or unchanged
		} else if err != nil {
			return fmt.Errorf("fetch %s: %w", remote, err)
		}
		if ok, err := s.IsAncestor(old, now); err != nil {
			return fmt.Errorf("fetch %s: %w", remote, err)
		} else if ok {
			continue
		}
		if err := s.CompareAndSwap(name, now, old); err != nil {
			return fmt.Errorf("fetch %s: restore %s: %w", remote, name, err)
		}
		rewritten = append(rewritten, fmt.Sprintf("%s (was %s, the remote has %s)", name, short(old), short(now)))
	}
	if len(rewritten) > 0 {
		sort.Strings(rewritten)
		return fmt.Errorf("fetch %s: %w: rewritten on the remote, left as they were: %s", remote, ErrNonFastForward, strings.Join(rewritten, ", "))
	}
	return nil
}

// fetch runs go-git's fetch, all refspecs forced, with pruning.
func (s *Store) fetch(ctx context.Context, remote string, specs []config.RefSpec) error {
	s.mu.Lock()
	rem, err := s.repo.Remote(remote)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("fetch %s: %w", remote, err)
	}
	_, ep, auth, err := s.remoteClient(remote)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", remote, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	where := fmt.Sprintf("fetch %s (%s)", remote, redactedEndpoint(ep))
	shallow, err := s.repo.Storer.Shallow()
	if err != nil {
		return fmt.Errorf("%s: read the shallow list: %w", where, err)
	}
	opts := &git.FetchOptions{RemoteName: remote, RefSpecs: specs, Tags: git.NoTags, Force: true, Prune: true, Auth: auth}
	if len(shallow) > 0 {
		// A shallow clone (actions/checkout's default, fetch-depth: 1):
		// deepen to the whole history, as `git fetch --unshallow`.
		opts.Depth = infiniteDepth
	}
	// go-git writes the pack, then sets the refs through the storage,
	// whose sync must flush the pack first; a failed fetch may have
	// written a pack too.
	s.durable.fetchStarted()
	err = rem.FetchContext(ctx, opts)
	s.durable.fetchEnded()
	if len(shallow) > 0 && (err == nil || errors.Is(err, git.NoErrAlreadyUpToDate)) {
		if err := s.unshallowLocked(shallow); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	var noMatch git.NoMatchingRefSpecError
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
		return nil
	case errors.As(err, &noMatch):
		return fmt.Errorf("%s: %w: %s", where, ErrNoRef, s.redact(err.Error()))
	case strings.Contains(err.Error(), "not our ref"):
		// Over stateless HTTP the server advertises its refs in one
		// request and checks the wants in the next; a ref that moved in
		// between is "not our ref". Read again.
		return fmt.Errorf("%s: %w: a ref moved during the fetch: %s", where, ErrRefMoved, s.redact(err.Error()))
	}
	return s.remoteErr(where, auth, err)
}

// localRefsUnder returns the local refs that are destinations of specs:
// looked up by name for plain refspecs, by one walk of the refs for globs.
func (s *Store) localRefsUnder(specs []config.RefSpec) (map[string]plumbing.Hash, error) {
	out := map[string]plumbing.Hash{}
	var globs []config.RefSpec
	for _, sp := range specs {
		if sp.IsWildcard() {
			globs = append(globs, sp)
			continue
		}
		name := sp.Dst("").String()
		h, err := s.Ref(name)
		if err == nil {
			out[name] = h
		} else if !errors.Is(err, ErrNoRef) {
			return nil, err
		}
	}
	if len(globs) == 0 {
		return out, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	iter, err := s.repo.Storer.IterReferences()
	if err != nil {
		return nil, err
	}
	defer iter.Close()
	err = iter.ForEach(func(r *plumbing.Reference) error {
		if r.Type() != plumbing.HashReference {
			return nil
		}
		for _, sp := range globs {
			if sp.Reverse().Match(r.Name()) {
				out[r.Name().String()] = r.Hash()
			}
		}
		return nil
	})
	return out, err
}

// RemoteRefs lists the refs the named remote advertises (`git ls-remote`),
// symbolic refs such as HEAD left out. Failures give ErrRemote.
func (s *Store) RemoteRefs(ctx context.Context, remote string) (map[string]plumbing.Hash, error) {
	cl, ep, auth, err := s.remoteClient(remote)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("list %s (%s)", remote, redactedEndpoint(ep))
	sess, err := cl.NewUploadPackSession(ep, auth)
	if err != nil {
		return nil, s.remoteErr(where, auth, err)
	}
	defer sess.Close()
	_, adv, err := s.advertised(ctx, sess, where, auth)
	return adv, s.scrub(err)
}

// advertised reads the refs a session's remote advertises, as sent and as
// a map (an empty repository advertises none). Failures wrap ErrRemote, or
// ErrAuth when the remote refuses the credentials.
func (s *Store) advertised(ctx context.Context, sess interface {
	AdvertisedReferencesContext(context.Context) (*packp.AdvRefs, error)
}, where string, auth transport.AuthMethod) (*packp.AdvRefs, map[string]plumbing.Hash, error) {
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil && !errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return nil, nil, s.remoteErr(where, auth, err)
	}
	adv, err := advRefs(ar)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w: %v", where, ErrRemote, err)
	}
	return ar, adv, nil
}

// PushCAS moves ref on the named remote from old to new: a compare-and-swap
// checked by the server under its own ref lock (git's receive-pack verifies
// the old value it is sent, which is old itself, not a value read earlier).
// A zero old means the ref must not exist. It never forces: a new that
// does not descend from old is refused before anything is sent
// (ErrNonFastForward), since a git server accepts any update whose old
// value matches unless it sets receive.denyNonFastForwards.
//
// When the remote ref is no longer old, PushCAS returns an error wrapping
// ErrRefMoved that names what it found: fetch, re-read and re-evaluate. A
// remote that already holds new counts as success (an earlier push whose
// answer was lost). Network, server and protocol failures wrap ErrRemote;
// after a failure in transit PushCAS asks the remote again, so a push that
// landed is reported as success and one that lost a race as ErrRefMoved.
//
// Only the objects new needs beyond old are sent: the commits reachable
// from new but not from old (less those the remote advertises) and, per
// commit, the trees and blobs that differ from its first parent's. new and
// a non-zero old must exist locally.
func (s *Store) PushCAS(ctx context.Context, remote, ref string, old, new plumbing.Hash) (err error) {
	defer func() { err = s.scrub(err) }()
	if err := s.checkFastForward(remote, ref, old, new); err != nil {
		return err
	}
	p, err := s.openPush(ctx, remote, ref)
	if err != nil {
		return err
	}
	defer p.sess.Close()
	// settled says whether the remote ref's value cur decides the push: it
	// already holds new (done), or it moved from old (ErrRefMoved).
	settled := func(cur plumbing.Hash) (bool, error) {
		switch {
		case cur == new:
			return true, nil
		case cur != old:
			return true, fmt.Errorf("%s: %w: expected %s, found %s", p.where, ErrRefMoved, describe(old), describe(cur))
		}
		return false, nil
	}
	if done, err := settled(p.adv[ref]); done {
		return err
	}
	err = p.send(ctx, s, old, new, old)
	if err == nil || !errors.Is(err, errInTransit) {
		return err
	}
	// Lost in transit: ask again what the ref holds.
	now, lerr := s.RemoteRefs(ctx, remote)
	if lerr != nil {
		return fmt.Errorf("%w (and listing the remote failed: %v)", err, lerr)
	}
	if done, serr := settled(now[ref]); done {
		return serr
	}
	return err
}

// checkFastForward checks, before anything is sent, what a compare-and-swap
// push of ref from old to new needs: a valid ref name, a commit to push
// (deleting is not supported) and, when old is set, new descending from
// old, since a push never forces.
func (s *Store) checkFastForward(remote, ref string, old, new plumbing.Hash) error {
	if err := validateRefName(ref); err != nil {
		return err
	}
	if new.IsZero() {
		return fmt.Errorf("push %s to %s: new value is the zero hash (deleting refs is not supported)", ref, remote)
	}
	if !old.IsZero() {
		if ok, err := s.IsAncestor(old, new); err != nil {
			return fmt.Errorf("push %s to %s: %w", ref, remote, err)
		} else if !ok {
			return fmt.Errorf("push %s to %s: %w: %s does not descend from %s, and a push never forces", ref, remote, ErrNonFastForward, short(new), short(old))
		}
	}
	return nil
}

// PushCheckpoint publishes the local checkpoint as the remote's
// CheckpointRef. The checkpoint is a cache, so it replaces whatever the
// remote holds (it need not descend from it), but only while the remote's
// main is exactly the commit the checkpoint covers: a checkpoint is never
// published for a commit that is not on the remote's main. Otherwise it
// returns an error wrapping ErrRefMoved, as it does when another writer
// moved the remote checkpoint during the push. A remote that already holds
// the checkpoint is success; failures to talk to it wrap ErrRemote.
func (s *Store) PushCheckpoint(ctx context.Context, remote string) (err error) {
	defer func() { err = s.scrub(err) }()
	cp, err := s.ReadCheckpoint()
	if err != nil {
		return fmt.Errorf("push checkpoint: %w", err)
	}
	p, err := s.openPush(ctx, remote, CheckpointRef)
	if err != nil {
		return err
	}
	defer p.sess.Close()
	if m := p.adv[MainRef]; m != cp.At {
		return fmt.Errorf("%s: %w: the checkpoint covers %s but the remote's main is %s", p.where, ErrRefMoved, short(cp.At), describe(m))
	}
	cur := p.adv[CheckpointRef]
	if cur == cp.Commit {
		return nil
	}
	base := plumbing.ZeroHash
	if _, err := s.Commit(cur); err == nil {
		base = cur
	}
	// Old is the advertised value, so the server refuses the update if
	// another writer moved the checkpoint meanwhile.
	return p.send(ctx, s, cur, cp.Commit, base)
}

// errInTransit marks a push whose outcome is unknown: the request or its
// answer was lost.
var errInTransit = errors.New("push outcome unknown")

// pushSession is one receive-pack session with its ref advertisement.
type pushSession struct {
	sess  transport.ReceivePackSession
	ar    *packp.AdvRefs
	adv   map[string]plumbing.Hash
	ref   string
	where string
	auth  transport.AuthMethod
}

// openPush opens a push session to the named remote and reads the refs it
// advertises.
func (s *Store) openPush(ctx context.Context, remote, ref string) (*pushSession, error) {
	cl, ep, auth, err := s.remoteClient(remote)
	if err != nil {
		return nil, err
	}
	p := &pushSession{ref: ref, auth: auth, where: fmt.Sprintf("push %s to %s (%s)", ref, remote, redactedEndpoint(ep))}
	sess, err := cl.NewReceivePackSession(ep, auth)
	if err != nil {
		return nil, s.remoteErr(p.where, auth, err)
	}
	p.sess = sess
	if p.ar, p.adv, err = s.advertised(ctx, sess, p.where, auth); err != nil {
		sess.Close()
		return nil, err
	}
	return p, nil
}

// send asks the server to move the session's ref from old to new, with a
// pack of what new needs beyond base and the advertised refs, and
// classifies the answer: a refusal because the ref moved (or was locked)
// is ErrRefMoved, any other refusal ErrRemote, a lost request or answer
// ErrRemote and errInTransit.
func (p *pushSession) send(ctx context.Context, s *Store, old, new, base plumbing.Hash) error {
	pack, err := s.packFor(new, base, p.adv)
	if err != nil {
		return fmt.Errorf("%s: %w", p.where, err)
	}
	var caps *capability.List
	if p.ar != nil {
		caps = p.ar.Capabilities
	} else {
		caps = capability.NewList()
	}
	req := packp.NewReferenceUpdateRequestFromCapabilities(caps)
	req.Commands = []*packp.Command{{Name: plumbing.ReferenceName(p.ref), Old: old, New: new}}
	req.Packfile = io.NopCloser(bytes.NewReader(pack))
	report, err := p.sess.ReceivePack(ctx, req)
	if report == nil {
		if err != nil && isAuthRefusal(err) {
			return s.remoteErr(p.where, p.auth, err)
		} else if err != nil {
			return fmt.Errorf("%s: %w: %w: %s", p.where, ErrRemote, errInTransit, s.redact(err.Error()))
		}
		return nil // a server without report-status accepted the pack
	}
	if report.UnpackStatus != "ok" {
		return fmt.Errorf("%s: %w: the remote could not unpack: %s", p.where, ErrRemote, report.UnpackStatus)
	}
	for _, st := range report.CommandStatuses {
		switch {
		case st.ReferenceName.String() != p.ref || st.Status == "ok":
		case refRace(st.Status):
			return fmt.Errorf("%s: %w: expected %s, the remote refused: %s", p.where, ErrRefMoved, describe(old), st.Status)
		default:
			return fmt.Errorf("%s: %w: the remote refused: %s", p.where, ErrRemote, st.Status)
		}
	}
	return nil
}

// RemoteBranches lists the remote-tracking refs refs/remotes/<remote>/<prefix>*
// (as Fetch writes them), named without "refs/remotes/<remote>/", sorted.
func (s *Store) RemoteBranches(remote, prefix string) ([]Branch, error) {
	out, err := s.refsUnder("refs/remotes/"+remote+"/", prefix)
	if err != nil {
		return nil, fmt.Errorf("remote branches %s/%s: %w", remote, prefix, err)
	}
	return out, nil
}

// refRace reports whether a receive-pack refusal means the ref did not hold
// the expected old value or another push held its lock ("failed to update
// ref", "cannot lock ref", "fetch first", "stale info", "non-fast-forward").
func refRace(status string) bool {
	for _, s := range []string{"failed to update ref", "lock", "fetch first", "stale info", "non-fast-forward"} {
		if strings.Contains(status, s) {
			return true
		}
	}
	return false
}

// advRefs flattens an advertisement (nil for an empty repository).
func advRefs(ar *packp.AdvRefs) (map[string]plumbing.Hash, error) {
	out := map[string]plumbing.Hash{}
	if ar == nil {
		return out, nil
	}
	refs, err := ar.AllReferences()
	if err != nil {
		return nil, err
	}
	for name, r := range refs {
		if r.Type() == plumbing.HashReference {
			out[name.String()] = r.Hash()
		}
	}
	return out, nil
}

// packFor encodes a packfile with what the remote needs to accept new when
// it already has base (zero: nothing) and the advertised refs.
func (s *Store) packFor(new, base plumbing.Hash, adv map[string]plumbing.Hash) ([]byte, error) {
	return s.packForTips([]plumbing.Hash{new}, base, adv)
}

// packForTips is packFor for several new commits at once, in one pack.
func (s *Store) packForTips(tips []plumbing.Hash, base plumbing.Hash, adv map[string]plumbing.Hash) ([]byte, error) {
	bases := make([]plumbing.Hash, len(tips))
	for i := range bases {
		bases[i] = base
	}
	return s.packForEach(tips, bases, adv)
}

// packForEach is packForTips with a base per tip (bases[i] for tips[i]).
func (s *Store) packForEach(tips, bases []plumbing.Hash, adv map[string]plumbing.Hash) ([]byte, error) {
	var commits []*object.Commit
	for i, tip := range tips {
		cs, err := s.BranchCommits(tip, bases[i])
		if err != nil {
			return nil, fmt.Errorf("objects to push: %w", err)
		}
		commits = append(commits, cs...)
	}
	has := make(map[plumbing.Hash]bool, len(adv))
	for _, h := range adv {
		has[h] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[plumbing.Hash]bool{}
	var objs []plumbing.Hash
	var err error
	for _, c := range commits {
		if has[c.Hash] || seen[c.Hash] {
			continue
		}
		seen[c.Hash] = true
		objs = append(objs, c.Hash)
		var parentTree plumbing.Hash
		if len(c.ParentHashes) > 0 {
			if parentTree, err = s.commitTreeHashLocked(c.ParentHashes[0]); err != nil {
				return nil, fmt.Errorf("objects to push: %w", err)
			}
		}
		if objs, err = s.treeDelta(objs, seen, c.TreeHash, parentTree); err != nil {
			return nil, fmt.Errorf("objects to push: %w", err)
		}
	}
	var buf bytes.Buffer
	if _, err := packfile.NewEncoder(&buf, s.repo.Storer, false).Encode(objs, 10); err != nil {
		return nil, fmt.Errorf("encode pack: %w", err)
	}
	return buf.Bytes(), nil
}

// treeDelta appends the objects of tree that the tree old (zero: none)
// does not hold at the same path.
func (s *Store) treeDelta(out []plumbing.Hash, seen map[plumbing.Hash]bool, tree, old plumbing.Hash) ([]plumbing.Hash, error) {
	if tree == old || seen[tree] {
		return out, nil
	}
	seen[tree] = true
	out = append(out, tree)
	t, err := s.treeLocked(tree)
	if err != nil {
		return nil, err
	}
	before := emptyTree
	if !old.IsZero() {
		if before, err = s.treeLocked(old); err != nil {
			return nil, err
		}
	}
	// Entries the old tree holds byte for byte are skipped by Diff; an
	// entry of the same name and kind (ai >= 0) may share its object.
	err = gitobj.Diff(before, t, func(ai, bi int) error {
		if bi < 0 {
			return nil // only in the old tree
		}
		h := t.Hash(bi)
		switch {
		case entryMode(t, bi) == filemode.Submodule:
		case isDir(t, bi):
			var oldSub plumbing.Hash
			if ai >= 0 {
				oldSub = before.Hash(ai)
			}
			var err error
			out, err = s.treeDelta(out, seen, h, oldSub)
			return err
		case !(ai >= 0 && before.Hash(ai) == h) && !seen[h]:
			seen[h] = true
			out = append(out, h)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
