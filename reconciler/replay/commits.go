package replay

import (
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
)

// commitMemo holds the commits one entry's checks have read: the
// proposal's head, its subject and its decisions are read by several
// checks (the head's descent, the subject's signature, each decision and
// its parent), and usually are the same two or three commits.
type commitMemo struct {
	views []*gitstore.CommitView
}

// maxMemo bounds the commits one entry remembers; a longer proposal
// branch reads the rest again.
const maxMemo = 8

// commit reads commit h through m (nil: no memo). A CommitView is never
// modified once read, so the entry's checks can share it.
func (r *replayer) commit(m *commitMemo, h plumbing.Hash) (*gitstore.CommitView, error) {
	if m != nil {
		for _, c := range m.views {
			if c.Hash == h {
				return c, nil
			}
		}
	}
	c, err := r.read.Commit(h)
	if err == nil && m != nil && len(m.views) < maxMemo {
		m.views = append(m.views, c)
	}
	return c, err
}
