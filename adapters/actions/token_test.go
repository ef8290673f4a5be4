package actions

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/writ-dev/writ/gitstore/signing"
)

// fakeRunner serves the runner's token endpoint: it wants the request
// token as a bearer token and an audience, and answers {"value": ...}.
func fakeRunner(t *testing.T, handler func(w http.ResponseWriter, r *http.Request)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(handler))
	t.Cleanup(srv.Close)
	return srv
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestTokenSource(t *testing.T) {
	var gotAud, gotAPI string
	srv := fakeRunner(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.Header.Get("Authorization") != "bearer req-token" {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		gotAud, gotAPI = r.URL.Query().Get("audience"), r.URL.Query().Get("api-version")
		_, _ = w.Write([]byte(`{"count":1,"value":"header.payload.sig"}`))
	})
	vars := map[string]string{EnvRequestURL: srv.URL + "/token?api-version=2.0", EnvRequestToken: "req-token"}
	ts := TokenSource{Client: srv.Client(), Getenv: env(vars)}
	tok, err := ts.Token(context.Background())
	if err != nil || tok != "header.payload.sig" {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	if gotAud != "sigstore" || gotAPI != "2.0" {
		t.Errorf("audience %q, api-version %q", gotAud, gotAPI)
	}
	ts.Audience = "other"
	if _, err := ts.Token(context.Background()); err != nil || gotAud != "other" {
		t.Errorf("audience %q, %v", gotAud, err)
	}
}

func TestTokenSourceRefusals(t *testing.T) {
	answer := func(code int, body string) string {
		return fakeRunner(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}).URL
	}
	tests := []struct {
		name string
		env  map[string]string
		want error
		msg  string
	}{
		{"not in actions", map[string]string{}, ErrNotInActions, "not running in GitHub Actions"},
		{"in actions without id-token: write", map[string]string{"GITHUB_ACTIONS": "true"}, ErrNoIDTokenPermission, "id-token: write"},
		{"no request token", map[string]string{EnvRequestURL: "https://runner.example/t"}, ErrNoIDTokenPermission, EnvRequestToken},
		{"bad URL", map[string]string{EnvRequestURL: "::", EnvRequestToken: "x"}, signing.ErrNoToken, "not a URL"},
		{"request token refused", map[string]string{EnvRequestURL: answer(403, `{"message":"forbidden"}`), EnvRequestToken: "x"}, ErrNoIDTokenPermission, "HTTP 403"},
		{"server error", map[string]string{EnvRequestURL: answer(502, "bad gateway"), EnvRequestToken: "x"}, nil, "HTTP 502: bad gateway"},
		{"not JSON", map[string]string{EnvRequestURL: answer(200, "<html>"), EnvRequestToken: "x"}, nil, "not JSON"},
		{"no value", map[string]string{EnvRequestURL: answer(200, `{"count":0}`), EnvRequestToken: "x"}, nil, "no value"},
		{"too large", map[string]string{EnvRequestURL: answer(200, strings.Repeat("x", maxTokenResponse+1)), EnvRequestToken: "x"}, nil, "larger than"},
		{"unreachable", map[string]string{EnvRequestURL: "http://127.0.0.1:1/t", EnvRequestToken: "x"}, nil, "token request to 127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := TokenSource{Getenv: env(tt.env)}.Token(context.Background())
			if tok != "" || err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Token = %q, %v; want an error containing %q", tok, err, tt.msg)
			}
			if tt.want != nil && (!errors.Is(err, tt.want) || !errors.Is(err, signing.ErrNoToken)) {
				t.Fatalf("err = %v, want %v (and signing.ErrNoToken)", err, tt.want)
			}
		})
	}
}
