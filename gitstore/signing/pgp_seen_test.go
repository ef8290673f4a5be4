package signing

import (
	"crypto"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// TestOpenPGPExpiryJudgedWhenSeen: an OpenPGP signature states its own
// creation time, which its signer chooses. A key that expired cannot sign
// with a creation time backdated into its lifetime and count when the
// caller attests a later time (the reconciler's clock, an entry's clock).
func TestOpenPGPExpiryJudgedWhenSeen(t *testing.T) {
	created := tSign.Add(-24 * time.Hour)
	short := pgpEntity(t, "short", created, time.Hour) // expires at created+1h
	ring := mustRing(t, pgpID("short", armoredPub(t, short), ""))
	backdated := pgpSign(t, short, payload, created.Add(30*time.Minute), crypto.SHA256, packet.SigTypeBinary)
	tests := []struct {
		name    string
		seen    time.Time
		want    error
		wantMsg string
	}{
		{"no seen time: judged at the stated time", time.Time{}, nil, ""},
		{"seen inside the key's lifetime", created.Add(45 * time.Minute), nil, ""},
		{"seen after the key expired", tSign, ErrExpired, "expired at " + created.Add(time.Hour).UTC().Format(time.RFC3339)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := VerifyPayloadTimes(payload, backdated, ring, Times{Claimed: created.Add(30 * time.Minute), Seen: tt.seen})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v, want it to say %q", err, tt.wantMsg)
			}
			if err == nil && !tt.seen.IsZero() {
				if v.NotAfter.IsZero() {
					t.Fatalf("NotAfter is zero; HoldsAt could not judge a later time")
				}
				if herr := v.HoldsAt(created.Add(2 * time.Hour)); !errors.Is(herr, ErrExpired) {
					t.Fatalf("HoldsAt after expiry = %v, want ErrExpired", herr)
				}
			}
		})
	}
}
