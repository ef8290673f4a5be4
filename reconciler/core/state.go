package core

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// Instance is one execution of a workflow. Its canonical JSON is what its
// hash (and so a proposal's base_state) covers. Fields are declared in the
// order of their JSON names, so encoding/json writes canonical JSON
// directly (see Hash).
type Instance struct {
	// Cost sums the cost of the proposals applied to or rejected on this
	// instance, one amount per unit, sorted by unit, each amount canonical
	// (schemas.SumCosts). Omitted when none, so older hashes stand.
	Cost []schemas.Cost `json:"cost,omitempty"`
	ID   string         `json:"id"`
	// Keys maps every consumed idem_key to how it was consumed ("applied",
	// "rejected" or "withdrawn"). A key is never consumed twice.
	Keys  map[string]string `json:"keys"`
	Owner string            `json:"owner,omitempty"`
	// Regions holds, while State is parallel, the current sub-state of each
	// region; it is empty otherwise.
	Regions map[string]string `json:"regions,omitempty"`
	// Resume is where "release" returns a quarantined instance to.
	Resume *Resume `json:"resume,omitempty"`
	// State is the current top-level state.
	State string `json:"state"`
	// Trigger is what started the instance: the trigger of the first
	// applied proposal that named one; never replaced. Omitted when none.
	Trigger *schemas.Trigger `json:"trigger,omitempty"`
	// Updated is the HLC of the last entry applied to this instance.
	Updated HLC `json:"updated"`
	// Version counts the entries applied to this instance.
	Version  uint64 `json:"version"`
	Workflow string `json:"workflow"`
}

// Resume remembers the state a quarantined instance left.
type Resume struct {
	Regions map[string]string `json:"regions,omitempty"`
	State   string            `json:"state"`
}

// clone returns a deep copy, so a new State never aliases an old one.
func (in *Instance) clone() *Instance {
	c := *in
	c.Regions = maps.Clone(in.Regions)
	c.Keys = maps.Clone(in.Keys)
	c.Cost = slices.Clone(in.Cost)
	if in.Trigger != nil {
		tr := *in.Trigger
		c.Trigger = &tr
	}
	if in.Resume != nil {
		r := Resume{State: in.Resume.State, Regions: maps.Clone(in.Resume.Regions)}
		c.Resume = &r
	}
	return &c
}

// Hash returns the instance hash, "sha256:<hex>" over its canonical JSON.
// The bytes equal schemas.CanonicalJSON(in) (a test holds them to it); they
// are written in one pass because Apply hashes an instance on every entry.
func (in *Instance) Hash() string {
	sc := canonPool.Get().(*canonScratch)
	sc.buf, sc.keys = appendInstanceJSON(sc.buf[:0], sc.keys, in)
	h := schemas.HashBytes(sc.buf)
	sc.release()
	return h
}

// State is the folded result of the WAL: the rules in force and every
// instance. A State is immutable: Apply returns a new State that shares
// unchanged parts with the old one, so old States stay valid and cheap.
type State struct {
	rules     *schemas.Bundle
	rulesHash string
	// versions remembers the versions of rules' workflows and policies.
	versions *versionMemo
	// groups is a two-level Merkle tree of the instances: 16 groups of 16
	// buckets. Groups and buckets are never changed once a State holds
	// them; a change copies its bucket and group and shares the rest.
	groups  [16]*group
	clock   Stamp
	entries uint64
	// head is what the snapshot this State was restored from recorded
	// about its buckets; unloaded marks the buckets not restored yet
	// (their items are nil). See restore.go.
	head     *restoredHead
	unloaded bucketSet
	// waits are the proposals recorded as waiting for a human (wait.go);
	// nil when none.
	waits *waitTable
}

// group is 16 buckets (16g .. 16g+15) and the hash of their hashes.
type group struct {
	hash    [32]byte
	buckets [16]*bucket
}

// bucket is the instances whose id hashes to one bucket number.
type bucket struct {
	// hash is hashBucket(items), or the recorded hash while not restored.
	hash  string
	items []stored // sorted by id; nil while not restored
}

// stored is what a bucket holds for one instance: the instance without its
// keys (inst.Keys is always nil), its consumed idem_keys, and its hash.
// Keeping the keys as a sorted list instead of a map means an entry copies
// a slice instead of rebuilding a map, and hashing needs no sort.
type stored struct {
	inst *Instance
	keys idemKeys
	hash string
	// goal is the lineage of a goal's instance record, nil for a workflow
	// instance; hash then covers it (newGoalStored).
	goal *lineage
}

// newStored returns in (whose Keys it ignores) with keys, hashed.
func newStored(in *Instance, keys idemKeys) stored {
	return stored{inst: in, keys: keys, hash: hashStored(in, keys)}
}

// instance returns a deep copy of the stored instance with its Keys map.
func (st stored) instance() *Instance {
	c := st.inst.clone()
	c.Keys = st.keys.toMap()
	return c
}

// keyEntry is one consumed idem_key, how it was consumed, and its member
// of the instance's canonical JSON, `"<key>":"<how>"`: encoded once when
// the key is consumed instead of on every later hash of the instance.
type keyEntry struct{ key, how, json string }

func newKeyEntry(key, how string) keyEntry {
	var buf [128]byte
	b := schemas.AppendJSONString(buf[:0], key)
	b = append(b, ':')
	b = schemas.AppendJSONString(b, how)
	e := keyEntry{key, how, string(b)}
	if len(e.json) == len(key)+len(how)+5 {
		// Nothing was escaped: share the encoded bytes.
		e.key, e.how = e.json[1:1+len(key)], e.json[len(key)+4:len(e.json)-1]
	}
	return e
}

// idemKeys is an instance's consumed idem_keys, sorted bytewise by key (the
// order canonical JSON writes them in). A stored list is never changed:
// with returns a new one.
type idemKeys []keyEntry

// keysOf returns the keys of m as a sorted list.
func keysOf(m map[string]string) idemKeys {
	ks := make(idemKeys, 0, len(m))
	for k, v := range m {
		ks = append(ks, newKeyEntry(k, v))
	}
	slices.SortFunc(ks, func(a, b keyEntry) int { return strings.Compare(a.key, b.key) })
	return ks
}

func (ks idemKeys) search(key string) (int, bool) {
	return slices.BinarySearchFunc(ks, key, func(e keyEntry, key string) int { return strings.Compare(e.key, key) })
}

// find returns how key was consumed, if it was.
func (ks idemKeys) find(key string) (string, bool) {
	if i, ok := ks.search(key); ok {
		return ks[i].how, true
	}
	return "", false
}

// with returns a new list with key set to how; ks is not changed.
func (ks idemKeys) with(key, how string) idemKeys {
	i, found := ks.search(key)
	if found {
		c := slices.Clone(ks)
		c[i] = newKeyEntry(key, how)
		return c
	}
	c := make(idemKeys, len(ks)+1)
	copy(c, ks[:i])
	c[i] = newKeyEntry(key, how)
	copy(c[i+1:], ks[i:])
	return c
}

// toMap returns the keys as a new, never nil, map.
func (ks idemKeys) toMap() map[string]string {
	m := make(map[string]string, len(ks))
	for _, e := range ks {
		m[e.key] = e.how
	}
	return m
}

// HashRules returns the rules hash a genesis or rules entry installs:
// "sha256:<hex>" over the canonical JSON of the bundle (trust files
// included). Apply, Restore and the WAL's Writ-Rules trailer all use it.
func HashRules(b *schemas.Bundle) (string, error) {
	canon, err := schemas.CanonicalJSON(b)
	if err != nil {
		return "", fmt.Errorf("rules hash: %w", err)
	}
	return schemas.HashBytes(canon), nil
}

// emptyBucket is the hash of a bucket with no instances.
var emptyBucket = schemas.HashBytes(nil)

// emptyGroup is the group of 16 empty buckets, shared by every State.
var emptyGroup = func() *group {
	g := &group{}
	b := &bucket{hash: emptyBucket}
	for i := range g.buckets {
		g.buckets[i] = b
	}
	g.hash = g.sum()
	return g
}()

// NewState returns the state before the first entry: no rules, no
// instances.
func NewState() State {
	s := State{}
	for g := range s.groups {
		s.groups[g] = emptyGroup
	}
	return s
}

// sum hashes the group's 16 bucket hashes.
func (g *group) sum() [32]byte {
	var buf [16 * 71]byte // 16 "sha256:" + 64 hex digits
	b := buf[:0]
	for _, bk := range g.buckets {
		b = append(b, bk.hash...)
	}
	return sha256.Sum256(b)
}

// group returns group g; the zero State has no groups and reads as empty.
func (s *State) group(g int) *group {
	if s.groups[g] == nil {
		return emptyGroup
	}
	return s.groups[g]
}

// bucket returns bucket b.
func (s *State) bucket(b byte) *bucket { return s.group(int(b >> 4)).buckets[b&15] }

// Rules returns the rules in force, or nil before the genesis entry.
func (s State) Rules() *schemas.Bundle { return s.rules }

// RulesHash returns the hash of the canonical rules, "" before genesis.
func (s State) RulesHash() string { return s.rulesHash }

// Clock returns the stamp of the last applied entry.
func (s State) Clock() Stamp { return s.clock }

// Entries returns how many entries have been applied.
func (s State) Entries() uint64 { return s.entries }

// Len returns the number of instances.
func (s State) Len() int {
	n := 0
	for b := range 256 {
		if s.unloaded.has(byte(b)) {
			n += s.head.count[b]
		} else {
			n += len(s.bucket(byte(b)).items)
		}
	}
	return n
}

func bucketOf(id string) byte {
	sum := sha256.Sum256([]byte(id))
	return sum[0]
}

// searchItems finds id in a bucket's items, sorted by id.
func searchItems(items []stored, id string) (int, bool) {
	return slices.BinarySearchFunc(items, id, func(st stored, id string) int { return strings.Compare(st.inst.ID, id) })
}

// lookup returns the named instance of bucket b (which must be
// bucketOf(id)) as stored, or a *MissingBucketError when b was not
// restored from the snapshot s came from.
func (s State) lookup(b byte, id string) (stored, bool, error) {
	if s.unloaded.has(b) {
		return stored{}, false, &MissingBucketError{Bucket: b, Instance: id}
	}
	items := s.bucket(b).items
	i, ok := searchItems(items, id)
	if !ok {
		return stored{}, false, nil
	}
	return items[i], true, nil
}

// Instance returns a copy of the named instance, and whether it exists.
// When its bucket was not restored from the snapshot s came from, it
// returns a *MissingBucketError (see Missing and WithBuckets).
func (s State) Instance(id string) (*Instance, bool, error) {
	st, ok, err := s.lookup(bucketOf(id), id)
	if !ok {
		return nil, false, err
	}
	return st.instance(), true, nil
}

// InstanceHash returns the hash of the named instance, or BaseStateNone if
// it does not exist. Proposals put this value in base_state. When its
// bucket was not restored, it returns a *MissingBucketError.
func (s State) InstanceHash(id string) (string, error) {
	st, ok, err := s.lookup(bucketOf(id), id)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return schemas.BaseStateNone, nil
	}
	return st.hash, nil
}

// Instances returns copies of every instance, sorted by id. When a bucket
// was not restored, it returns a *MissingBucketError for the first one
// (Unrestored lists them all).
func (s State) Instances() ([]*Instance, error) {
	if missing := s.Unrestored(); len(missing) > 0 {
		return nil, &MissingBucketError{Bucket: missing[0]}
	}
	out := make([]*Instance, 0, s.Len())
	for b := range 256 {
		for _, st := range s.bucket(byte(b)).items {
			out = append(out, st.instance())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// with returns a copy of s with st stored in bucket b (bucketOf of its
// id), replacing any instance with the same id, and the bucket and its
// group rehashed. It copies one bucket's items and one group; the cost
// does not grow with the number of instances beyond a 1/256 share. Bucket
// b must be restored (lookup succeeded).
func (s State) with(b byte, st stored) State {
	old := s.group(int(b >> 4))
	prev := old.buckets[b&15].items
	i, found := searchItems(prev, st.inst.ID)
	var items []stored
	if found {
		items = slices.Clone(prev)
	} else {
		// Never append to prev: its array belongs to older States.
		items = make([]stored, len(prev)+1)
		copy(items, prev[:i])
		copy(items[i+1:], prev[i:])
	}
	items[i] = st
	g := *old
	g.buckets[b&15] = &bucket{hash: hashBucket(items), items: items}
	g.hash = g.sum()
	s.groups[b>>4] = &g
	return s
}

// hashBucket hashes one bucket's instances, given sorted by id: a line
// "<id>\0<instance hash>\n" per instance.
func hashBucket(items []stored) string {
	if len(items) == 0 {
		return emptyBucket
	}
	var buf [1024]byte
	b := buf[:0]
	if n := bucketLen(items); n > len(buf) {
		b = make([]byte, 0, n)
	}
	for _, st := range items {
		b = append(b, st.inst.ID...)
		b = append(b, 0)
		b = append(b, st.hash...)
		b = append(b, '\n')
	}
	return schemas.HashBytes(b)
}

// bucketLen is the length of what hashBucket hashes.
func bucketLen(items []stored) int {
	n := 0
	for _, st := range items {
		n += len(st.inst.ID) + len(st.hash) + 2
	}
	return n
}

// Hash returns the repository state hash, "sha256:<hex>": a Merkle tree
// (instances → 256 buckets → 16 groups → root) combined with the rules hash,
// the clock and the entry count. Equal states give equal hashes on every
// machine. It costs one small hash over the cached group hashes.
func (s State) Hash() string {
	var groups [16 * 32]byte
	for i, g := range s.groups {
		if g != nil { // the zero State's groups hash as zeros
			copy(groups[i*32:], g.hash[:])
		}
	}
	root := sha256.Sum256(groups[:])
	// "writ-state/v1\nrules %s\nclock %s %q %q\nentries %d\nroot %x\n",
	// written without fmt.
	var buf [512]byte
	b := append(buf[:0], "writ-state/v1\nrules "...)
	b = append(b, s.rulesHash...)
	b = append(b, "\nclock "...)
	b = s.clock.HLC.appendText(b)
	b = append(b, ' ')
	b = strconv.AppendQuote(b, s.clock.Signer)
	b = append(b, ' ')
	b = strconv.AppendQuote(b, s.clock.IdemKey)
	b = append(b, "\nentries "...)
	b = strconv.AppendUint(b, s.entries, 10)
	b = append(b, "\nroot "...)
	b = hex.AppendEncode(b, root[:])
	b = append(b, '\n')
	if s.waits != nil {
		// Only with waits, so that a state without any hashes as it did
		// before waits were recorded.
		b = append(b, "waits "...)
		b = append(b, s.waits.hash...)
		b = append(b, '\n')
	}
	return schemas.HashBytes(b)
}
