package schemas

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Bounds of a trigger's ref and URL, in bytes: the proposal schema's
// maxLength for trigger.ref and trigger.url.
const (
	MaxTriggerRef = 256
	MaxTriggerURL = 2048
)

// ErrTrigger is what CheckSourceTrigger wraps.
var ErrTrigger = errors.New("invalid trigger")

// triggerKinds are the known TriggerKinds, in the order errors list them.
var triggerKinds = [...]TriggerKind{TriggerPullRequest, TriggerIssue, TriggerIncident, TriggerSchedule, TriggerManual}

// CheckSourceTrigger reports why t cannot be a trigger that a source (the
// pull request that carried a proposal) records on the reconciler's word
// (the Writ-Trigger trailer of a transition entry): its kind must be one
// of the TriggerKinds; its ref, when given, one word of at most
// MaxTriggerRef bytes ("octo-org/octo-repo#3"); its URL an absolute http
// or https URL with a host and no credentials, of at most MaxTriggerURL
// bytes. Neither may hold a space, a control or a format character
// (FirstUnprintable). The error wraps ErrTrigger and names the field. It
// is pure: the edge that writes an entry and the reducer that folds one
// judge the same value the same way.
func CheckSourceTrigger(t Trigger) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrTrigger, fmt.Sprintf(format, args...))
	}
	known := false
	names := make([]string, len(triggerKinds))
	for i, k := range triggerKinds {
		names[i] = string(k)
		known = known || t.Kind == k
	}
	if !known {
		return bad("kind %q is not one of %s", t.Kind, strings.Join(names, ", "))
	}
	if err := checkTriggerWord("ref", t.Ref, MaxTriggerRef); err != nil {
		return bad("%v", err)
	}
	if t.URL == "" {
		return bad("url is empty: want the http(s) link of the %s", t.Kind)
	}
	if err := checkTriggerWord("url", t.URL, MaxTriggerURL); err != nil {
		return bad("%v", err)
	}
	u, err := url.Parse(t.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		return bad("url %q is not an absolute http(s) URL with a host", t.URL)
	case u.User != nil:
		return bad("url holds credentials (user info before the host); a trigger links without them")
	}
	return nil
}

// checkTriggerWord refuses a field over max bytes, or holding a control,
// format or space character.
func checkTriggerWord(field, v string, max int) error {
	if len(v) > max {
		return fmt.Errorf("%s is longer than %d bytes (%d)", field, max, len(v))
	}
	if r, at, ok := FirstUnprintable(v); ok {
		return fmt.Errorf("%s holds the control or format character %U at character %d", field, r, at)
	}
	if strings.ContainsFunc(v, unicode.IsSpace) {
		return fmt.Errorf("%s holds a space; want one word", field)
	}
	return nil
}
