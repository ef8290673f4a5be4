package signing

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/github/smimesign/ietf-cms/oid"
	"github.com/github/smimesign/ietf-cms/protocol"
	"github.com/github/smimesign/ietf-cms/timestamp"
)

// fakeTSAServer answers RFC 3161 requests with tokens from the fixture's
// test TSA, dated by now. mangle, when set, alters the TSTInfo first.
func fakeTSAServer(t *testing.T, now func() time.Time, mangle func(*timestamp.Info)) *httptest.Server {
	t.Helper()
	tsa := keylessFixture(t).tsa
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req timestamp.Request
		if rest, err := asn1.Unmarshal(body, &req); err != nil || len(rest) > 0 || r.Header.Get("Content-Type") != "application/timestamp-query" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		info := timestamp.Info{Version: 1, Policy: asn1.ObjectIdentifier{1, 2, 3, 4}, MessageImprint: req.MessageImprint,
			SerialNumber: nextSerial(), GenTime: now().UTC(), Nonce: req.Nonce}
		if mangle != nil {
			mangle(&info)
		}
		der, _ := asn1.Marshal(info)
		eci, _ := protocol.NewEncapsulatedContentInfo(oid.ContentTypeTSTInfo, der)
		sd, _ := protocol.NewSignedData(eci)
		if err := sd.AddSignerInfo([]*x509.Certificate{tsa.cert}, tsa.key); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		tok, _ := sd.ContentInfoDER()
		ci, _ := protocol.ParseContentInfo(tok)
		resp, _ := asn1.Marshal(timestamp.Response{Status: timestamp.PKIStatusInfo{Status: 0}, TimeStampToken: ci})
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestKeylessSignerTimestamp: with a timestamp authority, the signature
// verifies under a policy that does not accept committer time, even for a
// commit stamped before the certificate was issued.
func TestKeylessSignerTimestamp(t *testing.T) {
	var e *keylessEnv
	tsa := fakeTSAServer(t, func() time.Time { return e.clock.Now() }, nil)
	e = newKeylessEnv(t, KeylessOptions{Timestamper: &HTTPTimestamper{URL: tsa.URL, Client: tsa.Client()}})
	store := newStore(t)
	// No Prepare: the commit's time is before the certificate's.
	e.fulcio.set(func(f *fakeFulcio) { f.now = func() time.Time { return e.clock.Now().Add(time.Second) } })
	c, err := e.commit(t, store)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	strict := botRing(t, "", fulcioFiles(t))
	v, err := VerifyCommit(c, strict)
	if err != nil {
		t.Fatalf("VerifyCommit: %v", err)
	}
	if v.TimeSource != TimeTimestamp || v.Identity != "writ-bot" {
		t.Errorf("Verified = %+v", v)
	}
}

func TestHTTPTimestamperRefusals(t *testing.T) {
	now := func() time.Time { return tSign }
	tests := []struct {
		name   string
		server func(t *testing.T) string
		msg    string
	}{
		{"another imprint", func(t *testing.T) string {
			return fakeTSAServer(t, now, func(i *timestamp.Info) {
				i.MessageImprint = timestamp.MessageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oid.DigestAlgorithmSHA256}, HashedMessage: make([]byte, 32)}
			}).URL
		}, "another message"},
		{"nonce not echoed", func(t *testing.T) string {
			return fakeTSAServer(t, now, func(i *timestamp.Info) { i.Nonce = nil }).URL
		}, "nonce"},
		{"HTTP error", func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", 503) }))
			t.Cleanup(srv.Close)
			return srv.URL
		}, "HTTP 503"},
		{"garbage", func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("nope")) }))
			t.Cleanup(srv.Close)
			return srv.URL
		}, "malformed"},
		{"rejection", func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				b, _ := asn1.Marshal(struct{ Status timestamp.PKIStatusInfo }{timestamp.PKIStatusInfo{Status: 2}})
				_, _ = w.Write(b)
			}))
			t.Cleanup(srv.Close)
			return srv.URL
		}, "timestamp authority"},
		{"no URL", func(t *testing.T) string { return "" }, "no timestamp authority URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := &HTTPTimestamper{URL: tt.server(t)}
			tok, err := ts.Timestamp(context.Background(), []byte("signature"))
			if tok != nil || !errors.Is(err, ErrTimestamp) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Timestamp = %d bytes, %v; want ErrTimestamp containing %q", len(tok), err, tt.msg)
			}
		})
	}
	// A failing timestamp fails the signature.
	e := newKeylessEnv(t, KeylessOptions{Timestamper: &HTTPTimestamper{URL: tests[2].server(t)}})
	if _, err := e.commit(t, newStore(t)); !errors.Is(err, ErrTimestamp) {
		t.Fatalf("commit with a failing TSA: %v", err)
	}
}
