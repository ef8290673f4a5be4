package slack_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/slack"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestTokenNeverFollowsARedirect: the token goes only to the configured
// API. When the API URL answers a post with a 307 to another host, the
// notifier must not send the token there (slack-go puts the bot token in
// the form body, and Go's http.Client replays the body on a 307/308 to any
// host): the delivery fails with outbox.ErrRedirect naming the host, and
// the caller's client is left as it was.
func TestTokenNeverFollowsARedirect(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, string(b)+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true,"channel":"C0DEPLOYS","ts":"1.000100"}`)
	}))
	defer other.Close()
	// Another host: "localhost" instead of "127.0.0.1".
	elsewhere := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer api.Close()
	hc := &http.Client{Timeout: 5 * time.Second}
	n, err := slack.New(slack.Config{Channel: "C0DEPLOYS", Token: token, APIURL: api.URL + "/api/", HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Deliver(outbox.WithFirstAttempt(context.Background(), true), eff(outbox.EventWaiting, "h1"), nil)
	if !errors.Is(err, outbox.ErrRedirect) || !strings.Contains(err.Error(), "localhost") || strings.Contains(err.Error(), "SECRETSECRET") {
		t.Fatalf("want outbox.ErrRedirect naming host localhost, without the token; got %v", err)
	}
	if hc.CheckRedirect != nil {
		t.Fatal("slack.New changed the caller's http.Client")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if strings.Contains(s, "SECRETSECRET") {
			t.Fatalf("the token reached another host through a redirect: %q", s)
		}
	}
}
