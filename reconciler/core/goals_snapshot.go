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
	raw, err := l.blocks.MarshalJSON()
	if err == nil {
		_ = json.Unmarshal(raw, &j.Blocks)
	}
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
	for _, t := range j.Tasks {
		if !schemas.IsSHA256Hash(t.ID) {
			return stored{}, fmt.Errorf("lineage %s: task id %q is not an id", in.ID, t.ID)
		}
		payload := t.Payload
		if len(payload) == 0 {
			payload = json.RawMessage("null")
		}
		l.tasks = l.tasks.put(goalTask{id: t.ID, typ: t.Type, payload: payload, depth: t.Depth, parents: t.Parents,
			declaredBy: t.DeclaredBy, blockedBy: t.BlockedBy, claimedBy: t.ClaimedBy, completed: t.Completed,
			members: t.Members, done: t.Done}.sealed())
	}
	var bs BlockSet
	var err error
	for _, c := range j.Blocks.Added {
		if bs, _, err = bs.Declare(c.Blocked, c.Prerequisite, c.Declarer); err != nil {
			return stored{}, fmt.Errorf("lineage %s: %w", in.ID, err)
		}
	}
	for _, v := range j.Blocks.Confirmed {
		if bs, err = bs.Confirm(v.Block, v.Identity); err != nil {
			return stored{}, fmt.Errorf("lineage %s: %w", in.ID, err)
		}
	}
	for _, v := range j.Blocks.Refuted {
		if bs, err = bs.Refute(v.Block, v.Identity); err != nil {
			return stored{}, fmt.Errorf("lineage %s: %w", in.ID, err)
		}
	}
	for _, r := range j.Blocks.Removed {
		if bs, err = bs.Remove(r.Block, r.Reason); err != nil {
			return stored{}, fmt.Errorf("lineage %s: %w", in.ID, err)
		}
	}
	l.blocks = bs
	for i := range blockBuckets {
		if d := bs.bucketDigest(i); d != ([32]byte{}) {
			l.blockTree = l.blockTree.set(i, d)
		}
	}
	for _, f := range j.Facts {
		bf := blockFacts{id: f.ID, declaredAt: f.DeclaredAt, resolvedBy: f.ResolvedBy, ignored: f.Ignored}
		if f.Quorum != nil {
			bf.quorum = *f.Quorum
		}
		l.facts = l.facts.put(bf.sealed())
	}
	if len(keys) > 0 {
		return stored{}, fmt.Errorf("lineage %s: its instance record holds keys; a lineage keeps them under lineage.keys", in.ID)
	}
	for k, how := range j.Keys {
		l.keys = l.keys.put(consumedKey{id: k, how: how}.sealed())
	}
	return newGoalStored(in, l), nil
}
