package wal

import "fmt"

// KeyCheckpointAt is the one trailer of a checkpoint commit: the main
// commit (WAL entry) whose state the checkpoint's snapshot holds.
const KeyCheckpointAt = "Writ-Checkpoint-At"

// CheckpointMessage renders the message of a checkpoint commit taken at the
// main commit at (a full hex commit hash): "writ checkpoint at <first 12 hex digits>" and
// the trailer "Writ-Checkpoint-At: <at>".
func CheckpointMessage(at string) (string, error) {
	short := at
	if len(short) > 12 {
		short = short[:12]
	}
	return FormatMessage("writ checkpoint at "+short, "", []Trailer{{Key: KeyCheckpointAt, Value: at}})
}

// CheckpointAt reads the main commit a checkpoint commit's message names:
// the value of its one Writ-Checkpoint-At trailer, a full lowercase hex
// commit hash (not all zeros). The error says what is wrong: a message that
// does not parse (wrapping ErrMalformedMessage), no or several trailers, or
// a value that is not a commit hash.
func CheckpointAt(msg string) (string, error) {
	_, _, trailers, err := ParseMessage(msg)
	if err != nil {
		return "", err
	}
	vals := trailers.Get(KeyCheckpointAt)
	if len(vals) != 1 {
		return "", fmt.Errorf("want one %s trailer, found %d", KeyCheckpointAt, len(vals))
	}
	if !isCommitHash(vals[0]) {
		return "", fmt.Errorf("%s %q is not a commit hash", KeyCheckpointAt, vals[0])
	}
	return vals[0], nil
}

// isCommitHash reports whether s is a full lowercase hex object name other
// than the zero hash.
func isCommitHash(s string) bool {
	if len(s) != 40 {
		return false
	}
	zero := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
		zero = zero && c == '0'
	}
	return !zero
}
