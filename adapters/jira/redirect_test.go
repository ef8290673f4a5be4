package jira_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestCredentialsNeverFollowARedirect: Go's http.Client keeps the
// Authorization header on a redirect to another port of the same host;
// the notifier follows no redirect, so the credentials reach BaseURL only
// and the delivery fails with outbox.ErrRedirect naming the other host.
func TestCredentialsNeverFollowARedirect(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(500)
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer api.Close()
	n, err := jira.New(jira.Config{BaseURL: api.URL, Project: "OPS", Token: testToken, Email: testEmail,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = deliver(t, n, effect(outbox.EventWaiting))
	if host := strings.TrimPrefix(other.URL, "http://"); !errors.Is(err, outbox.ErrRedirect) || !strings.Contains(err.Error(), host) {
		t.Fatalf("want outbox.ErrRedirect naming %s, got %v", host, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if strings.Contains(s, "Basic ") {
			t.Fatalf("credentials reached another server (same host, other port): %q", s)
		}
	}
}
