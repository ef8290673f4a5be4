package gitstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
)

// PushCASWith is PushCAS that also creates the refs in also (name → commit)
// in the same push: refs that record what an entry of new refers to but
// that new does not reach (the commits of a rejected proposal, kept as
// evidence). Each such ref is created, or left as it is when the remote
// already holds it at that commit; a remote that holds it at another
// commit is refused before anything is sent, since such a ref is never
// moved. When the remote advertises git's atomic capability (git since
// 2.4, GitHub) the updates are all-or-nothing; without it they are sent in
// one request, and a refused evidence ref after main moved is returned in
// the error's text but not as a failure of main (ErrEvidence).
//
// With also empty it is PushCAS.
func (s *Store) PushCASWith(ctx context.Context, remote, ref string, old, new plumbing.Hash, also map[string]plumbing.Hash) (err error) {
	if len(also) == 0 {
		return s.PushCAS(ctx, remote, ref, old, new)
	}
	defer func() { err = s.scrub(err) }()
	names := make([]string, 0, len(also))
	for name, h := range also {
		if err := validateRefName(name); err != nil {
			return err
		}
		if name == ref || h.IsZero() {
			return fmt.Errorf("push %s to %s: evidence ref %s must be another ref and a commit", ref, remote, name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	if err := s.checkFastForward(remote, ref, old, new); err != nil {
		return err
	}
	p, err := s.openPush(ctx, remote, ref)
	if err != nil {
		return err
	}
	defer p.sess.Close()
	switch cur := p.adv[ref]; {
	case cur == new:
		return nil
	case cur != old:
		return fmt.Errorf("%s: %w: expected %s, found %s", p.where, ErrRefMoved, describe(old), describe(cur))
	}
	cmds := []*packp.Command{{Name: plumbing.ReferenceName(ref), Old: old, New: new}}
	tips := []plumbing.Hash{new}
	for _, name := range names {
		switch cur := p.adv[name]; {
		case cur == also[name]:
		case !cur.IsZero():
			return fmt.Errorf("%s: %w: %s is %s on the remote, not %s; it is never moved (delete it on the remote if it is stray)",
				p.where, ErrRemote, name, short(cur), short(also[name]))
		default:
			cmds = append(cmds, &packp.Command{Name: plumbing.ReferenceName(name), Old: plumbing.ZeroHash, New: also[name]})
			tips = append(tips, also[name])
		}
	}
	err = p.sendAll(ctx, s, cmds, tips, old)
	if err == nil || !errors.Is(err, errInTransit) {
		return err
	}
	// Lost in transit: ask again what main holds (as PushCAS does).
	now, lerr := s.RemoteRefs(ctx, remote)
	if lerr != nil {
		return fmt.Errorf("%w (and listing the remote failed: %v)", err, lerr)
	}
	switch cur := now[ref]; {
	case cur == new:
		for _, name := range names {
			if now[name] != also[name] {
				return fmt.Errorf("%s: %w: %s not on the remote after a push whose answer was lost", p.where, ErrEvidence, name)
			}
		}
		return nil
	case cur != old:
		return fmt.Errorf("%s: %w: expected %s, found %s", p.where, ErrRefMoved, describe(old), describe(cur))
	}
	return err
}

// ErrEvidence means a push moved main but the remote refused a ref pushed
// with it (PushCASWith without the atomic capability): main is published;
// the evidence ref is not.
var ErrEvidence = errors.New("evidence ref not pushed")

// sendAll is send for several commands in one request, atomic when the
// remote allows it. The first command is main's: its refusal is the error;
// another's refusal after main moved wraps ErrEvidence.
func (p *pushSession) sendAll(ctx context.Context, s *Store, cmds []*packp.Command, tips []plumbing.Hash, base plumbing.Hash) error {
	pack, err := s.packForTips(tips, base, p.adv)
	if err != nil {
		return fmt.Errorf("%s: %w", p.where, err)
	}
	caps := capability.NewList()
	if p.ar != nil {
		caps = p.ar.Capabilities
	}
	req := packp.NewReferenceUpdateRequestFromCapabilities(caps)
	if caps.Supports(capability.Atomic) {
		if err := req.Capabilities.Set(capability.Atomic); err != nil {
			return fmt.Errorf("%s: %w", p.where, err)
		}
	}
	req.Commands = cmds
	req.Packfile = io.NopCloser(bytes.NewReader(pack))
	report, err := p.sess.ReceivePack(ctx, req)
	if report == nil {
		if err != nil && isAuthRefusal(err) {
			return s.remoteErr(p.where, p.auth, err)
		} else if err != nil {
			return fmt.Errorf("%s: %w: %w: %s", p.where, ErrRemote, errInTransit, s.redact(err.Error()))
		}
		return nil
	}
	if report.UnpackStatus != "ok" {
		return fmt.Errorf("%s: %w: the remote could not unpack: %s", p.where, ErrRemote, report.UnpackStatus)
	}
	var evidence []string
	for _, st := range report.CommandStatuses {
		switch {
		case st.Status == "ok":
		case st.ReferenceName.String() != p.ref:
			evidence = append(evidence, st.ReferenceName.String()+": "+st.Status)
		case refRace(st.Status):
			return fmt.Errorf("%s: %w: expected %s, the remote refused: %s", p.where, ErrRefMoved, describe(cmds[0].Old), st.Status)
		default:
			return fmt.Errorf("%s: %w: the remote refused: %s", p.where, ErrRemote, st.Status)
		}
	}
	if len(evidence) > 0 {
		return fmt.Errorf("%s: %w: %v", p.where, ErrEvidence, evidence)
	}
	return nil
}
