package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
)

// Ref is the git ref that holds the outbox: a chain of unsigned commits,
// separate from main and never part of it, whose tree holds every record
// in buckets/<first two hex digits of the key>.json (a JSON array sorted
// by key). A bucket holds about 1/256 of the records, so recording or
// marking a few effects rewrites a few small files, and listing reads 256
// blobs at most.
const Ref = "refs/writ/outbox"

// bucketDir is the tree directory of the buckets.
const bucketDir = "buckets"

// Book is the outbox as read from Ref at one commit, with the changes not
// yet saved. It is not safe for concurrent use.
type Book struct {
	store   *gitstore.Store
	head    plumbing.Hash
	records map[string]*Record
	dirty   map[string]bool // bucket names changed since head
	nextSeq uint64
	// merged are other outbox commits merged in, parents of the next save.
	merged []plumbing.Hash
}

// Load reads the outbox at Ref (an empty book when the ref does not
// exist).
func Load(s *gitstore.Store) (*Book, error) {
	b := &Book{store: s, records: map[string]*Record{}, dirty: map[string]bool{}, nextSeq: 1}
	h, err := s.Ref(Ref)
	if errors.Is(err, gitstore.ErrNoRef) {
		return b, nil
	} else if err != nil {
		return nil, fmt.Errorf("outbox: read %s: %w", Ref, err)
	}
	b.head = h
	if err := b.read(h, func(r *Record) { b.put(r, false) }); err != nil {
		return nil, err
	}
	return b, nil
}

// read decodes every record of the outbox commit h.
func (b *Book) read(h plumbing.Hash, fn func(*Record)) error {
	files, err := b.store.ListFiles(h, bucketDir)
	if err != nil && !errors.Is(err, gitstore.ErrNotFound) {
		return fmt.Errorf("outbox: list %s at %s: %w", bucketDir, h, err)
	}
	for _, f := range files {
		data, err := b.store.ReadFile(h, f)
		if err != nil {
			return fmt.Errorf("outbox: read %s at %s: %w", f, h, err)
		}
		var rs []*Record
		if err := json.Unmarshal(data, &rs); err != nil {
			return fmt.Errorf("outbox: %s at %s: %w (delete the ref %s to start an empty outbox)", f, h, err, Ref)
		}
		for _, r := range rs {
			fn(r)
		}
	}
	return nil
}

func bucketOf(key string) string {
	if len(key) < 2 {
		return "00"
	}
	return strings.ToLower(key[:2])
}

// put stores r, merged with a record of the same key already held.
func (b *Book) put(r *Record, dirty bool) {
	if old, ok := b.records[r.Key]; ok {
		r = merge(old, r)
	}
	b.records[r.Key] = r
	if r.Seq >= b.nextSeq {
		b.nextSeq = r.Seq + 1
	}
	if dirty {
		b.dirty[bucketOf(r.Key)] = true
	}
}

// Head is the outbox commit the book was read from (zero: none yet).
func (b *Book) Head() plumbing.Hash { return b.head }

// Len is the number of records held.
func (b *Book) Len() int { return len(b.records) }

// Get returns the record of key.
func (b *Book) Get(key string) (*Record, bool) {
	r, ok := b.records[key]
	return r, ok
}

// Add records the effects whose key the book does not hold yet, pending
// and due at once, in order, and returns those it added. An effect already
// recorded (pending or done) is left as it is: that is what makes
// deriving the same effect on every run harmless.
func (b *Book) Add(effects []Effect, now time.Time) []*Record {
	var added []*Record
	for _, e := range effects {
		if _, ok := b.records[e.Key]; ok {
			continue
		}
		r := &Record{Effect: e, State: StatePending, Seq: b.nextSeq, Recorded: now.UTC(), NextAttempt: now.UTC()}
		b.put(r, true)
		added = append(added, r)
	}
	return added
}

// Update marks r's bucket changed; call it after changing a record.
func (b *Book) Update(r *Record) { b.dirty[bucketOf(r.Key)] = true }

// Records returns every record in Seq order.
func (b *Book) Records() []*Record {
	out := make([]*Record, 0, len(b.records))
	for _, r := range b.records {
		out = append(out, r)
	}
	sortRecords(out)
	return out
}

// Pending returns the pending records in Seq order.
func (b *Book) Pending() []*Record {
	var out []*Record
	for _, r := range b.records {
		if r.State == StatePending {
			out = append(out, r)
		}
	}
	sortRecords(out)
	return out
}

// Thread returns the receipts of the done records of thread for target,
// oldest first: what Notifier.Deliver is given.
func (b *Book) Thread(thread, target string) []Receipt {
	var rs []*Record
	for _, r := range b.records {
		if r.State == StateDone && r.Thread == thread && r.Target == target && r.Receipt != nil {
			rs = append(rs, r)
		}
	}
	sortRecords(rs)
	out := make([]Receipt, len(rs))
	for i, r := range rs {
		out[i] = *r.Receipt
	}
	return out
}

// Merge takes in the records of another outbox commit (a remote's): a key
// only there is added, a key in both keeps merge's choice. The commit
// becomes a parent of the next save, so the result descends from it.
func (b *Book) Merge(other plumbing.Hash) error {
	if other.IsZero() || other == b.head {
		return nil
	}
	if ok, err := b.store.IsAncestor(other, b.head); err == nil && ok {
		return nil
	}
	err := b.read(other, func(r *Record) {
		if old, ok := b.records[r.Key]; ok && merge(old, r) == old {
			return
		}
		b.put(r, true)
	})
	if err != nil {
		return err
	}
	b.merged = append(b.merged, other)
	return nil
}

// Save writes the changed buckets as a new outbox commit on top of Head
// (and any commit merged in) and moves Ref to it by compare-and-swap. When
// another writer moved Ref meanwhile, Save reads that commit, merges it
// and tries again (a few times); so two writers never lose each other's
// records. Nothing changed: nothing is written.
func (b *Book) Save(now time.Time, message string) error {
	for try := 0; ; try++ {
		if len(b.dirty) == 0 && len(b.merged) == 0 {
			return nil
		}
		h, err := b.write(now, message)
		if err != nil {
			return err
		}
		err = b.store.CompareAndSwap(Ref, b.head, h)
		if err == nil {
			b.head, b.dirty, b.merged = h, map[string]bool{}, nil
			return nil
		}
		if !errors.Is(err, gitstore.ErrRefMoved) || try >= 4 {
			return fmt.Errorf("outbox: move %s: %w", Ref, err)
		}
		cur, rerr := b.store.Ref(Ref)
		if rerr != nil {
			return fmt.Errorf("outbox: move %s: %w (and re-reading it: %w)", Ref, err, rerr)
		}
		// Someone else's commit becomes our base; our changed records
		// are merged over theirs.
		mine := b.records
		dirty := b.dirty
		b.records, b.dirty, b.head = map[string]*Record{}, map[string]bool{}, cur
		if err := b.read(cur, func(r *Record) { b.put(r, false) }); err != nil {
			return err
		}
		for bucket := range dirty {
			for _, r := range mine {
				if bucketOf(r.Key) == bucket {
					b.put(r, true)
				}
			}
		}
	}
}

// write builds the next outbox commit.
func (b *Book) write(now time.Time, message string) (plumbing.Hash, error) {
	byBucket := map[string][]*Record{}
	for _, r := range b.records {
		if bk := bucketOf(r.Key); b.dirty[bk] {
			byBucket[bk] = append(byBucket[bk], r)
		}
	}
	files := map[string][]byte{}
	var deleted []string
	buckets := make([]string, 0, len(b.dirty))
	for bk := range b.dirty {
		buckets = append(buckets, bk)
	}
	sort.Strings(buckets)
	for _, bk := range buckets {
		p := path.Join(bucketDir, bk+".json")
		rs := byBucket[bk]
		if len(rs) == 0 {
			if !b.head.IsZero() {
				if _, err := b.store.ReadFile(b.head, p); err == nil {
					deleted = append(deleted, p)
				}
			}
			continue
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].Key < rs[j].Key })
		data, err := json.Marshal(rs)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("outbox: encode %s: %w", p, err)
		}
		files[p] = append(data, '\n')
	}
	sig := object.Signature{Name: "writ outbox", Email: "outbox@writ.invalid", When: now.UTC().Truncate(time.Second)}
	req := gitstore.CommitRequest{Files: files, Delete: deleted, Message: message + "\n", Author: sig, Committer: sig}
	if !b.head.IsZero() {
		req.Parents = []plumbing.Hash{b.head}
	}
	req.Parents = append(req.Parents, b.merged...)
	if len(req.Files) == 0 && len(req.Delete) == 0 && len(b.merged) == 0 {
		return b.head, nil
	}
	return b.store.WriteCommit(req)
}
