package bench

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
)

// signed is one signature replay verifies, extracted beforehand: the
// payload (the commit without its gpgsig header), the armoured signature
// and the committer time it claims.
type signed struct {
	payload []byte
	sig     string
	at      time.Time
}

// extractSignatures collects every signature replay verifies: each entry,
// its proposal commit and its decision commits. It reads through go-git
// and is not timed.
func extractSignatures(repo *Repo) ([]signed, error) {
	s, err := gitstore.Open(repo.Dir)
	if err != nil {
		return nil, err
	}
	head, err := s.Ref(gitstore.MainRef)
	if err != nil {
		return nil, err
	}
	var out []signed
	add := func(c *object.Commit) error {
		o := &plumbing.MemoryObject{}
		if err := c.EncodeWithoutSignature(o); err != nil {
			return err
		}
		r, _ := o.Reader()
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return err
		}
		out = append(out, signed{payload: b, sig: c.PGPSignature, at: c.Committer.When})
		return nil
	}
	err = s.WalkFirstParent(head, plumbing.ZeroHash, func(c *object.Commit) error {
		if err := add(c); err != nil {
			return err
		}
		rec, err := wal.Decode(c.Message)
		if err != nil {
			return err
		}
		refs := []string{rec.Entry.Subject.Commit}
		for _, d := range rec.Entry.Decisions {
			refs = append(refs, d.Ref)
		}
		for _, ref := range refs {
			if ref == "" {
				continue
			}
			sc, err := s.Commit(plumbing.NewHash(ref))
			if err != nil {
				return err
			}
			if err := add(sc); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// verifyAll verifies sigs on all cores with writ's verifier.
func verifyAll(sigs []signed, ring *signing.KeyRing) error {
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(sigs) || failed.Load() != nil {
					return
				}
				if _, err := signing.VerifyPayloadAt(sigs[i].payload, sigs[i].sig, ring, sigs[i].at); err != nil {
					err = fmt.Errorf("signature %d: %w", i, err)
					failed.Store(&err)
				}
			}
		}()
	}
	wg.Wait()
	if p := failed.Load(); p != nil {
		return *p
	}
	return nil
}

// signaturesAlone extracts every signature replay verifies (main's
// commits, their proposal commits and decision commits) with its payload,
// and the key ring of the rules at the head: verifying alone, beforehand.
func signaturesAlone(repo *Repo) ([]signed, *signing.KeyRing, error) {
	sigs, err := extractSignatures(repo)
	if err != nil {
		return nil, nil, fmt.Errorf("extract signatures: %w", err)
	}
	s, err := gitstore.Open(repo.Dir)
	if err != nil {
		return nil, nil, err
	}
	rules, err := intake.LoadRules(s, plumbing.NewHash(repo.Head))
	if err != nil {
		return nil, nil, err
	}
	ring, err := intake.RingOf(rules)
	if err != nil {
		return nil, nil, err
	}
	return sigs, ring, nil
}
