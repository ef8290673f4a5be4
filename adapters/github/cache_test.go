package github_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/github"
)

// clientWithToken is a new process's client on the fake, with its own
// token (GitHub Actions mints a new GITHUB_TOKEN for every run).
func (e *env) clientWithToken(t *testing.T, tok string) *github.Client {
	t.Helper()
	c, err := github.New(github.Config{Repository: owner + "/" + repo, APIURL: e.srv.URL, TokenEnv: tokenVar, Clock: e.clock},
		func(k string) string {
			if k == tokenVar {
				return tok
			}
			return ""
		})
	if err != nil {
		t.Fatal(err)
	}
	c.StartEvent()
	return c
}

// The ETag cache outlives the process through its file: a second run,
// with another token, pays nothing for what did not change; and the file
// holds no token.
func TestCacheAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.pull()
	e.review("alice-gh", "APPROVED", headSHA, 1)
	path := github.CachePath(t.TempDir(), e.srv.URL, owner+"/"+repo)
	tokens := []string{"ghs_first-run-t0ken", "ghs_second-run-t0ken", "ghs_third-run-t0ken", "ghs_fourth-run-t0ken"}

	first := e.clientWithToken(t, tokens[0])
	if err := first.LoadCache(path); err != nil {
		t.Fatalf("a missing cache file is a cold start: %v", err)
	}
	if err := runEvent(ctx, first, prNumber); err != nil {
		t.Fatal(err)
	}
	if err := first.SaveCache(path); err != nil {
		t.Fatal(err)
	}

	// The first run created the check run and the plan comment, so the
	// second reads those two listings and the pull request (its comment
	// count) again; the third pays nothing.
	for i, tok := range tokens[1:3] {
		c := e.clientWithToken(t, tok)
		if err := c.LoadCache(path); err != nil {
			t.Fatal(err)
		}
		e.srv.ResetCalls()
		if err := runEvent(ctx, c, prNumber); err != nil {
			t.Fatal(err)
		}
		st, want := c.Stats(), 3-3*i
		if st.Counted != want || st.Writes != 0 || st.NotModified != st.Calls-want || e.srv.Counted() != want {
			t.Fatalf("warm run %d with nothing changed: %+v, GitHub counted %d; want %d counted, the rest free 304s", i+2, st, e.srv.Counted(), want)
		}
		if err := c.SaveCache(path); err != nil {
			t.Fatal(err)
		}
	}

	// A new review: the reviews listing is read again, the rest is free.
	e.review("bob-gh", "APPROVED", headSHA, 2)
	fourth := e.clientWithToken(t, tokens[3])
	if err := fourth.LoadCache(path); err != nil {
		t.Fatal(err)
	}
	f, err := fourth.PullRequest(ctx, prNumber)
	if err != nil {
		t.Fatal(err)
	}
	if st := fourth.Stats(); len(f.Reviews) != 2 || st.Counted != 1 || st.NotModified != 3 {
		t.Fatalf("after a new review: %d reviews, %+v; want 2 reviews, 1 counted call, 3 free", len(f.Reviews), st)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range append(tokens, token, "Bearer", "Authorization", "ghs_") {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("cache file holds %q", secret)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode: %v %v", fi.Mode(), err)
	}
}

// A cache file is only a cache: a corrupted or hostile one is ignored as
// a whole with an error naming the file, and the client works cold and
// reads the truth.
func TestCacheCorrupted(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.pull()
	e.review("alice-gh", "APPROVED", headSHA, 1)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if _, err := e.client.PullRequest(ctx, prNumber); err != nil {
		t.Fatal(err)
	}
	if err := e.client.SaveCache(good); err != nil {
		t.Fatal(err)
	}
	valid, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// edit rewrites the first entry of the valid file.
	edit := func(f func(entry map[string]any)) []byte {
		var file map[string]any
		if err := json.Unmarshal(valid, &file); err != nil {
			t.Fatal(err)
		}
		f(file["entries"].([]any)[0].(map[string]any))
		out, _ := json.Marshal(file)
		return out
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"garbage", []byte("\x00\x01not json at all"), "not a cache file"},
		{"truncated", valid[:len(valid)/2], "not a cache file"},
		{"empty", nil, "not a cache file"},
		{"another format", []byte(`{"format":"writ-github-etags/0","entries":[]}`), "format"},
		{"unknown field", []byte(`{"format":"writ-github-etags/1","entries":[],"token":"x"}`), "unknown field"},
		{"null entry", []byte(`{"format":"writ-github-etags/1","entries":[null]}`), "entry 0"},
		{"entry for another host", edit(func(m map[string]any) {
			m["key"] = "GET https://evil.example/repos/acme/release-control/pulls/7"
		}), "not under the API root"},
		{"a write as key", edit(func(m map[string]any) { m["key"] = "POST " + e.srv.URL + "repos/acme/release-control/check-runs" }), "want \"GET <url>\""},
		{"etag with a line break", edit(func(m map[string]any) { m["etag"] = "W/\"x\"\r\nAuthorization: Bearer y" }), "etag"},
		{"a header writ does not keep", edit(func(m map[string]any) { m["header"] = map[string]any{"Set-Cookie": "a=b"} }), "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			c := e.newClient(t)
			err := c.LoadCache(path)
			if !errors.Is(err, github.ErrCache) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadCache = %v; want ErrCache naming the file and %q", err, tt.want)
			}
			f, err := c.PullRequest(ctx, prNumber)
			if err != nil || len(f.Reviews) != 1 || f.HeadSHA != headSHA {
				t.Fatalf("cold read after a bad cache: %+v %v", f, err)
			}
			if st := c.Stats(); st.NotModified != 0 {
				t.Fatalf("a bad cache file was used: %+v", st)
			}
		})
	}

	// A forged body under a stale ETag is never served: GitHub answers
	// 200 to the old ETag and the truth replaces it.
	t.Run("forged body", func(t *testing.T) {
		forged := edit(func(m map[string]any) {
			m["etag"] = `W/"0000"`
			m["body"] = []byte(`{"number":7,"head":{"sha":"` + oldSHA + `"}}`)
		})
		path := filepath.Join(dir, "forged.json")
		if err := os.WriteFile(path, forged, 0o600); err != nil {
			t.Fatal(err)
		}
		c := e.newClient(t)
		if err := c.LoadCache(path); err != nil {
			t.Fatal(err)
		}
		f, err := c.PullRequest(ctx, prNumber)
		if err != nil || f.HeadSHA != headSHA {
			t.Fatalf("read %+v %v; want the real head", f, err)
		}
	})
}
