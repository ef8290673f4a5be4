package reconciler

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/writ-dev/writ/schemas"
)

// snapshotVersion is the format version of a snapshot.
const snapshotVersion = 1

// snapshot is the canonical JSON form of a State.
type snapshot struct {
	Version   int             `json:"version"`
	Hash      string          `json:"hash"`
	Rules     *schemas.Bundle `json:"rules"`
	Clock     Stamp           `json:"clock"`
	Entries   uint64          `json:"entries"`
	Instances []*Instance     `json:"instances"`
}

// Snapshot encodes the state as JSON, including its own hash so Restore can
// prove it rebuilt the same state. The bytes are deterministic for a given
// state; they need not be canonical, because nothing hashes them: Restore
// recomputes every hash from the decoded values.
func (s State) Snapshot() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(snapshot{
		Version: snapshotVersion, Hash: s.Hash(), Rules: s.rules,
		Clock: s.clock, Entries: s.entries, Instances: s.Instances(),
	}); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Restore decodes a snapshot and checks that the rebuilt state hashes to
// the hash the snapshot recorded.
func Restore(data []byte) (State, error) {
	var snap snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		return State{}, fmt.Errorf("restore snapshot: %w", err)
	}
	if snap.Version != snapshotVersion {
		return State{}, fmt.Errorf("restore snapshot: version %d, want %d", snap.Version, snapshotVersion)
	}
	s := NewState()
	if snap.Rules != nil {
		hash, err := HashRules(snap.Rules)
		if err != nil {
			return State{}, fmt.Errorf("restore snapshot: %w", err)
		}
		s.rules, s.rulesHash = snap.Rules, hash
	}
	s.clock, s.entries = snap.Clock, snap.Entries
	for _, in := range snap.Instances {
		if in == nil || in.ID == "" {
			return State{}, fmt.Errorf("restore snapshot: instance without id")
		}
		if in.Keys == nil {
			in.Keys = map[string]string{}
		}
		s = s.withInstance(in)
	}
	if got := s.Hash(); got != snap.Hash {
		return State{}, fmt.Errorf("restore snapshot: rebuilt state hashes to %s, snapshot says %s", got, snap.Hash)
	}
	return s, nil
}
