package outbox

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// A record's delivery state is stored as one line of tab-separated
// fields, so that listing 10,000 effects parses plain text rather than
// JSON:
//
//	key target event state seq attempts started recorded next done instance thread last_error receipt
//
// Times are Unix nanoseconds (0: none); instance, thread, last_error and
// the receipt's Ref are Go-quoted strings. The effect itself (what a
// notifier renders) is JSON, stored apart (see Book).
const lineFields = 14

// appendLine appends r's state line.
func appendLine(buf []byte, r *Record) []byte {
	buf = append(buf, r.Key...)
	buf = append(buf, '\t')
	buf = append(buf, r.Target...)
	buf = append(buf, '\t')
	buf = append(buf, r.Event...)
	buf = append(buf, '\t')
	buf = append(buf, r.State...)
	for _, n := range []int64{int64(r.Seq), int64(r.Attempts), int64(r.Started), nanos(r.Recorded), nanos(r.NextAttempt), nanos(r.Done)} {
		buf = append(buf, '\t')
		buf = strconv.AppendInt(buf, n, 10)
	}
	ref := ""
	if r.Receipt != nil {
		ref = r.Receipt.Ref
	}
	for _, s := range []string{r.Instance, r.Thread, r.LastError, ref} {
		buf = append(buf, '\t')
		buf = strconv.AppendQuote(buf, s)
	}
	return append(buf, '\n')
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// maxCount bounds a record's attempts and started counts: more is no
// state writ writes (a record is retried at most hourly), only a crafted
// one.
const maxCount = math.MaxInt32

// parseLines decodes a state file; name is for errors. A line that is
// not a record as appendLine writes it (a field out of range, a key that
// is not what KeyOf makes, a state or name writ does not write) is passed
// to bad with its line number and why, and skipped: the other records
// still load. fn gets each record that parses.
func parseLines(data []byte, name string, fn func(*Record), bad func(line int, err error)) {
	for n := 1; len(data) > 0; n++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			bad(n, fmt.Errorf("%s line %d: no final newline", name, n))
			return
		}
		line := string(data[:i])
		data = data[i+1:]
		r, err := parseLine(line)
		if err != nil {
			bad(n, fmt.Errorf("%s line %d: %w", name, n, err))
			continue
		}
		fn(r)
	}
}

// stateFieldNames name parseLine's fields in errors.
var stateFieldNames = [lineFields]string{"key", "target", "event", "state", "seq", "attempts", "started",
	"recorded", "next", "done", "instance", "thread", "last_error", "receipt"}

// parseLine decodes one state line and checks every field is one writ
// writes.
func parseLine(line string) (*Record, error) {
	var f [lineFields]string
	k := 0
	for k < lineFields-1 {
		j := strings.IndexByte(line, '\t')
		if j < 0 {
			break
		}
		f[k], line = line[:j], line[j+1:]
		k++
	}
	if k != lineFields-1 || strings.IndexByte(line, '\t') >= 0 {
		return nil, fmt.Errorf("want %d tab-separated fields", lineFields)
	}
	f[k] = line
	if !ValidKey(f[0]) {
		return nil, fmt.Errorf("field key: %q is not a key (64 lowercase hex digits)", clip(f[0]))
	}
	at := func(j int, err error) error {
		return fmt.Errorf("key %s: field %s: %w", f[0][:12], stateFieldNames[j], err)
	}
	for j := 1; j <= 2; j++ {
		if !validName(f[j]) {
			return nil, at(j, fmt.Errorf("%q is not a name (1 to 64 of a-z, 0-9, '-', '_')", clip(f[j])))
		}
	}
	r := &Record{Effect: Effect{Key: f[0], Target: f[1], Event: Event(f[2])}, State: State(f[3])}
	if r.State != StatePending && r.State != StateDone {
		return nil, at(3, fmt.Errorf("%q is not %s or %s", clip(f[3]), StatePending, StateDone))
	}
	var ints [6]int64
	for j := range ints {
		v, err := strconv.ParseInt(f[4+j], 10, 64)
		if err != nil {
			return nil, at(4+j, err)
		}
		if j < 3 && (v < 0 || j > 0 && v > maxCount) {
			return nil, at(4+j, fmt.Errorf("%d is out of range", v))
		}
		ints[j] = v
	}
	r.Seq, r.Attempts, r.Started = uint64(ints[0]), int(ints[1]), int(ints[2])
	r.Recorded, r.NextAttempt, r.Done = fromNanos(ints[3]), fromNanos(ints[4]), fromNanos(ints[5])
	var strs [4]string
	for j := range strs {
		s, err := unquote(f[10+j])
		if err != nil {
			return nil, at(10+j, err)
		}
		strs[j] = s
	}
	r.Instance, r.Thread, r.LastError = strs[0], strs[1], strs[2]
	if r.State == StateDone {
		r.Receipt = &Receipt{Key: r.Key, Target: r.Target, Ref: strs[3]}
	}
	return r, nil
}

// ValidKey reports whether k is a key as KeyOf makes them: 64 lowercase
// hex digits. Only such keys name the outbox's files (Book).
func ValidKey(k string) bool {
	if len(k) != 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// validName reports whether s is a target or event name as writ writes
// them.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// clip shortens a crafted field for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// unquote is strconv.Unquote with a fast path for strings without
// escapes.
func unquote(s string) (string, error) {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' && strings.IndexByte(s, '\\') < 0 {
		return s[1 : len(s)-1], nil
	}
	return strconv.Unquote(s)
}
