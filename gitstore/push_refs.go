package gitstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
)

// RefUpdate is one compare-and-swap of a remote ref: from Old (zero: the
// ref must not exist) to New (zero: delete it).
type RefUpdate struct {
	Name     string
	Old, New plumbing.Hash
}

// PushRefs applies updates to the named remote in one push, each a
// compare-and-swap the server checks under its own ref lock (git's
// receive-pack verifies the old value it is sent). It never forces: an
// update whose New does not descend from a non-zero Old is refused before
// anything is sent (ErrNonFastForward). An update the remote already
// shows done (the ref holds New; for a delete, the ref is gone) is left
// out; if the remote shows any other ref at a value other than its Old,
// nothing is sent and the error wraps ErrRefMoved, naming each such ref:
// fetch, re-read and re-evaluate.
//
// When the remote advertises git's atomic capability (git since 2.4,
// GitHub), the updates are all-or-nothing. Without it they still go in one
// request, but the server applies each on its own; the error then names
// those it refused. Deleting needs the remote's delete-refs capability.
// Only the objects the new values need beyond what the remote advertises
// are sent: for each update, the commits reachable from New and not from
// its Old (or, for a new ref, the remote's main). Network, server and
// protocol failures wrap ErrRemote; a lost answer is not retried: run
// PushRefs again, which then finds the done updates done.
func (s *Store) PushRefs(ctx context.Context, remote string, updates []RefUpdate) (err error) {
	defer func() { err = s.scrub(err) }()
	if len(updates) == 0 {
		return nil
	}
	sorted := append([]RefUpdate(nil), updates...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for i, u := range sorted {
		if err := validateRefName(u.Name); err != nil {
			return err
		}
		if i > 0 && sorted[i-1].Name == u.Name {
			return fmt.Errorf("push to %s: %s updated twice in one push", remote, u.Name)
		}
		if !u.New.IsZero() {
			if err := s.checkFastForward(remote, u.Name, u.Old, u.New); err != nil {
				return err
			}
		}
	}
	p, err := s.openPush(ctx, remote, sorted[0].Name)
	if err != nil {
		return err
	}
	defer p.sess.Close()
	p.where = "push " + namesOf(sorted) + strings.TrimPrefix(p.where, "push "+sorted[0].Name)
	var cmds []*packp.Command
	var tips, bases []plumbing.Hash
	var moved []string
	deletes := false
	for _, u := range sorted {
		switch cur := p.adv[u.Name]; {
		case cur == u.New:
			continue // done already
		case cur != u.Old:
			moved = append(moved, fmt.Sprintf("%s (expected %s, found %s)", u.Name, describe(u.Old), describe(cur)))
			continue
		}
		cmds = append(cmds, &packp.Command{Name: plumbing.ReferenceName(u.Name), Old: u.Old, New: u.New})
		if u.New.IsZero() {
			deletes = true
			continue
		}
		tips = append(tips, u.New)
		bases = append(bases, s.pushBase(u.Old, p.adv[MainRef]))
	}
	if len(moved) > 0 {
		return fmt.Errorf("%s: %w: %s; nothing was pushed", p.where, ErrRefMoved, strings.Join(moved, ", "))
	}
	if len(cmds) == 0 {
		return nil
	}
	caps := capability.NewList()
	if p.ar != nil {
		caps = p.ar.Capabilities
	}
	if deletes && !caps.Supports(capability.DeleteRefs) {
		return fmt.Errorf("%s: %w: the remote does not allow deleting refs (no delete-refs capability)", p.where, ErrRemote)
	}
	req := packp.NewReferenceUpdateRequestFromCapabilities(caps)
	if len(cmds) > 1 && caps.Supports(capability.Atomic) {
		if err := req.Capabilities.Set(capability.Atomic); err != nil {
			return fmt.Errorf("%s: %w", p.where, err)
		}
	}
	if caps.Supports(capability.DeleteRefs) && deletes {
		if err := req.Capabilities.Set(capability.DeleteRefs); err != nil {
			return fmt.Errorf("%s: %w", p.where, err)
		}
	}
	req.Commands = cmds
	if len(tips) > 0 {
		// A push of deletes only carries no pack, as git sends it.
		pack, err := s.packForEach(tips, bases, p.adv)
		if err != nil {
			return fmt.Errorf("%s: %w", p.where, err)
		}
		req.Packfile = io.NopCloser(bytes.NewReader(pack))
	}
	report, err := p.sess.ReceivePack(ctx, req)
	if report == nil {
		if err != nil && isAuthRefusal(err) {
			return s.remoteErr(p.where, p.auth, err)
		} else if err != nil {
			return fmt.Errorf("%s: %w: %w: %s", p.where, ErrRemote, errInTransit, s.redact(err.Error()))
		}
		return nil // a server without report-status accepted it
	}
	if report.UnpackStatus != "ok" && len(tips) > 0 {
		return fmt.Errorf("%s: %w: the remote could not unpack: %s", p.where, ErrRemote, report.UnpackStatus)
	}
	var races, refused []string
	for _, st := range report.CommandStatuses {
		switch {
		case st.Status == "ok":
		case refRace(st.Status):
			races = append(races, st.ReferenceName.String()+": "+st.Status)
		default:
			refused = append(refused, st.ReferenceName.String()+": "+st.Status)
		}
	}
	switch {
	case len(races) > 0:
		return fmt.Errorf("%s: %w: the remote refused: %s", p.where, ErrRefMoved, strings.Join(append(races, refused...), "; "))
	case len(refused) > 0:
		return fmt.Errorf("%s: %w: the remote refused: %s", p.where, ErrRemote, strings.Join(refused, "; "))
	}
	return nil
}

// pushBase is where the objects of a pushed commit start: old when it is
// set and here, else the remote's main when it is here, else nothing.
func (s *Store) pushBase(old, remoteMain plumbing.Hash) plumbing.Hash {
	for _, h := range []plumbing.Hash{old, remoteMain} {
		if h.IsZero() {
			continue
		}
		if _, err := s.Commit(h); err == nil {
			return h
		}
	}
	return plumbing.ZeroHash
}

// namesOf lists the updates' ref names for messages.
func namesOf(updates []RefUpdate) string {
	names := make([]string, len(updates))
	for i, u := range updates {
		names[i] = u.Name
	}
	return strings.Join(names, ", ")
}
