package gitstore

import (
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Tracked is a remote-tracking branch: refs/remotes/<Remote>/<Branch>.
type Tracked struct {
	Ref    string
	Remote string
	Branch string
	Hash   plumbing.Hash
}

// TrackedBranches lists the remote-tracking branches whose branch name
// (after refs/remotes/<remote>/) starts with prefix, sorted by ref. A
// remote's name is taken to be the first path segment, as git's default
// refspec writes it.
func (s *Store) TrackedBranches(prefix string) ([]Tracked, error) {
	refs, err := s.refsUnder("refs/remotes/", "")
	if err != nil {
		return nil, fmt.Errorf("remote-tracking branches %q: %w", prefix, err)
	}
	var out []Tracked
	for _, r := range refs {
		remote, branch, ok := strings.Cut(r.Name, "/")
		if !ok || !strings.HasPrefix(branch, prefix) {
			continue
		}
		out = append(out, Tracked{Ref: "refs/remotes/" + r.Name, Remote: remote, Branch: branch, Hash: r.Hash})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out, nil
}

// TrackedBranch returns the remote-tracking branch of branch, as git
// switch guesses it for a branch that does not exist locally: the one
// remote that has it, or origin's when several do. It is ErrNoRef when no
// remote has it, and an error naming the remotes when several do and none
// is origin.
func (s *Store) TrackedBranch(branch string) (Tracked, error) {
	all, err := s.TrackedBranches(branch)
	if err != nil {
		return Tracked{}, err
	}
	var found []Tracked
	for _, t := range all {
		if t.Branch == branch {
			found = append(found, t)
		}
	}
	switch {
	case len(found) == 0:
		return Tracked{}, fmt.Errorf("no remote-tracking branch %s: %w", branch, ErrNoRef)
	case len(found) == 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, t := range found {
		if t.Remote == "origin" {
			return t, nil
		}
		names[i] = t.Remote
	}
	return Tracked{}, fmt.Errorf("branch %s is on several remotes (%s): create the local branch from the one you mean (git branch %s REMOTE/%s)",
		branch, strings.Join(names, ", "), branch, branch)
}
