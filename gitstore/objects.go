package gitstore

import (
	"bytes"
	"errors"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// objectCacheBytes bounds the cache of reconstructed delta bases of a
// Store's object reader (git stores most commits and trees as deltas).
const objectCacheBytes = 8 << 20

// objectStorage is go-git's file system storage with object reads served
// by gitobj: go-git decodes a pack's whole index into maps the first time
// it reads a packed object, which at 100,000 WAL entries costs more than
// the rest of a one-entry reconcile. Reads gitobj cannot serve (an object
// it cannot parse, an I/O error) go to go-git, so every error a read gives
// is go-git's own; a missing object is plumbing.ErrObjectNotFound either
// way; with no gitobj reader (raw nil) go-git reads everything. Refs go
// through refStorage's methods (refstore.go); object writes,
// configuration and packfile writing are go-git's.
type objectStorage struct {
	*filesystem.Storage
	raw *gitobj.Store // nil: go-git reads every object
	s   *Store        // for ref locks and durability
}

var _ storage.Storer = (*objectStorage)(nil)

// EncodedObject implements storer.EncodedObjectStorer. A commit, tag or
// tree is read only within its limit (MaxCommitSize, MaxTreeSize), checked
// from its header: one over it is a *TooLargeError, never read by go-git
// either.
func (o *objectStorage) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if o.raw == nil {
		return o.Storage.EncodedObject(t, h)
	}
	var typ plumbing.ObjectType
	var b []byte
	var err error
	if limit := limitFor(t); limit > 0 {
		typ = t
		b, err = o.raw.ReadLimited(h, t, limit)
		if tl := tooLarge(err, t.String()); tl != nil {
			return nil, tl
		}
	} else {
		typ, b, err = o.raw.Read(h)
	}
	switch {
	case errors.Is(err, gitobj.ErrWrongType):
		return nil, plumbing.ErrObjectNotFound // as go-git answers
	case err == nil:
		if t != plumbing.AnyObject && typ != t {
			return nil, plumbing.ErrObjectNotFound // as go-git answers
		}
		return &rawObject{hash: h, typ: typ, data: b}, nil
	case errors.Is(err, gitobj.ErrNotFound):
		return nil, plumbing.ErrObjectNotFound
	}
	return o.Storage.EncodedObject(t, h)
}

// HasEncodedObject implements storer.EncodedObjectStorer.
func (o *objectStorage) HasEncodedObject(h plumbing.Hash) error {
	if o.raw == nil {
		return o.Storage.HasEncodedObject(h)
	}
	ok, err := o.raw.Has(h)
	switch {
	case err != nil:
		return o.Storage.HasEncodedObject(h)
	case !ok:
		return plumbing.ErrObjectNotFound
	}
	return nil
}

// EncodedObjectSize implements storer.EncodedObjectStorer.
func (o *objectStorage) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	if o.raw == nil {
		return o.Storage.EncodedObjectSize(h)
	}
	_, b, err := o.raw.Read(h)
	switch {
	case err == nil:
		return int64(len(b)), nil
	case errors.Is(err, gitobj.ErrNotFound):
		return 0, plumbing.ErrObjectNotFound
	}
	return o.Storage.EncodedObjectSize(h)
}

// rawObject is an object read by gitobj. Its content is shared with
// gitobj's cache, so it is read-only: Writer fails, and SetType and
// SetSize do nothing. Unlike a plumbing.MemoryObject it knows its hash
// without hashing its content again.
type rawObject struct {
	hash plumbing.Hash
	typ  plumbing.ObjectType
	data []byte
}

var _ plumbing.EncodedObject = (*rawObject)(nil)

var errReadOnly = errors.New("object read from the repository is read-only")

// Hash implements plumbing.EncodedObject.
func (r *rawObject) Hash() plumbing.Hash { return r.hash }

// Type implements plumbing.EncodedObject.
func (r *rawObject) Type() plumbing.ObjectType { return r.typ }

// SetType implements plumbing.EncodedObject; the type is fixed.
func (r *rawObject) SetType(plumbing.ObjectType) {}

// Size implements plumbing.EncodedObject.
func (r *rawObject) Size() int64 { return int64(len(r.data)) }

// SetSize implements plumbing.EncodedObject; the size is fixed.
func (r *rawObject) SetSize(int64) {}

// Writer implements plumbing.EncodedObject; it always fails.
func (r *rawObject) Writer() (io.WriteCloser, error) { return nil, errReadOnly }

// Reader implements plumbing.EncodedObject.
func (r *rawObject) Reader() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(r.data)), nil
}
