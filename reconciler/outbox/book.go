package outbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
)

// Ref is the git ref that holds the outbox: a chain of commits, signed by
// the reconciler when the book has a Trust, separate from main and never
// part of it. A commit's tree holds, at its root and nothing else
// (layout.go),
//
//	state<-bucket>.tsv     one line per record: its delivery state (line.go)
//	effects<-bucket>.json  a JSON array of the effects, sorted by key
//
// The state is what changes (attempts, errors, done) and what `writ
// outbox` lists, so it is plain text; an effect is written once, when
// recorded, and read only to deliver it. Each save makes every object it
// writes durable (fsync) before it moves the ref, the outbox's main cost
// in a reconcile, so files are few: one of each (no bucket) up to
// PerFile records, else one per first hex digit of the key (state-a.tsv)
// up to 16 x PerFile, else one per first two; a save that crosses a size
// rewrites the layout. Compaction keeps the outbox small.
const Ref = "refs/writ/outbox"

// PerFile bounds the records per file before the outbox splits into more
// files: about 1,000 effects fit well under gitstore's 1 MiB read limit.
const PerFile = 1000

// widthFor is how many hex digits of the key name a file for n records.
func widthFor(n int) int {
	switch {
	case n <= PerFile:
		return 0
	case n <= 16*PerFile:
		return 1
	}
	return 2
}

// bucketName is the part of key that names its files at width w.
func bucketName(key string, w int) string {
	if len(key) < w {
		return strings.Repeat("0", w)
	}
	return strings.ToLower(key[:w])
}

// statePath and effectPath name a bucket's two files.
func statePath(name string) string {
	if name == "" {
		return "state.tsv"
	}
	return "state-" + name + ".tsv"
}

func effectPath(name string) string {
	if name == "" {
		return "effects.json"
	}
	return "effects-" + name + ".json"
}

// Book is the outbox as read from Ref at one commit, with the changes not
// yet saved. Effects are read lazily (Effect). It is not safe for
// concurrent use.
type Book struct {
	store   *gitstore.Store
	head    plumbing.Hash
	records map[string]*Record
	// full holds the effects read or recorded, by key.
	full map[string]bool
	// raw holds effects as JSON, by key: cut from an effects file, or
	// encoded once (effects.go).
	raw map[string]json.RawMessage
	// cut are the effects files (commit and path) already cut into raw.
	cut map[string]bool
	// dirty are the state files, dirtyFx the effect files changed since
	// head.
	dirty, dirtyFx map[string]bool
	nextSeq        uint64
	// merged are other outbox commits merged in, parents of the next
	// save; their effect files are read for the records they brought.
	merged []plumbing.Hash
	// layouts caches each commit's files (layoutAt).
	layouts map[plumbing.Hash]*layout
	// trust, when set, signs what the book saves and checks what it
	// reads (Trust).
	trust *Trust
	// refused: head was not admitted (admit), so nothing of it is read
	// and the next save writes a whole tree; refusedParents are other
	// commits not admitted (a remote's), parents of the next save only so
	// that it descends from them (a push never forces).
	refused        bool
	refusedParents []plumbing.Hash
	// notes are what reading refused (Notes).
	notes []string
}

// Load reads the outbox at Ref (an empty book when the ref does not
// exist), admitting any commit of the outbox's layout: LoadTrusted with
// no Trust.
func Load(s *gitstore.Store) (*Book, error) { return LoadTrusted(s, nil) }

// LoadTrusted reads the outbox at Ref (an empty book when the ref does not
// exist) and signs and checks with t (nil: nothing signed nor checked).
// A head that is not admitted (not the outbox's layout, or not signed as t
// requires) is not an error: the book starts empty, says why in Notes,
// and its next save replaces the ref. A state line that does not parse is
// skipped, with a note; the other records load.
func LoadTrusted(s *gitstore.Store, t *Trust) (*Book, error) {
	b := &Book{store: s, records: map[string]*Record{}, full: map[string]bool{}, dirty: map[string]bool{}, dirtyFx: map[string]bool{},
		nextSeq: 1, layouts: map[plumbing.Hash]*layout{}, trust: t, raw: map[string]json.RawMessage{}, cut: map[string]bool{}}
	h, err := s.Ref(Ref)
	if errors.Is(err, gitstore.ErrNoRef) {
		return b, nil
	} else if err != nil {
		return nil, fmt.Errorf("outbox: read %s: %w", Ref, err)
	}
	b.head = h
	if err := b.admit(h); err != nil {
		b.refuse(h, err)
		b.refusedParents, b.refused = nil, true
		return b, nil
	}
	if err := b.read(h, func(r *Record) { b.put(r, false) }); err != nil {
		return nil, err
	}
	return b, nil
}

// read decodes the state of every record of the outbox commit h, which
// admit accepted. A line that does not parse is noted and skipped, and
// its file marked to be rewritten (without it) by the next save.
func (b *Book) read(h plumbing.Hash, fn func(*Record)) error {
	l, err := b.layoutAt(h)
	if err != nil {
		return err
	}
	for _, f := range l.files {
		name, isState := bucketOfPath(f)
		if !isState {
			continue
		}
		data, err := b.store.ReadFile(h, f)
		if err != nil {
			return fmt.Errorf("outbox: read %s at %s: %w (delete the ref %s to start an empty outbox)", f, h, err, Ref)
		}
		if len(b.records) == 0 && len(l.files) <= 2 {
			// One state file: size the book for its lines at once.
			b.records = make(map[string]*Record, bytes.Count(data, []byte{'\n'}))
		}
		parseLines(data, f, fn, func(_ int, err error) {
			b.notes = append(b.notes, fmt.Sprintf("outbox: %s at %s: %v: record skipped, and dropped at the next save "+
				"(a reconcile derives again what it still owes)", Ref, h, err))
			b.dirty[name+strings.Repeat("0", 2-len(name))] = true
		})
	}
	return nil
}

// stateOf and effectsOf name the fine bucket of a key's state and
// effect (its first two hex digits): what changed is tracked per fine
// bucket, and a file is written when one of its fine buckets changed.
func stateOf(key string) string { return bucketName(key, 2) }

func effectsOf(key string) string { return bucketName(key, 2) }

// put stores r, merged with a record of the same key already held.
func (b *Book) put(r *Record, dirty bool) {
	if old, ok := b.records[r.Key]; ok {
		r = merge(old, r)
		if r != old && b.full[r.Key] {
			r.Effect = old.Effect // the full effect, read or recorded
		}
	}
	b.records[r.Key] = r
	if r.Seq >= b.nextSeq {
		b.nextSeq = r.Seq + 1
	}
	if dirty {
		b.dirty[stateOf(r.Key)] = true
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
		b.full[e.Key] = true
		b.dirtyFx[effectsOf(e.Key)] = true
		added = append(added, r)
	}
	return added
}

// Update marks r's state changed; call it after changing a record.
func (b *Book) Update(r *Record) { b.dirty[stateOf(r.Key)] = true }

// remove drops r (compaction).
func (b *Book) remove(r *Record) {
	delete(b.records, r.Key)
	delete(b.full, r.Key)
	delete(b.raw, r.Key)
	b.dirty[stateOf(r.Key)] = true
	b.dirtyFx[effectsOf(r.Key)] = true
}

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

// receipts returns, for each (target, thread) of threads, the receipts
// of its done records, oldest first: Thread for many threads in one pass.
func (b *Book) receipts(threads map[[2]string]int) map[[2]string][]Receipt {
	var rs []*Record
	for _, r := range b.records {
		if _, ok := threads[[2]string{r.Target, r.Thread}]; ok && r.State == StateDone && r.Receipt != nil {
			rs = append(rs, r)
		}
	}
	sortRecords(rs)
	out := make(map[[2]string][]Receipt, len(threads))
	for _, r := range rs {
		k := [2]string{r.Target, r.Thread}
		out[k] = append(out[k], *r.Receipt)
	}
	return out
}

// Merge takes in the records of another outbox commit (a remote's): a key
// only there is added, a key in both keeps merge's choice. The commit
// becomes a parent of the next save, so the result descends from it. A
// commit admit refuses is noted (Notes) and only made a parent: none of
// its records is taken.
func (b *Book) Merge(other plumbing.Hash) error {
	if other.IsZero() || other == b.head {
		return nil
	}
	if ok, err := b.store.IsAncestor(other, b.head); err == nil && ok && !b.refused {
		return nil
	}
	if err := b.admit(other); err != nil {
		b.refuse(other, err)
		return nil
	}
	err := b.read(other, func(r *Record) {
		old, ok := b.records[r.Key]
		if ok && merge(old, r) == old {
			return
		}
		if !ok {
			b.dirtyFx[effectsOf(r.Key)] = true
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
		if len(b.dirty) == 0 && len(b.dirtyFx) == 0 && len(b.merged) == 0 && len(b.refusedParents) == 0 && !b.refused {
			return nil
		}
		h, err := b.write(now, message)
		if err != nil {
			return err
		}
		err = b.store.CompareAndSwap(Ref, b.head, h)
		if err == nil {
			b.head, b.dirty, b.dirtyFx, b.merged = h, map[string]bool{}, map[string]bool{}, nil
			b.refused, b.refusedParents = false, nil
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
		// are merged over theirs. Effects we hold stay ours; the others
		// are read from the new base when needed.
		if err := b.rebase(cur); err != nil {
			return err
		}
	}
}

// rebase makes cur the base of the next save, keeping the records this
// book changed (merged over cur's) and every record of cur.
func (b *Book) rebase(cur plumbing.Hash) error {
	mine, dirty, old, oldRefused := b.records, b.dirty, b.head, b.refused
	b.records, b.dirty, b.head = map[string]*Record{}, map[string]bool{}, cur
	if err := b.admit(cur); err != nil {
		// Not ours: none of it is read, and the save replaces it whole.
		b.refuse(cur, err)
		b.refusedParents, b.refused = b.refusedParents[:len(b.refusedParents)-1], true
		for _, r := range mine {
			b.put(r, true)
		}
		if !old.IsZero() && !oldRefused {
			b.merged = append(b.merged, old)
		}
		return nil
	}
	b.refused = false
	if err := b.read(cur, func(r *Record) { b.put(r, false) }); err != nil {
		return err
	}
	for _, r := range mine {
		if dirty[stateOf(r.Key)] {
			if _, theirs := b.records[r.Key]; !theirs {
				b.dirtyFx[effectsOf(r.Key)] = true
			}
			b.put(r, true)
		}
	}
	// Effects are immutable: the ones we hold serve cur's copies too.
	for key := range b.full {
		if r, ok := b.records[key]; ok {
			r.Effect = mine[key].Effect
		} else {
			delete(b.full, key)
		}
	}
	// Effects we only carried as JSON are cut again, from cur first.
	for key := range b.raw {
		if !b.full[key] {
			delete(b.raw, key)
		}
	}
	b.cut = map[string]bool{}
	// Records we read but did not change come from cur now; effects of
	// ours not yet in cur are still readable from the old head.
	if !old.IsZero() && !oldRefused {
		b.merged = append(b.merged, old)
	}
	return nil
}

// write builds the next outbox commit.
func (b *Book) write(now time.Time, message string) (plumbing.Hash, error) {
	w := widthFor(len(b.records))
	relayout := b.refused // a refused head's tree is replaced whole
	var old []string
	if !b.head.IsZero() && !b.refused {
		l, err := b.layoutAt(b.head)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		old, relayout = l.files, l.width != w
	}
	// The files to write: those with a changed fine bucket, or all of
	// them when the width changes.
	// A file is rewritten whole, with every record it holds.
	stateFiles, effectFiles := map[string]bool{}, map[string]bool{}
	for fine := range b.dirty {
		stateFiles[fine[:w]] = true
	}
	for fine := range b.dirtyFx {
		effectFiles[fine[:w]] = true
	}
	states, effects := map[string][]*Record{}, map[string][]*Record{}
	for _, r := range b.records {
		name := bucketName(r.Key, w)
		if relayout || stateFiles[name] {
			states[name] = append(states[name], r)
		}
		if relayout || effectFiles[name] {
			effects[name] = append(effects[name], r)
		}
	}
	files := map[string][]byte{}
	for name, rs := range states {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Key < rs[j].Key })
		var buf []byte
		for _, r := range rs {
			buf = appendLine(buf, r)
		}
		files[statePath(name)] = buf
	}
	for name, rs := range effects {
		data, err := b.encodeEffects(rs)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("outbox: encode %s: %w", effectPath(name), err)
		}
		files[effectPath(name)] = data
	}
	// Files of the old layout, or of buckets left empty, go.
	var deleted []string
	for _, f := range old {
		if _, kept := files[f]; kept {
			continue
		}
		name, isState := bucketOfPath(f)
		if relayout || b.emptied(name, w, isState) {
			deleted = append(deleted, f)
		}
	}
	sort.Strings(deleted)
	sig := object.Signature{Name: "writ outbox", Email: "outbox@writ.invalid", When: now.UTC().Truncate(time.Second)}
	req := gitstore.CommitRequest{Files: files, Delete: deleted, Message: message + "\n", Author: sig, Committer: sig}
	if b.trust != nil {
		req.Signer = b.trust.Signer
	}
	if !b.head.IsZero() {
		req.Parents = []plumbing.Hash{b.head}
	}
	if b.refused {
		req.BaseTree = emptyTree
	}
	for _, m := range append(append([]plumbing.Hash(nil), b.merged...), b.refusedParents...) {
		if ok, err := b.store.IsAncestor(m, b.head); (err != nil || !ok) && !slices.Contains(req.Parents, m) {
			req.Parents = append(req.Parents, m)
		}
	}
	if len(req.Files) == 0 && len(req.Delete) == 0 && len(req.Parents) < 2 && !b.refused {
		return b.head, nil
	}
	return b.store.WriteCommit(req)
}

// bucketOfPath parses a file name of the layout.
func bucketOfPath(f string) (name string, isState bool) {
	switch {
	case f == "state.tsv":
		return "", true
	case f == "effects.json":
		return "", false
	case strings.HasPrefix(f, "state-"):
		return strings.TrimSuffix(strings.TrimPrefix(f, "state-"), ".tsv"), true
	}
	return strings.TrimSuffix(strings.TrimPrefix(f, "effects-"), ".json"), false
}

// emptied reports whether the file of bucket name (width w) changed and
// now holds no record.
func (b *Book) emptied(name string, w int, isState bool) bool {
	dirty := b.dirtyFx
	if isState {
		dirty = b.dirty
	}
	changed := false
	for fine := range dirty {
		if strings.HasPrefix(fine, name) {
			changed = true
			break
		}
	}
	if !changed {
		return false
	}
	for key := range b.records {
		if bucketName(key, w) == name {
			return false
		}
	}
	return true
}
