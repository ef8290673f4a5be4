package core

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// A lineage file (LineagePath) holds the lineages of one snapshot bucket's
// goal instances in a compact binary form, so restoring a lineage of
// 10,000 tasks reads a few megabytes and allocates little, where JSON
// inside the bucket file (snapshot version 2) read fifteen and allocated
// per field. The layout, integers as varints (encoding/binary):
//
//	"writ-lineages/v1\n"
//	uvarint n, n uvarint sizes, then the n strings' bytes back to back:
//	   every string the lineages hold, once, in order of first use; a
//	   size is 2×length for a string kept as it is, 1 for an id
//	   ("sha256:" and 64 lowercase hex digits) kept as its 32 bytes
//	uvarint count, then per lineage, sorted by instance id: the instance
//	   id, then the lineage (encodeLineage), every string as the uvarint
//	   index of its entry in the table
//
// A lineage's lists (tasks, block events, block facts, consumed keys) are
// written in the order its tables and block set keep them: bucket by
// bucket, sorted within a bucket. Restore then takes each list as its
// table's buckets in place, without copying or sorting it; a list in
// another order (files written before, sorted by key) is sorted into
// buckets instead, and restores to the same lineage.
//
// The file carries no hash of its own: the bucket's hash in the head covers
// every field, and restore checks it as for any bucket.

// lineageMagic begins every lineage file.
const lineageMagic = "writ-lineages/v1\n"

// LineagePath returns the snapshot path of the lineages of bucket b's goal
// instances (only a bucket holding one has the file).
func LineagePath(b byte) string { return "lineages/" + hex.EncodeToString([]byte{b}) + ".bin" }

// binWriter encodes lineages, interning strings.
type binWriter struct {
	index map[string]uint64
	table []string
	body  []byte
}

func (w *binWriter) num(n uint64) { w.body = binary.AppendUvarint(w.body, n) }
func (w *binWriter) int(n int64)  { w.body = binary.AppendVarint(w.body, n) }
func (w *binWriter) hlc(h HLC)    { w.int(h.Wall); w.num(uint64(h.Logical)) }

func (w *binWriter) bool(b bool) {
	if b {
		w.num(1)
	} else {
		w.num(0)
	}
}

func (w *binWriter) str(s string) {
	i, ok := w.index[s]
	if !ok {
		i = uint64(len(w.table))
		w.index[s] = i
		w.table = append(w.table, s)
	}
	w.num(i)
}

func (w *binWriter) strs(ss []string) {
	w.num(uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

// encodeLineages returns the lineage file of items (sorted by id), the
// records of a bucket that hold a lineage. Equal items give equal bytes.
func encodeLineages(items []stored) []byte {
	w := &binWriter{index: map[string]uint64{}}
	w.num(uint64(len(items)))
	for _, st := range items {
		w.str(st.inst.ID)
		w.lineage(st.goal)
	}
	size := len(lineageMagic) + binary.MaxVarintLen64*(1+len(w.table)) + len(w.body)
	for _, s := range w.table {
		size += len(s)
	}
	out := make([]byte, 0, size)
	out = append(out, lineageMagic...)
	out = binary.AppendUvarint(out, uint64(len(w.table)))
	for _, s := range w.table {
		if isID(s) {
			out = binary.AppendUvarint(out, 1)
		} else {
			out = binary.AppendUvarint(out, 2*uint64(len(s)))
		}
	}
	for _, s := range w.table {
		if isID(s) {
			out, _ = hex.AppendDecode(out, []byte(s[len(idPrefix):]))
		} else {
			out = append(out, s...)
		}
	}
	return append(out, w.body...)
}

// idPrefix begins every task and block id.
const idPrefix = "sha256:"

// isID reports whether s is "sha256:" and 64 lowercase hex digits: the
// lineage file keeps it as 32 bytes.
func isID(s string) bool {
	if len(s) != len(idPrefix)+64 || s[:len(idPrefix)] != idPrefix {
		return false
	}
	for i := len(idPrefix); i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// lineage writes l: its own fields, then its tasks, block events, block
// facts and consumed keys, each list in table order.
func (w *binWriter) lineage(l *lineage) {
	w.str(l.goal)
	w.str(l.startedBy)
	w.hlc(l.started)
	w.str(l.terminal)
	w.hlc(l.ended)
	w.hlc(l.lastProgress)
	w.int(int64(l.completed))
	tasks := l.tasks.unsorted()
	w.num(uint64(len(tasks)))
	for _, t := range tasks {
		w.str(t.id)
		w.str(t.typ)
		w.str(string(t.payload))
		w.int(int64(t.depth))
		w.strs(t.parents)
		w.strs(t.declaredBy)
		w.strs(t.blockedBy)
		w.strs(t.claimedBy)
		w.strs(t.members)
		w.int(int64(t.done))
		w.bool(t.completed != nil)
		if c := t.completed; c != nil {
			w.str(c.By)
			w.hlc(c.At)
			w.bool(c.Barrier)
			w.num(uint64(len(c.Evidence)))
			for _, ev := range c.Evidence {
				w.str(ev.Name)
				w.str(ev.URI)
				w.str(ev.Digest)
			}
		}
	}
	bs := l.blocks.inSetOrder()
	w.num(uint64(len(bs.Added)))
	for _, c := range bs.Added {
		w.str(c.ID)
		w.str(c.Blocked)
		w.str(c.Prerequisite)
		w.str(c.Declarer)
	}
	w.num(uint64(len(bs.Removed)))
	for _, r := range bs.Removed {
		w.str(r.Block)
		w.str(string(r.Reason))
	}
	for _, votes := range [][]BlockVote{bs.Confirmed, bs.Refuted} {
		w.num(uint64(len(votes)))
		for _, v := range votes {
			w.str(v.Block)
			w.str(v.Identity)
		}
	}
	facts := l.facts.unsorted()
	w.num(uint64(len(facts)))
	for _, f := range facts {
		w.str(f.id)
		w.hlc(f.declaredAt)
		q := f.quorum
		w.str(string(q.Mode))
		w.int(int64(q.Min))
		w.int(int64(q.Max))
		w.str(string(q.OnShort))
		w.int(int64(q.TrustLevel))
		w.int(int64(q.Refutations))
		w.str(q.Window)
		w.str(f.resolvedBy)
		w.num(uint64(len(f.ignored)))
		for _, v := range f.ignored {
			w.str(v.Identity)
			w.str(v.Action)
			w.str(v.Reason)
		}
	}
	keys := l.keys.unsorted()
	w.num(uint64(len(keys)))
	for _, k := range keys {
		w.str(k.id)
		w.str(k.how)
	}
}

// binReader decodes a lineage file. The first error sticks: every read
// after it returns zero values, and err says what was wrong where.
type binReader struct {
	data  []byte // what is left of the body
	table []string
	arena []string // backing for string lists, handed out in slices
	err   error
}

func (r *binReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *binReader) num() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.fail("truncated or overlong number")
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *binReader) int() int {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.data)
	if n <= 0 || v < math.MinInt || v > math.MaxInt {
		r.fail("truncated or overlong number")
		return 0
	}
	r.data = r.data[n:]
	return int(v)
}

func (r *binReader) hlc() HLC {
	wall := r.int()
	logical := r.num()
	if logical > math.MaxUint32 {
		r.fail("clock logical part %d out of range", logical)
	}
	return HLC{Wall: int64(wall), Logical: uint32(logical)}
}

func (r *binReader) bool() bool {
	switch r.num() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail("a flag is neither 0 nor 1")
	return false
}

func (r *binReader) str() string {
	i := r.num()
	if i >= uint64(len(r.table)) {
		r.fail("string %d of a table of %d", i, len(r.table))
		return ""
	}
	return r.table[i]
}

// count reads a list's length; every element takes a byte at least, so a
// length beyond what is left is refused before anything is allocated.
func (r *binReader) count() int {
	n := r.num()
	if n > uint64(len(r.data)) {
		r.fail("a list of %d elements in the %d bytes left", n, len(r.data))
		return 0
	}
	return int(n)
}

// strs reads a string list, nil when empty (as JSON's omitempty left it).
func (r *binReader) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	if len(r.arena) < n {
		r.arena = make([]string, max(n, 4096))
	}
	out := r.arena[:n:n]
	r.arena = r.arena[n:]
	for i := range out {
		out[i] = r.str()
	}
	return out
}

// decodeLineages decodes a lineage file: the lineages by instance id, in
// file order.
func decodeLineages(data []byte) (ids []string, parts []lineageParts, err error) {
	if len(data) < len(lineageMagic) || string(data[:len(lineageMagic)]) != lineageMagic {
		return nil, nil, fmt.Errorf("not a lineage file (no %q header)", lineageMagic[:len(lineageMagic)-1])
	}
	r := &binReader{data: data[len(lineageMagic):]}
	n := r.count()
	sizesAt := r.data                    // the sizes are read twice: checked, then used
	stored, text := uint64(0), uint64(0) // bytes in the file, and as strings
	for i := range n {
		size := r.num()
		switch {
		case size == 1:
			stored, text = stored+32, text+uint64(len(idPrefix))+64
		case size%2 == 0:
			stored, text = stored+size/2, text+size/2
		default:
			r.fail("string %d has size %d, neither even nor 1", i, size)
		}
		if stored > uint64(len(r.data)) {
			r.fail("string table of more than the %d bytes left", len(r.data))
		}
		if r.err != nil {
			return nil, nil, r.err
		}
	}
	// Every string in one allocation, the ids spelled out again.
	var all strings.Builder
	all.Grow(int(text))
	raw := r.data[:stored]
	sizes := &binReader{data: sizesAt}
	for range n {
		if size := sizes.num(); size == 1 {
			all.WriteString(idPrefix)
			var h [64]byte
			hex.Encode(h[:], raw[:32])
			all.Write(h[:])
			raw = raw[32:]
		} else {
			all.Write(raw[:size/2])
			raw = raw[size/2:]
		}
	}
	r.data = r.data[stored:]
	r.table = make([]string, n)
	off := 0
	str := all.String()
	sizes = &binReader{data: sizesAt}
	for i := range r.table {
		size := sizes.num()
		l := int(size / 2)
		if size == 1 {
			l = len(idPrefix) + 64
		}
		r.table[i] = str[off : off+l]
		off += l
	}
	count := r.count()
	for i := 0; i < count && r.err == nil; i++ {
		ids = append(ids, r.str())
		parts = append(parts, r.lineage())
	}
	if r.err == nil && len(r.data) > 0 {
		r.fail("%d bytes after the last lineage", len(r.data))
	}
	if r.err != nil {
		return nil, nil, r.err
	}
	return ids, parts, nil
}

// lineage reads what binWriter.lineage wrote.
func (r *binReader) lineage() lineageParts {
	p := lineageParts{goal: r.str(), startedBy: r.str(), started: r.hlc(), terminal: r.str(), ended: r.hlc(),
		lastProgress: r.hlc(), completed: r.int()}
	p.tasks = make([]goalTask, r.count())
	for i := range p.tasks {
		t := goalTask{id: r.str(), typ: r.str()}
		if payload := r.str(); payload != "" {
			t.payload = json.RawMessage(payload)
		}
		t.depth = r.int()
		t.parents, t.declaredBy, t.blockedBy, t.claimedBy, t.members = r.strs(), r.strs(), r.strs(), r.strs(), r.strs()
		t.done = r.int()
		if r.bool() {
			c := &Completion{By: r.str(), At: r.hlc(), Barrier: r.bool()}
			if n := r.count(); n > 0 {
				c.Evidence = make([]schemas.Evidence, n)
				for j := range c.Evidence {
					c.Evidence[j] = schemas.Evidence{Name: r.str(), URI: r.str(), Digest: r.str()}
				}
			}
			t.completed = c
		}
		p.tasks[i] = t
	}
	p.blocks.Added = make([]BlockClaim, r.count())
	for i := range p.blocks.Added {
		p.blocks.Added[i] = BlockClaim{ID: r.str(), Blocked: r.str(), Prerequisite: r.str(), Declarer: r.str()}
	}
	p.blocks.Removed = make([]BlockRemoval, r.count())
	for i := range p.blocks.Removed {
		p.blocks.Removed[i] = BlockRemoval{Block: r.str(), Reason: RemovalReason(r.str())}
	}
	for _, votes := range []*[]BlockVote{&p.blocks.Confirmed, &p.blocks.Refuted} {
		*votes = make([]BlockVote, r.count())
		for i := range *votes {
			(*votes)[i] = BlockVote{Block: r.str(), Identity: r.str()}
		}
	}
	p.facts = make([]blockFacts, r.count())
	for i := range p.facts {
		f := blockFacts{id: r.str(), declaredAt: r.hlc()}
		f.quorum = schemas.Quorum{Mode: schemas.QuorumMode(r.str()), Min: r.int(), Max: r.int(), OnShort: schemas.OnShort(r.str()),
			TrustLevel: r.int(), Refutations: r.int(), Window: r.str()}
		f.resolvedBy = r.str()
		if n := r.count(); n > 0 {
			f.ignored = make([]IgnoredVote, n)
			for j := range f.ignored {
				f.ignored[j] = IgnoredVote{Identity: r.str(), Action: r.str(), Reason: r.str()}
			}
		}
		p.facts[i] = f
	}
	p.keys = make([]consumedKey, r.count())
	for i := range p.keys {
		p.keys[i] = consumedKey{id: r.str(), how: r.str()}
	}
	return p
}
