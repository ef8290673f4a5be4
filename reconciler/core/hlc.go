package core

import (
	"fmt"
	"strconv"
	"strings"
)

// HLC is a hybrid logical clock timestamp: wall-clock milliseconds plus a
// logical counter that breaks ties within one millisecond. Its text form is
// "<wall>.<logical>", both decimal without leading zeros.
type HLC struct {
	Wall    int64  `json:"wall"`
	Logical uint32 `json:"logical"`
}

// MarshalJSON writes {"logical":L,"wall":W}: keys in sorted order, so
// structs holding an HLC encode as canonical JSON directly.
func (h HLC) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 48)
	b = append(b, `{"logical":`...)
	b = strconv.AppendUint(b, uint64(h.Logical), 10)
	b = append(b, `,"wall":`...)
	b = strconv.AppendInt(b, h.Wall, 10)
	return append(b, '}'), nil
}

// String renders the canonical text form.
func (h HLC) String() string {
	var buf [32]byte
	return string(h.appendText(buf[:0]))
}

// appendText appends the canonical text form, "<wall>.<logical>".
func (h HLC) appendText(b []byte) []byte {
	b = strconv.AppendInt(b, h.Wall, 10)
	b = append(b, '.')
	return strconv.AppendUint(b, uint64(h.Logical), 10)
}

// IsZero reports whether h is the zero timestamp (before any entry).
func (h HLC) IsZero() bool { return h.Wall == 0 && h.Logical == 0 }

// Compare orders timestamps: -1 if h < o, 0 if equal, +1 if h > o.
func (h HLC) Compare(o HLC) int {
	switch {
	case h.Wall < o.Wall:
		return -1
	case h.Wall > o.Wall:
		return 1
	case h.Logical < o.Logical:
		return -1
	case h.Logical > o.Logical:
		return 1
	}
	return 0
}

// ParseHLC parses the canonical text form. It is strict: the result's
// String() equals the input, so a timestamp has exactly one spelling.
func ParseHLC(s string) (HLC, error) {
	wall, logical, ok := strings.Cut(s, ".")
	if !ok {
		return HLC{}, fmt.Errorf("hlc %q: want <wall-ms>.<logical>", s)
	}
	w, err := strconv.ParseInt(wall, 10, 64)
	if err != nil || w < 0 {
		return HLC{}, fmt.Errorf("hlc %q: wall part is not a non-negative integer", s)
	}
	l, err := strconv.ParseUint(logical, 10, 32)
	if err != nil {
		return HLC{}, fmt.Errorf("hlc %q: logical part is not a 32-bit unsigned integer", s)
	}
	h := HLC{Wall: w, Logical: uint32(l)}
	if h.String() != s {
		return HLC{}, fmt.Errorf("hlc %q: not canonical (leading zeros or sign), want %q", s, h.String())
	}
	return h, nil
}

// NextHLC returns the timestamp for a new event observed at wall-clock
// nowMillis after last. It is pure: the caller supplies the clock reading.
// The result is always strictly greater than last, even if the wall clock
// went backwards.
func NextHLC(last HLC, nowMillis int64) HLC {
	if nowMillis > last.Wall {
		return HLC{Wall: nowMillis}
	}
	if last.Logical == ^uint32(0) {
		// The logical counter is exhausted: borrow the next millisecond.
		return HLC{Wall: last.Wall + 1}
	}
	return HLC{Wall: last.Wall, Logical: last.Logical + 1}
}

// Stamp is the total order of WAL entries: HLC first, ties broken by
// (signer, idem_key).
type Stamp struct {
	HLC     HLC    `json:"hlc"`
	Signer  string `json:"signer"`
	IdemKey string `json:"idem_key"`
}

// Compare orders stamps by (HLC, signer, idem_key).
func (s Stamp) Compare(o Stamp) int {
	if c := s.HLC.Compare(o.HLC); c != 0 {
		return c
	}
	if c := strings.Compare(s.Signer, o.Signer); c != 0 {
		return c
	}
	return strings.Compare(s.IdemKey, o.IdemKey)
}

// String renders the stamp for messages.
func (s Stamp) String() string {
	var buf [128]byte
	return string(s.appendText(buf[:0]))
}

// appendText appends String's form, "<hlc>/<signer>/<idem_key>".
func (s Stamp) appendText(b []byte) []byte {
	b = s.HLC.appendText(b)
	b = append(b, '/')
	b = append(b, s.Signer...)
	b = append(b, '/')
	return append(b, s.IdemKey...)
}
