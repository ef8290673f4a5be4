package githubtest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/github/githubtest"
)

// GitHub does not count a 304 to an authorized conditional request
// against the rate limit; every other answer counts. The fake counts the
// same way, in Counted and in X-RateLimit-Remaining.
func TestConditionalRequestsAreFreeWhenAuthorized(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	srv := githubtest.New(t, "acme", "control", func() time.Time { return now })
	srv.AddPull(githubtest.Pull{Number: 1, Author: "dev", HeadSHA: githubtest.SHA("h"), BaseRef: "main"})
	get := func(auth, etag string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"repos/acme/control/pulls/1", nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	tests := []struct {
		name      string
		auth      bool
		status    int
		remaining string
		counted   int
	}{
		{"first read", true, http.StatusOK, "4999", 1},
		{"authorized 304 is free", true, http.StatusNotModified, "4999", 1},
		{"unauthorized 304 counts", false, http.StatusNotModified, "4998", 2},
	}
	etag := ""
	for _, tt := range tests {
		auth := ""
		if tt.auth {
			auth = "t0ken"
		}
		resp := get(auth, etag)
		if etag == "" {
			etag = resp.Header.Get("ETag")
		}
		if resp.StatusCode != tt.status || resp.Header.Get("X-RateLimit-Remaining") != tt.remaining || srv.Counted() != tt.counted {
			t.Errorf("%s: status %d, remaining %s, counted %d; want %d, %s, %d", tt.name, resp.StatusCode,
				resp.Header.Get("X-RateLimit-Remaining"), srv.Counted(), tt.status, tt.remaining, tt.counted)
		}
	}
}
