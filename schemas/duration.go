package schemas

import (
	"errors"
	"fmt"
	"time"
)

// MaxDuration is the longest duration a rules file may write: ten years
// of 365 days.
const MaxDuration = 10 * 365 * 24 * time.Hour

// durationUnits are the units ParseDuration accepts, largest first.
var durationUnits = []struct {
	unit byte
	d    time.Duration
}{{'w', 7 * 24 * time.Hour}, {'d', 24 * time.Hour}, {'h', time.Hour}, {'m', time.Minute}, {'s', time.Second}}

// errDurationSyntax is what ParseDuration says about any text it cannot read.
var errDurationSyntax = errors.New("write whole numbers with units w, d, h, m or s, largest first, such as 30m, 3d or 1d12h")

// ParseDuration reads a duration as rules files write it: one or more
// whole numbers each followed by a unit, w (7 days), d (24 hours), h, m or
// s, each unit at most once and largest first ("30m", "3d", "1d12h"). A
// day is always 24 hours: durations are measured in entries' clock time,
// never on a calendar. The result is positive and at most MaxDuration.
// ParseDuration is pure.
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, errDurationSyntax
	}
	var total time.Duration
	next := 0 // index into durationUnits of the largest unit still allowed
	for i := 0; i < len(s); {
		start := i
		var n int64
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if n > int64(MaxDuration/time.Second) {
				return 0, fmt.Errorf("longer than the limit of %dd", MaxDuration/(24*time.Hour))
			}
			n = n*10 + int64(s[i]-'0')
			i++
		}
		if i == start || i == len(s) {
			return 0, errDurationSyntax
		}
		u := -1
		for k := next; k < len(durationUnits); k++ {
			if durationUnits[k].unit == s[i] {
				u = k
				break
			}
		}
		if u < 0 {
			return 0, errDurationSyntax
		}
		next, i = u+1, i+1
		d := durationUnits[u].d
		if n > int64(MaxDuration/d) {
			return 0, fmt.Errorf("longer than the limit of %dd", MaxDuration/(24*time.Hour))
		}
		total += time.Duration(n) * d
		if total > MaxDuration {
			return 0, fmt.Errorf("longer than the limit of %dd", MaxDuration/(24*time.Hour))
		}
	}
	if total <= 0 {
		return 0, errors.New("a duration must be longer than zero")
	}
	return total, nil
}
