package schemas

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// CanonicalJSON encodes v as canonical JSON: object keys sorted, no
// insignificant whitespace, no HTML escaping, numbers in their shortest
// form. Equal values always give equal bytes, so hashes over the result are
// stable across machines and runs.
func CanonicalJSON(v any) ([]byte, error) {
	// Replay canonicalises a proposal per WAL entry: write it directly
	// when possible (same bytes; see appendCanonicalProposal).
	if p, ok := v.(*Proposal); ok && p != nil {
		if b, ok := appendCanonicalProposal(nil, p); ok {
			return b, nil
		}
	}
	return canonicalGeneric(v)
}

// canonicalGeneric is CanonicalJSON for any value.
func canonicalGeneric(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	// Round-trip through a generic value so struct field order and map
	// order cannot leak into the bytes.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// HashBytes returns "sha256:<hex>" of b: the form of every hash writ
// records (state, instance, rules, proposal content). It allocates only
// the result: replay makes several per entry.
func HashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	var buf [len("sha256:") + 2*sha256.Size]byte
	n := copy(buf[:], "sha256:")
	hex.Encode(buf[n:], sum[:])
	return string(buf[:])
}
