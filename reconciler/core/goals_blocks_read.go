package core

import (
	"fmt"
	"slices"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// BlockStatus is where a block stands, derived from a BlockSet and the
// goal's quorum.
type BlockStatus string

// The statuses of a block.
const (
	// BlockUnknown: nobody declared it (events about it may be recorded).
	BlockUnknown BlockStatus = "unknown"
	// BlockClaimed: declared, not yet confirmed by the quorum.
	BlockClaimed BlockStatus = "claimed"
	// BlockConfirmed: the quorum confirmed it; the prerequisite is
	// actionable and the blocked task waits.
	BlockConfirmed BlockStatus = "confirmed"
	// BlockDismissed: refuted by the quorum of refutations, or removed as
	// dismissed.
	BlockDismissed BlockStatus = "dismissed"
	// BlockResolved: removed as resolved.
	BlockResolved BlockStatus = "resolved"
)

// BlockQuorum is how many distinct identities it takes to confirm a block
// and to dismiss it. Zero or less means the defaults of a goal: 2
// confirmations, 1 refutation.
type BlockQuorum struct {
	Confirm int
	Refute  int
}

func (q BlockQuorum) norm() BlockQuorum {
	if q.Confirm <= 0 {
		q.Confirm = 2
	}
	if q.Refute <= 0 {
		q.Refute = 1
	}
	return q
}

// span returns the part of sorted s whose block is id.
func span[T any](s []T, id string, key func(T) string) []T {
	lo, _ := slices.BinarySearchFunc(s, id, func(x T, id string) int { return strings.Compare(key(x), id) })
	hi := lo
	for hi < len(s) && key(s[hi]) == id {
		hi++
	}
	return s[lo:hi]
}

func (s BlockSet) claims(id string) []BlockClaim {
	return span(s.bucket(id).added, id, func(c BlockClaim) string { return c.ID })
}

func (s BlockSet) removals(id string) []BlockRemoval {
	return span(s.bucket(id).removed, id, func(r BlockRemoval) string { return r.Block })
}

func votes(v []BlockVote, id string) []BlockVote {
	return span(v, id, func(x BlockVote) string { return x.Block })
}

// blockEvents are the events about one block: the spans of its bucket's
// lists that name it, found with one lookup.
type blockEvents struct {
	claims    []BlockClaim
	removals  []BlockRemoval
	confirmed []BlockVote
	refuted   []BlockVote
}

// events returns the events about block id.
func (s BlockSet) events(id string) blockEvents {
	b := s.bucket(id)
	return blockEvents{
		claims:    span(b.added, id, func(c BlockClaim) string { return c.ID }),
		removals:  span(b.removed, id, func(r BlockRemoval) string { return r.Block }),
		confirmed: votes(b.confirmed, id),
		refuted:   votes(b.refuted, id),
	}
}

// declarers are the identities that declared the block, sorted.
func (e blockEvents) declarers() []string { return e.appendDeclarers(nil) }

// appendDeclarers appends declarers to dst.
func (e blockEvents) appendDeclarers(dst []string) []string {
	for _, c := range e.claims {
		dst = append(dst, c.Declarer)
	}
	return dst
}

// confirmations are the identities whose confirmation counts, sorted:
// never a declarer (claims are sorted by declarer).
func (e blockEvents) confirmations() []string { return e.appendConfirmations(nil) }

// appendConfirmations appends confirmations to dst.
func (e blockEvents) appendConfirmations(dst []string) []string {
	for _, v := range e.confirmed {
		_, self := slices.BinarySearchFunc(e.claims, v.Identity, func(c BlockClaim, who string) int { return strings.Compare(c.Declarer, who) })
		if !self {
			dst = append(dst, v.Identity)
		}
	}
	return dst
}

// refutations are the identities that refuted the block, sorted.
func (e blockEvents) refutations() []string { return e.appendRefutations(nil) }

// appendRefutations appends refutations to dst.
func (e blockEvents) appendRefutations(dst []string) []string {
	for _, v := range e.refuted {
		dst = append(dst, v.Identity)
	}
	return dst
}

// Claims returns the declarations of block id, sorted by declarer (a
// copy).
func (s BlockSet) Claims(id string) []BlockClaim { return slices.Clone(s.claims(id)) }

// Declarers returns the identities that declared block id, sorted.
func (s BlockSet) Declarers(id string) []string { return s.events(id).declarers() }

// Removed reports whether block id was removed (resolved or dismissed):
// once true, it stays true in every later or merged set.
func (s BlockSet) Removed(id string) bool { return len(s.removals(id)) > 0 }

// Active returns the ids of the blocks added and not removed (the 2P-set's
// value: Added − Removed), sorted. The quorum is not considered: see
// Status.
func (s BlockSet) Active() []string {
	var out []string
	for _, b := range s.filled() {
		for i, c := range b.added {
			if (i == 0 || b.added[i-1].ID != c.ID) && !s.Removed(c.ID) {
				out = append(out, c.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Open returns the ids of the blocks that still hold under quorum q
// (status claimed or confirmed), sorted: Active without the blocks the
// refutations dismissed before anyone recorded their removal.
func (s BlockSet) Open(q BlockQuorum) []string {
	var out []string
	for _, id := range s.Active() {
		if st := s.Status(id, q); st == BlockClaimed || st == BlockConfirmed {
			out = append(out, id)
		}
	}
	return out
}

// Confirmations returns the identities whose confirmation of block id
// counts, sorted: each identity once, however often it confirmed, and
// never a declarer of the block.
func (s BlockSet) Confirmations(id string) []string { return s.events(id).confirmations() }

// Refutations returns the identities that refuted block id, sorted, each
// once.
func (s BlockSet) Refutations(id string) []string { return s.events(id).refutations() }

// Status returns where block id stands under quorum q. Removal comes
// first (resolved when any removal says so, else dismissed), then
// refutations (q.Refute of them dismiss), then confirmations (q.Confirm
// counted ones confirm). Every input that makes a block dismissed or
// resolved only grows, so neither status is ever undone by more events.
func (s BlockSet) Status(id string, q BlockQuorum) BlockStatus { return s.events(id).status(q) }

// status is Status of the block these events are about.
func (e blockEvents) status(q BlockQuorum) BlockStatus {
	q = q.norm()
	if len(e.removals) > 0 {
		for _, r := range e.removals {
			if r.Reason == Resolved {
				return BlockResolved
			}
		}
		return BlockDismissed
	}
	if len(e.refuted) >= q.Refute {
		return BlockDismissed
	}
	if len(e.claims) == 0 {
		return BlockUnknown
	}
	if len(e.confirmations()) >= q.Confirm {
		return BlockConfirmed
	}
	return BlockClaimed
}

// CheckConfirm is the guard for a confirmation of block id by identity:
// it refuses one of an undeclared block (ErrUnknownBlock), of a removed
// block (ErrBlockRemoved) and by a declarer of the block
// (ErrSelfConfirm). A repeated confirmation passes: it counts once.
func (s BlockSet) CheckConfirm(id, identity string) error {
	switch {
	case len(s.claims(id)) == 0:
		return fmt.Errorf("%w: %s: declare it before confirming it", ErrUnknownBlock, id)
	case s.Removed(id):
		return fmt.Errorf("%w: %s cannot be confirmed", ErrBlockRemoved, id)
	}
	if _, self := slices.BinarySearch(s.Declarers(id), identity); self {
		return fmt.Errorf("%w: %s declared %s; another identity must confirm it", ErrSelfConfirm, identity, id)
	}
	return nil
}

// blockSetJSON is the canonical form of a BlockSet: four sorted,
// duplicate-free lists, empty lists written as [].
type blockSetJSON struct {
	Added     []BlockClaim   `json:"added"`
	Removed   []BlockRemoval `json:"removed"`
	Confirmed []BlockVote    `json:"confirmed"`
	Refuted   []BlockVote    `json:"refuted"`
}

// MarshalJSON writes the set as
// {"added":[…],"confirmed":[…],"refuted":[…],"removed":[…]}, each list
// sorted: equal sets give equal bytes.
func (s BlockSet) MarshalJSON() ([]byte, error) {
	return schemas.CanonicalJSON(s.lists())
}

// lists returns the set's four lists, each sorted, empty ones as [].
func (s BlockSet) lists() blockSetJSON {
	j := blockSetJSON{Added: []BlockClaim{}, Removed: []BlockRemoval{}, Confirmed: []BlockVote{}, Refuted: []BlockVote{}}
	for _, b := range s.filled() {
		j.Added = append(j.Added, b.added...)
		j.Removed = append(j.Removed, b.removed...)
		j.Confirmed = append(j.Confirmed, b.confirmed...)
		j.Refuted = append(j.Refuted, b.refuted...)
	}
	slices.SortFunc(j.Added, cmpClaim)
	slices.SortFunc(j.Removed, cmpRemoval)
	slices.SortFunc(j.Confirmed, cmpVote)
	slices.SortFunc(j.Refuted, cmpVote)
	return j
}

// inSetOrder returns every event of the set in the set's order: bucket
// by bucket, each list sorted within a bucket (as lists sorts it
// globally). blockSetOf takes them back without sorting or copying.
func (s BlockSet) inSetOrder() blockSetJSON {
	var j blockSetJSON
	filled := s.filled()
	for _, b := range filled {
		j.Added = append(j.Added, b.added...)
		j.Removed = append(j.Removed, b.removed...)
		j.Confirmed = append(j.Confirmed, b.confirmed...)
		j.Refuted = append(j.Refuted, b.refuted...)
	}
	return j
}

// filled returns the set's non-empty buckets in bucket order.
func (s BlockSet) filled() []*blockBucket {
	var out []*blockBucket
	for _, b := range s.buckets.all {
		if b != nil {
			out = append(out, b)
		}
	}
	return out
}

// Hash returns "sha256:<hex>" of the set's canonical JSON (MarshalJSON):
// two sets have one hash exactly when they hold the same events.
func (s BlockSet) Hash() string {
	b, err := s.MarshalJSON()
	if err != nil { // only strings inside; keep the method total anyway
		return ""
	}
	return schemas.HashBytes(b)
}

// Equal reports whether s and o hold the same events.
func (s BlockSet) Equal(o BlockSet) bool {
	for i := range blockBuckets {
		var a, b blockBucket
		if p := s.buckets.at(i); p != nil {
			a = *p
		}
		if p := o.buckets.at(i); p != nil {
			b = *p
		}
		if !slices.Equal(a.added, b.added) || !slices.Equal(a.removed, b.removed) ||
			!slices.Equal(a.confirmed, b.confirmed) || !slices.Equal(a.refuted, b.refuted) {
			return false
		}
	}
	return true
}
