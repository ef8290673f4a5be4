package core

import (
	"fmt"

	"github.com/writ-dev/writ/schemas"
)

// taskIdentityDomain separates task ids from every other SHA-256 writ
// records (state, instance, proposal content, block ids), so no two kinds
// of object can share a hash by having the same JSON.
const taskIdentityDomain = "writ/task/v1"

// taskIdentity is exactly what TaskID hashes, in canonical JSON:
//
//	{"domain":"writ/task/v1","origin":<origin>,"payload":<payload>,"type":<type>}
//
// with object keys sorted at every level, no insignificant whitespace and
// numbers in their shortest form (schemas.CanonicalJSON).
type taskIdentity struct {
	Domain  string `json:"domain"`
	Origin  string `json:"origin"`
	Payload any    `json:"payload"`
	Type    string `json:"type"`
}

// TaskID returns the id of the task of type typ with payload payload that
// comes from origin: "sha256:<hex>" of the canonical JSON of
// {"domain":"writ/task/v1","origin":origin,"payload":payload,"type":typ}
// (see taskIdentity). Origin names where the task belongs (the lineage of
// the goal it serves), never who declared it, so the same task declared
// twice, by one identity or by two, is one task.
//
// The payload is hashed as its JSON value: map order, struct field order
// and the Go type of a number do not change the id (1, 1.0 and int64(1)
// are one payload); a nil payload is JSON null, which differs from an
// empty object. TaskID is pure and deterministic; it returns an error
// wrapping ErrTaskIdentity, never panics, when typ is empty or the payload
// has no JSON form (NaN, a channel, a func).
func TaskID(typ string, payload any, origin string) (string, error) {
	if typ == "" {
		return "", fmt.Errorf("%w: the task type is empty (origin %q)", ErrTaskIdentity, origin)
	}
	b, err := schemas.CanonicalJSON(taskIdentity{Domain: taskIdentityDomain, Origin: origin, Payload: payload, Type: typ})
	if err != nil {
		return "", fmt.Errorf("%w: task %q of origin %q: the payload has no canonical JSON form: %w", ErrTaskIdentity, typ, origin, err)
	}
	return schemas.HashBytes(b), nil
}
