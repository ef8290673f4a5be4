package reconciler

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"

	iradix "github.com/hashicorp/go-immutable-radix"

	"github.com/writ-dev/writ/schemas"
)

// Instance is one execution of a workflow. Its canonical JSON is what its
// hash (and so a proposal's base_state) covers. Fields are declared in the
// order of their JSON names, so encoding/json writes canonical JSON
// directly (see Hash).
type Instance struct {
	ID string `json:"id"`
	// Keys maps every consumed idem_key to how it was consumed ("applied" or
	// "rejected"). A key is never consumed twice.
	Keys  map[string]string `json:"keys"`
	Owner string            `json:"owner,omitempty"`
	// Regions holds, while State is parallel, the current sub-state of each
	// region; it is empty otherwise.
	Regions map[string]string `json:"regions,omitempty"`
	// Resume is where "release" returns a quarantined instance to.
	Resume *Resume `json:"resume,omitempty"`
	// State is the current top-level state.
	State string `json:"state"`
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
	c.Regions = cloneMap(in.Regions)
	c.Keys = cloneMap(in.Keys)
	if in.Resume != nil {
		r := Resume{State: in.Resume.State, Regions: cloneMap(in.Resume.Regions)}
		c.Resume = &r
	}
	return &c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Hash returns the instance hash, "sha256:<hex>" over its canonical JSON.
// The bytes equal schemas.CanonicalJSON(in) (a test holds them to it); they
// are written in one pass because Apply hashes an instance on every entry.
func (in *Instance) Hash() string {
	sc := canonPool.Get().(*canonScratch)
	sc.buf, sc.keys = appendInstanceJSON(sc.buf[:0], sc.keys, in)
	h := hashBytes(sc.buf)
	if cap(sc.buf) <= maxPooled {
		clear(sc.keys[:cap(sc.keys)])
		canonPool.Put(sc)
	}
	return h
}

func hashBytes(b []byte) string { return schemas.HashBytes(b) }

// stored is what the instance tree holds: the instance and its cached hash.
type stored struct {
	inst *Instance
	hash string
}

// State is the folded result of the WAL: the rules in force and every
// instance. A State is immutable: Apply returns a new State that shares
// unchanged parts with the old one, so old States stay valid and cheap.
type State struct {
	rules     *schemas.Bundle
	rulesHash string
	instances *iradix.Tree // key: bucket byte + instance id
	buckets   [256]string  // hash of each bucket of instances
	groups    [16][32]byte // hash of each run of 16 bucket hashes
	clock     Stamp
	entries   uint64
	// lazy holds the buckets of a restored snapshot that have not been
	// read yet; unloaded marks which of them are not in instances.
	lazy     *lazySource
	unloaded bucketSet
}

// HashRules returns the rules hash a genesis or rules entry installs:
// "sha256:<hex>" over the canonical JSON of the bundle (trust files
// included). Apply, Restore and the WAL's Writ-Rules trailer all use it.
func HashRules(b *schemas.Bundle) (string, error) {
	canon, err := schemas.CanonicalJSON(b)
	if err != nil {
		return "", fmt.Errorf("rules hash: %w", err)
	}
	return hashBytes(canon), nil
}

// emptyBucket is the hash of a bucket with no instances.
var emptyBucket = hashBytes(nil)

// NewState returns the state before the first entry: no rules, no
// instances.
func NewState() State {
	s := State{instances: iradix.New()}
	for i := range s.buckets {
		s.buckets[i] = emptyBucket
	}
	for g := range s.groups {
		s.groups[g] = s.groupHash(g)
	}
	return s
}

// groupHash hashes buckets 16g .. 16g+15.
func (s *State) groupHash(g int) [32]byte {
	var buf [16 * 71]byte // 16 "sha256:" + 64 hex digits
	b := buf[:0]
	for _, h := range s.buckets[g*16 : g*16+16] {
		b = append(b, h...)
	}
	return sha256.Sum256(b)
}

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
	n := s.instances.Len()
	for b := range 256 {
		if s.unloaded.has(byte(b)) {
			n += s.lazy.count[b]
		}
	}
	return n
}

func bucketOf(id string) byte {
	sum := sha256.Sum256([]byte(id))
	return sum[0]
}

func instanceKey(id string) []byte {
	return append([]byte{bucketOf(id)}, id...)
}

// lookup returns the named instance as stored, reading its bucket from a
// restored snapshot if it is not loaded yet.
func (s State) lookup(id string) (stored, bool) {
	key := instanceKey(id)
	if s.unloaded.has(key[0]) {
		return s.lazy.find(key[0], id)
	}
	v, ok := s.instances.Get(key)
	if !ok {
		return stored{}, false
	}
	return v.(stored), true
}

// Instance returns a copy of the named instance.
func (s State) Instance(id string) (*Instance, bool) {
	st, ok := s.lookup(id)
	if !ok {
		return nil, false
	}
	return st.inst.clone(), true
}

// InstanceHash returns the hash of the named instance, or BaseStateNone if
// it does not exist. Proposals put this value in base_state.
func (s State) InstanceHash(id string) string {
	st, ok := s.lookup(id)
	if !ok {
		return schemas.BaseStateNone
	}
	return st.hash
}

// Instances returns copies of every instance, sorted by id.
func (s State) Instances() []*Instance {
	out := make([]*Instance, 0, s.Len())
	s.instances.Root().Walk(func(_ []byte, v interface{}) bool {
		out = append(out, v.(stored).inst.clone())
		return false
	})
	for b := range 256 {
		if s.unloaded.has(byte(b)) {
			for _, st := range s.lazy.mustBucket(byte(b)) {
				out = append(out, st.inst.clone())
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// withInstance returns a copy of s with in stored, and its bucket and the
// bucket's group rehashed. Cost does not grow with the number of instances
// beyond a 1/256 share.
func (s State) withInstance(in *Instance) State {
	key := instanceKey(in.ID)
	s = s.materialize(key[0])
	s.instances, _, _ = s.instances.Insert(key, stored{inst: in, hash: in.Hash()})
	s.buckets[key[0]] = s.bucketHash(key[0])
	s.groups[key[0]>>4] = s.groupHash(int(key[0] >> 4))
	return s
}

func (s State) bucketHash(b byte) string {
	var items []stored
	s.instances.Root().WalkPrefix([]byte{b}, func(_ []byte, v interface{}) bool {
		items = append(items, v.(stored))
		return false
	})
	return hashBucket(items)
}

// hashBucket hashes one bucket's instances, given sorted by id: a line
// "<id>\0<instance hash>\n" per instance.
func hashBucket(items []stored) string {
	if len(items) == 0 {
		return emptyBucket
	}
	var buf [1024]byte
	b := buf[:0]
	for _, st := range items {
		b = append(b, st.inst.ID...)
		b = append(b, 0)
		b = append(b, st.hash...)
		b = append(b, '\n')
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Hash returns the repository state hash, "sha256:<hex>": a Merkle tree
// (instances → 256 buckets → 16 groups → root) combined with the rules hash,
// the clock and the entry count. Equal states give equal hashes on every
// machine. It costs one small hash over the cached group hashes.
func (s State) Hash() string {
	var groups [16 * 32]byte
	for i, g := range s.groups {
		copy(groups[i*32:], g[:])
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
	return hashBytes(b)
}
