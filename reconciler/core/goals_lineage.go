package core

import (
	"encoding/json"

	"github.com/writ-dev/writ/schemas"
)

// lineage is the state of one goal lineage beside its instance record
// (stored.goal): its tasks, the block 2P-set, and the facts about blocks
// that depend on the order of entries (when a claim was first declared,
// who resolved it, which votes did not count). A lineage is never changed
// once a State holds it: every change builds a new one sharing the rest.
type lineage struct {
	goal         string
	startedBy    string
	started      HLC
	terminal     string
	ended        HLC // zero while active
	lastProgress HLC
	completed    int
	tasks        table[goalTask]
	blocks       BlockSet
	blockTree    *hashTree // bucket hashes of blocks
	facts        table[blockFacts]
	// keys are the idem_keys consumed on the lineage, by proposer
	// (goalKey), and how.
	keys table[consumedKey]
}

// consumedKey is one idem_key a lineage consumed.
type consumedKey struct {
	id, how string
	hash    [32]byte
}

func (k consumedKey) key() string      { return k.id }
func (k consumedKey) digest() [32]byte { return k.hash }

func (k consumedKey) sealed() consumedKey {
	k, _ = k.sealedIn(nil)
	return k
}

// sealedIn is sealed encoding into buf's space, and returns it for the
// next record (restoring a lineage seals thousands).
func (k consumedKey) sealedIn(buf fields) (consumedKey, fields) {
	f := buf[:0].str(k.id).str(k.how)
	k.hash = f.sum()
	return k, f
}

// done reports whether the terminal task completed.
func (l *lineage) done() bool { return !l.ended.IsZero() }

// goalTask is one task of a lineage.
type goalTask struct {
	id      string
	typ     string
	payload json.RawMessage // canonical JSON of the payload, "null" for none
	depth   int
	// parents are the tasks this one is a prerequisite of (a member's: its
	// barrier), sorted.
	parents    []string
	declaredBy []string // sorted
	// blockedBy are the blocks that name this task as blocked; claimedBy
	// the blocks that name it as the prerequisite. Both sorted.
	blockedBy []string
	claimedBy []string
	completed *Completion
	members   []string // a barrier's members, sorted
	done      int      // members complete
	hash      [32]byte
}

func (t goalTask) key() string      { return t.id }
func (t goalTask) digest() [32]byte { return t.hash }

// sealed returns t with its digest computed.
func (t goalTask) sealed() goalTask {
	t, _ = t.sealedIn(nil)
	return t
}

// sealedIn is sealed encoding into buf's space, and returns it.
func (t goalTask) sealedIn(buf fields) (goalTask, fields) {
	f := buf[:0].str(t.id).str(t.typ).str(string(t.payload)).num(int64(t.depth)).
		strs(t.parents).strs(t.declaredBy).strs(t.blockedBy).strs(t.claimedBy).strs(t.members).num(int64(t.done))
	if c := t.completed; c != nil {
		f = f.str("completed").str(c.By).hlc(c.At)
		if c.Barrier {
			f = f.str("barrier")
		}
		f = f.num(int64(len(c.Evidence)))
		for _, ev := range c.Evidence {
			f = f.str(ev.Name).str(ev.URI).str(ev.Digest)
		}
	}
	t.hash = f.sum()
	return t, f
}

// blockFacts are what the reducer knows about a block beyond the 2P-set:
// the clock of its first declaration (the quorum window's start), who
// resolved it, and the votes that were recorded but did not count.
type blockFacts struct {
	id         string
	declaredAt HLC
	// quorum is the goal's quorum (defaults filled in) when the block was
	// first declared: it decides the block for good, so a later rules
	// change cannot revive a claim its window already dismissed.
	quorum     schemas.Quorum
	resolvedBy string
	ignored    []IgnoredVote
	hash       [32]byte
}

func (b blockFacts) key() string      { return b.id }
func (b blockFacts) digest() [32]byte { return b.hash }

func (b blockFacts) sealed() blockFacts {
	b, _ = b.sealedIn(nil)
	return b
}

// sealedIn is sealed encoding into buf's space, and returns it.
func (b blockFacts) sealedIn(buf fields) (blockFacts, fields) {
	q := b.quorum
	f := buf[:0].str(b.id).hlc(b.declaredAt).str(string(q.Mode)).num(int64(q.Min)).num(int64(q.Max)).str(string(q.OnShort)).
		num(int64(q.TrustLevel)).num(int64(q.Refutations)).str(q.Window).str(b.resolvedBy).num(int64(len(b.ignored)))
	for _, v := range b.ignored {
		f = f.str(v.Identity).str(v.Action).str(v.Reason)
	}
	b.hash = f.sum()
	return b, f
}

// withBlocks returns l with blocks set to bs after an event about block
// id, the block tree rehashed where id lives.
func (l lineage) withBlocks(bs BlockSet, id string) lineage {
	l.blocks = bs
	i := blockBucketOf(id)
	l.blockTree = l.blockTree.set(i, bs.bucketDigest(i))
	return l
}

// hash returns the lineage's hash given the hash of its instance record:
// the instance (goal, owner, state, keys, version), the lineage's own
// facts and the roots of its three tables.
func (l *lineage) hash(instanceHash string) string {
	tr, br, fr, kr := l.tasks.tree.rootOf(), l.blockTree.rootOf(), l.facts.tree.rootOf(), l.keys.tree.rootOf()
	f := fields([]byte("writ-lineage/v1\n")).str(instanceHash).str(l.goal).str(l.startedBy).hlc(l.started).
		str(l.terminal).hlc(l.ended).hlc(l.lastProgress).num(int64(l.completed)).
		str(string(tr[:])).str(string(br[:])).str(string(fr[:])).str(string(kr[:]))
	sum := f.sum()
	return schemas.HashBytes(sum[:])
}

// task returns the task with id.
func (l *lineage) task(id string) (goalTask, bool) { return l.tasks.get(id) }

// factsOf returns the facts of block id (zero facts with the id when none).
func (l *lineage) factsOf(id string) blockFacts {
	if f, ok := l.facts.get(id); ok {
		return f
	}
	return blockFacts{id: id}
}
