package core

import (
	"encoding/json"
	"fmt"

	"github.com/writ-dev/writ/schemas"
)

// A snapshot bucket file holds one item per instance record: the instance,
// and for a goal's lineage the lineage beside it ("lineage"), every task,
// block event and block fact, so a restored lineage hashes as the one
// that was written (restore checks the bucket hash).

// snapshotItem is one element of a bucket file.
type snapshotItem struct {
	*Instance
	Lineage *lineageJSON `json:"lineage,omitempty"`
}

type lineageJSON struct {
	Goal         string       `json:"goal"`
	StartedBy    string       `json:"started_by"`
	Started      HLC          `json:"started"`
	Terminal     string       `json:"terminal"`
	Ended        HLC          `json:"ended"`
	LastProgress HLC          `json:"last_progress"`
	Completed    int          `json:"completed"`
	Tasks        []taskJSON   `json:"tasks"`
	Blocks       blockSetJSON `json:"blocks"`
	Facts        []factsJSON  `json:"facts"`
	// Keys maps each consumed "<signer>/<idem_key>" to how it was consumed.
	Keys map[string]string `json:"keys"`
}

type taskJSON struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Payload    json.RawMessage `json:"payload"`
	Depth      int             `json:"depth"`
	Parents    []string        `json:"parents,omitempty"`
	DeclaredBy []string        `json:"declared_by,omitempty"`
	BlockedBy  []string        `json:"blocked_by,omitempty"`
	ClaimedBy  []string        `json:"claimed_by,omitempty"`
	Completed  *Completion     `json:"completed,omitempty"`
	Members    []string        `json:"members,omitempty"`
	Done       int             `json:"done,omitempty"`
}

type factsJSON struct {
	ID         string          `json:"id"`
	DeclaredAt HLC             `json:"declared_at"`
	Quorum     *schemas.Quorum `json:"quorum,omitempty"`
	ResolvedBy string          `json:"resolved_by,omitempty"`
	Ignored    []IgnoredVote   `json:"ignored,omitempty"`
}

// snapshotItemOf returns the bucket file item of a record: the instance
// alone (a lineage goes to the bucket's lineage file, encodeLineages).
func snapshotItemOf(st stored) snapshotItem {
	return snapshotItem{Instance: st.instance()}
}

// lineageParts is a lineage as a snapshot holds it, before its tables are
// built: what either format decodes to.
type lineageParts struct {
	goal, startedBy, terminal    string
	started, ended, lastProgress HLC
	completed                    int
	tasks                        []goalTask
	blocks                       blockSetJSON
	facts                        []blockFacts
	keys                         []consumedKey
}

// partsOfJSON converts a version 2 lineage.
func partsOfJSON(j *lineageJSON) lineageParts {
	p := lineageParts{goal: j.Goal, startedBy: j.StartedBy, started: j.Started, terminal: j.Terminal, ended: j.Ended,
		lastProgress: j.LastProgress, completed: j.Completed, blocks: j.Blocks}
	p.tasks = make([]goalTask, 0, len(j.Tasks))
	for _, t := range j.Tasks {
		p.tasks = append(p.tasks, goalTask{id: t.ID, typ: t.Type, payload: t.Payload, depth: t.Depth, parents: t.Parents,
			declaredBy: t.DeclaredBy, blockedBy: t.BlockedBy, claimedBy: t.ClaimedBy, completed: t.Completed,
			members: t.Members, done: t.Done})
	}
	p.facts = make([]blockFacts, 0, len(j.Facts))
	for _, f := range j.Facts {
		bf := blockFacts{id: f.ID, declaredAt: f.DeclaredAt, resolvedBy: f.ResolvedBy, ignored: f.Ignored}
		if f.Quorum != nil {
			bf.quorum = *f.Quorum
		}
		p.facts = append(p.facts, bf)
	}
	p.keys = make([]consumedKey, 0, len(j.Keys))
	for k, how := range j.Keys {
		p.keys = append(p.keys, consumedKey{id: k, how: how})
	}
	return p
}

// storedOf rebuilds the record of an item read from a bucket file, with
// its lineage (nil: not a goal's).
func storedOf(it snapshotItem, lin *lineageParts) (stored, error) {
	in := it.Instance
	keys := keysOf(in.Keys)
	in.Keys = nil
	if lin == nil {
		return newStored(in, keys), nil
	}
	if len(keys) > 0 {
		return stored{}, fmt.Errorf("lineage %s: its instance record holds keys; a lineage keeps them under lineage.keys", in.ID)
	}
	l, err := lineageOf(lin)
	if err != nil {
		return stored{}, fmt.Errorf("lineage %s: %w", in.ID, err)
	}
	return newGoalStored(in, l), nil
}

// lineageOf builds a lineage from its parts: every record sealed (its
// digest computed from its fields), every table built at once.
func lineageOf(p *lineageParts) (*lineage, error) {
	l := &lineage{goal: p.goal, startedBy: p.startedBy, started: p.started, terminal: p.terminal, ended: p.ended,
		lastProgress: p.lastProgress, completed: p.completed}
	var buf fields // each record's digest input, reused
	for i := range p.tasks {
		t := &p.tasks[i]
		if !schemas.IsSHA256Hash(t.id) {
			return nil, fmt.Errorf("task id %q is not an id", t.id)
		}
		if len(t.payload) == 0 {
			t.payload = json.RawMessage("null")
		}
		*t, buf = t.sealedIn(buf)
	}
	l.tasks = tableOf(p.tasks)
	bs, err := blockSetOf(p.blocks)
	if err != nil {
		return nil, err
	}
	l.blocks = bs
	var leaves [256][32]byte
	for i := range blockBuckets {
		leaves[i] = bs.bucketDigest(i)
	}
	l.blockTree = treeOf(&leaves)
	for i := range p.facts {
		p.facts[i], buf = p.facts[i].sealedIn(buf)
	}
	l.facts = tableOf(p.facts)
	for i := range p.keys {
		p.keys[i], buf = p.keys[i].sealedIn(buf)
	}
	l.keys = tableOf(p.keys)
	return l, nil
}
