package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
)

// Ref is the git ref that holds the outbox: a chain of unsigned commits,
// separate from main and never part of it. A commit's tree holds
//
//	state/<bucket>.tsv     one line per record: its delivery state (line.go)
//	effects/<bucket>.json  a JSON array of the effects, sorted by key
//
// with the records spread over Buckets buckets by key. The state is what
// changes (attempts, errors, done) and what `writ outbox` lists, so it is
// plain text; an effect is written once, when recorded, and read only to
// deliver it. Few files keep a save to about a dozen objects, which each
// save makes durable (fsync) before it moves the ref: a few milliseconds
// each on a busy disk, the outbox's main cost in a reconcile.
const Ref = "refs/writ/outbox"

const (
	stateDir  = "state"
	effectDir = "effects"
)

// Book is the outbox as read from Ref at one commit, with the changes not
// yet saved. Effects are read lazily (Effect). It is not safe for
// concurrent use.
type Book struct {
	store   *gitstore.Store
	head    plumbing.Hash
	records map[string]*Record
	// full holds the effects read or recorded, by key.
	full map[string]bool
	// dirty are the state files, dirtyFx the effect files changed since
	// head.
	dirty, dirtyFx map[string]bool
	nextSeq        uint64
	// merged are other outbox commits merged in, parents of the next
	// save; their effect files are read for the records they brought.
	merged []plumbing.Hash
}

// Load reads the outbox at Ref (an empty book when the ref does not
// exist).
func Load(s *gitstore.Store) (*Book, error) {
	b := &Book{store: s, records: map[string]*Record{}, full: map[string]bool{}, dirty: map[string]bool{}, dirtyFx: map[string]bool{}, nextSeq: 1}
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

// read decodes the state of every record of the outbox commit h.
func (b *Book) read(h plumbing.Hash, fn func(*Record)) error {
	files, err := b.store.ListFiles(h, stateDir)
	if err != nil && !errors.Is(err, gitstore.ErrNotFound) {
		return fmt.Errorf("outbox: list %s at %s: %w", stateDir, h, err)
	}
	for _, f := range files {
		data, err := b.store.ReadFile(h, f)
		if err != nil {
			return fmt.Errorf("outbox: read %s at %s: %w", f, h, err)
		}
		if err := parseLines(data, f, fn); err != nil {
			return fmt.Errorf("outbox: %w at %s (delete the ref %s to start an empty outbox)", err, h, Ref)
		}
	}
	return nil
}

// readEffects decodes the effects file of bucket at commit h (none when
// it has no such file).
func (b *Book) readEffects(h plumbing.Hash, bucket string) ([]Effect, error) {
	if h.IsZero() {
		return nil, nil
	}
	p := path.Join(effectDir, bucket+".json")
	data, err := b.store.ReadFile(h, p)
	if errors.Is(err, gitstore.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("outbox: read %s at %s: %w", p, h, err)
	}
	var es []Effect
	if err := json.Unmarshal(data, &es); err != nil {
		return nil, fmt.Errorf("outbox: %s at %s: %w (delete the ref %s to start an empty outbox)", p, h, err, Ref)
	}
	return es, nil
}

// Buckets is how many state files, and effect files, the records are
// spread over, by the first hex digit of their key.
const Buckets = 4

// stateOf and effectsOf name a key's state and effect files: "0" to "3".
func stateOf(key string) string {
	if key == "" {
		return "0"
	}
	d := strings.IndexByte("0123456789abcdef", key[0]|0x20)
	if d < 0 {
		d = 0
	}
	return strconv.Itoa(d * Buckets / 16)
}

func effectsOf(key string) string { return stateOf(key) }

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

// Effect fills r.Effect from the effect files (of Head and of commits
// merged in) when only its state was read, and returns it.
func (b *Book) Effect(r *Record) (Effect, error) {
	if b.full[r.Key] {
		return r.Effect, nil
	}
	bucket := effectsOf(r.Key)
	for _, h := range append([]plumbing.Hash{b.head}, b.merged...) {
		es, err := b.readEffects(h, bucket)
		if err != nil {
			return Effect{}, err
		}
		for _, e := range es {
			if rec, ok := b.records[e.Key]; ok && !b.full[e.Key] {
				rec.Effect = e
				b.full[e.Key] = true
			}
		}
		if b.full[r.Key] {
			return r.Effect, nil
		}
	}
	return Effect{}, fmt.Errorf("outbox: effect %s is in no %s file of %s", r.Key, effectDir, Ref)
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
		if len(b.dirty) == 0 && len(b.dirtyFx) == 0 && len(b.merged) == 0 {
			return nil
		}
		h, err := b.write(now, message)
		if err != nil {
			return err
		}
		err = b.store.CompareAndSwap(Ref, b.head, h)
		if err == nil {
			b.head, b.dirty, b.dirtyFx, b.merged = h, map[string]bool{}, map[string]bool{}, nil
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
	mine, dirty, old := b.records, b.dirty, b.head
	b.records, b.dirty, b.head = map[string]*Record{}, map[string]bool{}, cur
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
	// Records we read but did not change come from cur now; effects of
	// ours not yet in cur are still readable from the old head.
	if !old.IsZero() {
		b.merged = append(b.merged, old)
	}
	return nil
}

// write builds the next outbox commit.
func (b *Book) write(now time.Time, message string) (plumbing.Hash, error) {
	files := map[string][]byte{}
	var deleted []string
	exists := func(p string) bool {
		if b.head.IsZero() {
			return false
		}
		_, err := b.store.ReadFile(b.head, p)
		return err == nil
	}
	byState := map[string][]*Record{}
	for _, r := range b.records {
		if bk := stateOf(r.Key); b.dirty[bk] {
			byState[bk] = append(byState[bk], r)
		}
	}
	for _, bk := range sortedKeys(b.dirty) {
		p := path.Join(stateDir, bk+".tsv")
		rs := byState[bk]
		if len(rs) == 0 {
			if exists(p) {
				deleted = append(deleted, p)
			}
			continue
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].Key < rs[j].Key })
		var buf []byte
		for _, r := range rs {
			buf = appendLine(buf, r)
		}
		files[p] = buf
	}
	for _, bk := range sortedKeys(b.dirtyFx) {
		p := path.Join(effectDir, bk+".json")
		es, err := b.effectsIn(bk)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if len(es) == 0 {
			if exists(p) {
				deleted = append(deleted, p)
			}
			continue
		}
		data, err := json.Marshal(es)
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
	for _, m := range b.merged {
		if ok, err := b.store.IsAncestor(m, b.head); err != nil || !ok {
			req.Parents = append(req.Parents, m)
		}
	}
	if len(req.Files) == 0 && len(req.Delete) == 0 && len(req.Parents) < 2 {
		return b.head, nil
	}
	return b.store.WriteCommit(req)
}

// effectsIn returns the effects of the records in effect bucket bk, read
// where needed, sorted by key.
func (b *Book) effectsIn(bk string) ([]Effect, error) {
	var es []Effect
	for _, r := range b.records {
		if effectsOf(r.Key) != bk {
			continue
		}
		e, err := b.Effect(r)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Key < es[j].Key })
	return es, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
