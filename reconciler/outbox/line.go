package outbox

import (
	"bytes"
	"fmt"
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

// parseLines decodes a state file; name is for errors.
func parseLines(data []byte, name string, fn func(*Record)) error {
	var f [lineFields]string
	for n := 1; len(data) > 0; n++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return fmt.Errorf("%s line %d: no final newline", name, n)
		}
		line := string(data[:i])
		data = data[i+1:]
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
			return fmt.Errorf("%s line %d: want %d tab-separated fields", name, n, lineFields)
		}
		f[k] = line
		r := &Record{Effect: Effect{Key: f[0], Target: f[1], Event: Event(f[2])}, State: State(f[3])}
		var ints [6]int64
		for j := range ints {
			v, err := strconv.ParseInt(f[4+j], 10, 64)
			if err != nil {
				return fmt.Errorf("%s line %d: field %d: %w", name, n, 5+j, err)
			}
			ints[j] = v
		}
		r.Seq, r.Attempts, r.Started = uint64(ints[0]), int(ints[1]), int(ints[2])
		r.Recorded, r.NextAttempt, r.Done = fromNanos(ints[3]), fromNanos(ints[4]), fromNanos(ints[5])
		var strs [4]string
		for j := range strs {
			s, err := unquote(f[10+j])
			if err != nil {
				return fmt.Errorf("%s line %d: field %d: %w", name, n, 11+j, err)
			}
			strs[j] = s
		}
		r.Instance, r.Thread, r.LastError = strs[0], strs[1], strs[2]
		if r.State == StateDone {
			r.Receipt = &Receipt{Key: r.Key, Target: r.Target, Ref: strs[3]}
		}
		if r.State != StatePending && r.State != StateDone || len(r.Key) < 2 {
			return fmt.Errorf("%s line %d: bad key or state %q", name, n, r.State)
		}
		fn(r)
	}
	return nil
}

// unquote is strconv.Unquote with a fast path for strings without
// escapes.
func unquote(s string) (string, error) {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' && strings.IndexByte(s, '\\') < 0 {
		return s[1 : len(s)-1], nil
	}
	return strconv.Unquote(s)
}
