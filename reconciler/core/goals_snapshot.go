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

// snapshotItemOf returns the bucket file item of a record.
func snapshotItemOf(st stored) snapshotItem {
	it := snapshotItem{Instance: st.instance()}
	l := st.goal
	if l == nil {
		return it
	}
	j := &lineageJSON{Goal: l.goal, StartedBy: l.startedBy, Started: l.started, Terminal: l.terminal, Ended: l.ended,
		LastProgress: l.lastProgress, Completed: l.completed, Tasks: []taskJSON{}, Facts: []factsJSON{}}
	for _, t := range l.tasks.all() {
		j.Tasks = append(j.Tasks, taskJSON{ID: t.id, Type: t.typ, Payload: t.payload, Depth: t.depth, Parents: t.parents,
			DeclaredBy: t.declaredBy, BlockedBy: t.blockedBy, ClaimedBy: t.claimedBy, Completed: t.completed, Members: t.members, Done: t.done})
	}
	j.Blocks = l.blocks.lists()
	for _, f := range l.facts.all() {
		fj := factsJSON{ID: f.id, DeclaredAt: f.declaredAt, ResolvedBy: f.resolvedBy, Ignored: f.ignored}
		if f.quorum.Mode != "" {
			q := f.quorum
			fj.Quorum = &q
		}
		j.Facts = append(j.Facts, fj)
	}
	j.Keys = map[string]string{}
	for _, k := range l.keys.all() {
		j.Keys[k.id] = k.how
	}
	it.Lineage = j
	return it
}

// storedOf rebuilds the record of an item read from a bucket file.
func storedOf(it snapshotItem) (stored, error) {
	in := it.Instance
	keys := keysOf(in.Keys)
	in.Keys = nil
	j := it.Lineage
	if j == nil {
		return newStored(in, keys), nil
	}
	l := &lineage{goal: j.Goal, startedBy: j.StartedBy, started: j.Started, terminal: j.Terminal, ended: j.Ended,
		lastProgress: j.LastProgress, completed: j.Completed}
	tasks := make([]goalTask, 0, len(j.Tasks))
	for _, t := range j.Tasks {
		if !schemas.IsSHA256Hash(t.ID) {
			return stored{}, fmt.Errorf("lineage %s: task id %q is not an id", in.ID, t.ID)
		}
		payload := t.Payload
		if len(payload) == 0 {
			payload = json.RawMessage("null")
		}
		tasks = append(tasks, goalTask{id: t.ID, typ: t.Type, payload: payload, depth: t.Depth, parents: t.Parents,
			declaredBy: t.DeclaredBy, blockedBy: t.BlockedBy, claimedBy: t.ClaimedBy, completed: t.Completed,
			members: t.Members, done: t.Done}.sealed())
	}
	l.tasks = tableOf(tasks)
	bs, err := blockSetOf(j.Blocks)
	if err != nil {
		return stored{}, fmt.Errorf("lineage %s: %w", in.ID, err)
	}
	l.blocks = bs
	for i := range blockBuckets {
		if d := bs.bucketDigest(i); d != ([32]byte{}) {
			l.blockTree = l.blockTree.set(i, d)
		}
	}
	facts := make([]blockFacts, 0, len(j.Facts))
	for _, f := range j.Facts {
		bf := blockFacts{id: f.ID, declaredAt: f.DeclaredAt, resolvedBy: f.ResolvedBy, ignored: f.Ignored}
		if f.Quorum != nil {
			bf.quorum = *f.Quorum
		}
		facts = append(facts, bf.sealed())
	}
	l.facts = tableOf(facts)
	if len(keys) > 0 {
		return stored{}, fmt.Errorf("lineage %s: its instance record holds keys; a lineage keeps them under lineage.keys", in.ID)
	}
	consumed := make([]consumedKey, 0, len(j.Keys))
	for k, how := range j.Keys {
		consumed = append(consumed, consumedKey{id: k, how: how}.sealed())
	}
	l.keys = tableOf(consumed)
	return newGoalStored(in, l), nil
}
