package gitstore

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// minSecret is the shortest string redacted: shorter ones would blank out
// ordinary words, and no real token is that short.
const minSecret = 4

// redacted replaces a secret in text.
const redacted = "***"

// noteSecrets records strings that must never appear in an error of this
// Store: tokens, header values, URL passwords.
func (s *Store) noteSecrets(secrets ...string) {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	s.secrets = appendSecrets(s.secrets, secrets...)
}

// appendSecrets adds the new, long enough secrets, longest first (so a
// secret containing another is replaced whole).
func appendSecrets(list []string, secrets ...string) []string {
	for _, sec := range secrets {
		if len(sec) < minSecret || containsString(list, sec) {
			continue
		}
		list = append(list, sec)
	}
	sort.SliceStable(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	return list
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// redact replaces every recorded secret in text.
func (s *Store) redact(text string) string {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	for _, sec := range s.secrets {
		text = strings.ReplaceAll(text, sec, redacted)
	}
	return text
}

// scrub returns err with every recorded secret replaced in its message.
// An error whose message holds none is returned as it is; otherwise the
// result keeps, for errors.Is, the sentinels the original matched, and
// drops the rest of the chain (which could print the secret).
func (s *Store) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := s.redact(msg)
	if clean == msg {
		return err
	}
	r := &redactedError{msg: clean}
	for _, k := range scrubKinds {
		if errors.Is(err, k) {
			r.kinds = append(r.kinds, k)
		}
	}
	return r
}

// scrubKinds are the sentinels a redacted error still answers to.
var scrubKinds = []error{
	ErrRemote, ErrAuth, ErrRefMoved, ErrNoRef, ErrNonFastForward, ErrNotFound, ErrRefLocked, ErrShallow,
	errInTransit, context.Canceled, context.DeadlineExceeded,
	transport.ErrAuthenticationRequired, transport.ErrAuthorizationFailed, transport.ErrRepositoryNotFound,
}

// redactedError is an error whose message had secrets replaced.
type redactedError struct {
	msg   string
	kinds []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.kinds }

// redactedEndpoint shows an endpoint without its password.
func redactedEndpoint(ep *transport.Endpoint) string {
	if ep.Password == "" {
		return ep.String()
	}
	c := *ep
	c.Password = "REDACTED"
	return c.String()
}
