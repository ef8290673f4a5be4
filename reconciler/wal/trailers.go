package wal

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of the message format, always wrapped with the line or trailer at
// fault; test for them with errors.Is.
var (
	// ErrMalformedMessage means a commit message does not parse as
	// subject, body and trailer block.
	ErrMalformedMessage = errors.New("malformed commit message")

	// ErrInvalidTrailer means a trailer cannot be written so that it parses
	// back identically (bad key, empty or multi-line value).
	ErrInvalidTrailer = errors.New("invalid trailer")
)

// Trailer is one "Key: value" line of a commit message's trailer block.
type Trailer struct {
	Key   string
	Value string
}

// Trailers is an ordered trailer block; keys may repeat (one Writ-Approval
// per approval).
type Trailers []Trailer

// Get returns the values of every trailer whose key equals key, ignoring
// case as git does, in message order.
func (t Trailers) Get(key string) []string {
	var out []string
	for _, tr := range t {
		if strings.EqualFold(tr.Key, key) {
			out = append(out, tr.Value)
		}
	}
	return out
}

// trailerKeyPattern is what a trailer key must match, for messages.
const trailerKeyPattern = `^[A-Za-z0-9-]+$`

// keyLen returns the length of the run of key characters ([A-Za-z0-9-])
// at the start of s. Replay decodes trailers on every entry, so this is a
// loop rather than a regular expression.
func keyLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return i
		}
	}
	return len(s)
}

// isTrailerKey reports whether s matches trailerKeyPattern.
func isTrailerKey(s string) bool { return s != "" && keyLen(s) == len(s) }

// looksLikeTrailer decides whether a last paragraph is meant as a trailer
// block: its first line starts with a key and a colon.
func looksLikeTrailer(line string) bool {
	n := keyLen(line)
	return n > 0 && n < len(line) && line[n] == ':'
}

// FormatMessage renders a commit message: the subject line, a blank line
// and the body (when not empty), a blank line and the trailer block (when
// there are trailers), ending in a newline. Trailer keys must match
// ^[A-Za-z0-9-]+$ and values must be non-empty single lines without leading
// or trailing whitespace (ErrInvalidTrailer otherwise). The result is
// checked to parse back to the same subject, body and trailers (so, for
// example, a body whose last paragraph looks like trailers is refused when
// there are none), and `git interpret-trailers --parse` reads the same
// trailers from it, provided the body has no "---" line (git's patch
// divider) and no "#" comment lines.
func FormatMessage(subject, body string, trailers []Trailer) (string, error) {
	if strings.ContainsAny(subject, "\r\n") || strings.TrimSpace(subject) == "" {
		return "", fmt.Errorf("%w: subject must be one non-blank line", ErrMalformedMessage)
	}
	body = trimBlankLines(body)
	var b strings.Builder
	b.WriteString(subject)
	b.WriteByte('\n')
	if body != "" {
		b.WriteByte('\n')
		b.WriteString(body)
		b.WriteByte('\n')
	}
	for i, t := range trailers {
		if !isTrailerKey(t.Key) {
			return "", fmt.Errorf("%w: trailer %d: key %q must match %s", ErrInvalidTrailer, i+1, t.Key, trailerKeyPattern)
		}
		if t.Value == "" || strings.ContainsAny(t.Value, "\r\n") || t.Value != strings.TrimSpace(t.Value) {
			return "", fmt.Errorf("%w: trailer %s: value %q must be one non-empty line without surrounding spaces", ErrInvalidTrailer, t.Key, t.Value)
		}
		if i == 0 {
			b.WriteByte('\n')
		}
		b.WriteString(t.Key)
		b.WriteString(": ")
		b.WriteString(t.Value)
		b.WriteByte('\n')
	}
	msg := b.String()
	s2, b2, t2, err := ParseMessage(msg)
	if err != nil {
		return "", fmt.Errorf("format message: would not parse back: %w", err)
	}
	if s2 != subject || b2 != body || !sameTrailers(t2, trailers) {
		return "", fmt.Errorf("%w: body's last paragraph would parse as trailers", ErrMalformedMessage)
	}
	return msg, nil
}

func sameTrailers(a Trailers, b []Trailer) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ParseMessage splits a commit message into its subject (first line), body
// and trailer block, strictly. The subject must be followed by a blank line
// (or end the message). The trailer block is the last paragraph (after the
// last blank or whitespace-only line, never the subject) when its first
// line starts like a trailer ("Key:"); then every line of it must be a
// trailer "Key: value" with a key matching ^[A-Za-z0-9-]+$ and a non-empty
// value (surrounding spaces trimmed), else the error names the line. Folded
// (continuation) lines are refused. The body is everything between subject
// and trailers, without surrounding blank or whitespace-only lines (the
// same normalisation FormatMessage applies). Errors wrap
// ErrMalformedMessage. ParseMessage is pure and never panics.
func ParseMessage(msg string) (subject, body string, trailers Trailers, err error) {
	msg = strings.TrimRight(msg, "\n")
	lines := strings.Split(msg, "\n")
	subject = lines[0]
	if strings.TrimSpace(subject) == "" {
		return "", "", nil, fmt.Errorf("%w: line 1: empty subject", ErrMalformedMessage)
	}
	if len(lines) == 1 {
		return subject, "", nil, nil
	}
	if !isBlank(lines[1]) {
		return "", "", nil, fmt.Errorf("%w: line 2: expected a blank line after the subject", ErrMalformedMessage)
	}
	rest := lines[2:] // 0-based index i here is line i+3
	start := len(rest)
	for start > 0 && !isBlank(rest[start-1]) {
		start--
	}
	bodyEnd := len(rest)
	if start < len(rest) && looksLikeTrailer(rest[start]) {
		for i, l := range rest[start:] {
			t, perr := parseTrailerLine(l)
			if perr != nil {
				return "", "", nil, fmt.Errorf("%w: line %d: %v", ErrMalformedMessage, start+i+3, perr)
			}
			trailers = append(trailers, t)
		}
		bodyEnd = start
	}
	// The body is lines first..last of rest, without blank lines around
	// them: the part of msg they are (no copy).
	first, last := 0, bodyEnd
	for first < last && isBlank(rest[first]) {
		first++
	}
	for last > first && isBlank(rest[last-1]) {
		last--
	}
	if first < last {
		start := len(lines[0]) + 1 + len(lines[1]) + 1
		for _, l := range rest[:first] {
			start += len(l) + 1
		}
		end := start - 1
		for _, l := range rest[first:last] {
			end += len(l) + 1
		}
		body = msg[start:end]
	}
	return subject, body, trailers, nil
}

func parseTrailerLine(l string) (Trailer, error) {
	if l != "" && (l[0] == ' ' || l[0] == '\t') {
		return Trailer{}, fmt.Errorf("continuation line %q in trailer block (values are single-line)", l)
	}
	key, value, ok := strings.Cut(l, ":")
	if !ok {
		return Trailer{}, fmt.Errorf("%q in trailer block is not a \"Key: value\" trailer", l)
	}
	if !isTrailerKey(key) {
		return Trailer{}, fmt.Errorf("trailer key %q must match %s", key, trailerKeyPattern)
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return Trailer{}, fmt.Errorf("trailer %s has an empty value", key)
	}
	return Trailer{Key: key, Value: value}, nil
}

// trimBlankLines drops leading and trailing blank (or whitespace-only)
// lines.
func trimBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	i, j := 0, len(lines)
	for i < j && isBlank(lines[i]) {
		i++
	}
	for j > i && isBlank(lines[j-1]) {
		j--
	}
	return strings.Join(lines[i:j], "\n")
}

func isBlank(l string) bool { return strings.TrimSpace(l) == "" }
