package jiratest_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/jira/jiratest"
)

// TestFakeServesTheDescription: every operation of the description is a
// route of the fake, and each answer validates against the schema the
// description gives for its status; the requests are the description's
// request shapes.
func TestFakeServesTheDescription(t *testing.T) {
	d, err := jiratest.LoadDescription()
	if err != nil {
		t.Fatal(err)
	}
	fake := jiratest.New(jiratest.Options{Email: "bot@example.com", Token: "tok"})
	defer fake.Close()
	todo, done := jiratest.Status{ID: "1", Name: "To Do"}, jiratest.Status{ID: "2", Name: "Done"}
	fake.AddIssue("OPS-1", todo, jiratest.Transition{ID: "31", Name: "Done", To: done, From: []string{"1"}},
		jiratest.Transition{ID: "41", Name: "Reopen", To: todo, From: []string{"2"}})
	id := fake.AddComment("OPS-1", "first")

	calls := []struct {
		method, path, query, body string
		status                    int
	}{
		{"GET", "/rest/api/2/issue/OPS-1", "fields=status", "", 200},
		{"GET", "/rest/api/2/issue/OPS-1/comment", "startAt=0&maxResults=100", "", 200},
		{"POST", "/rest/api/2/issue/OPS-1/comment", "", `{"body":"h4. hello"}`, 201},
		{"GET", "/rest/api/2/issue/OPS-1/comment/" + id, "", "", 200},
		{"PUT", "/rest/api/2/issue/OPS-1/comment/" + id, "", `{"body":"edited"}`, 200},
		{"GET", "/rest/api/2/issue/OPS-1/transitions", "includeUnavailableTransitions=true", "", 200},
		{"POST", "/rest/api/2/issue/OPS-1/transitions", "", `{"transition":{"id":"31"}}`, 204},
		{"POST", "/rest/api/2/issue/OPS-1/transitions", "", `{"transition":{"id":"31"}}`, 400},
		{"GET", "/rest/api/2/issue/OPS-9", "", "", 404},
		{"POST", "/rest/api/2/issue/OPS-1/comment", "", `{"body":""}`, 400},
		{"GET", "/rest/api/2/myself", "", "", 200},
	}
	seen := map[string]bool{}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("bot@example.com:tok"))
	for _, c := range calls {
		req, _ := http.NewRequest(c.method, fake.URL+c.path+"?"+c.query, strings.NewReader(c.body))
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, resp.StatusCode, c.status, body)
			continue
		}
		if c.status < 300 {
			if err := d.CheckResponse(c.method, c.path, c.status, body); err != nil {
				t.Errorf("answer does not match the description: %v\n%s", err, body)
			}
			if err := d.CheckRequest(jiratest.Request{Method: c.method, Path: c.path, Query: c.query, Body: c.body}); err != nil {
				t.Errorf("request does not match the description: %v", err)
			}
			tmpl := strings.Replace(strings.Replace(c.path, "OPS-1", "{issueIdOrKey}", 1), "/"+id, "/{id}", 1)
			seen[c.method+" "+tmpl] = true
		} else if !strings.Contains(string(body), `"errorMessages"`) && !strings.Contains(string(body), `"errors"`) {
			t.Errorf("%s %s %d: not Jira's ErrorCollection: %s", c.method, c.path, c.status, body)
		}
	}
	for _, op := range d.Operations() {
		if !seen[op] {
			t.Errorf("described operation %s was not served", op)
		}
	}
	if len(d.Operations()) != 8 {
		t.Errorf("operations = %v, want the 8 the notifier calls", d.Operations())
	}
}

// TestFakeServerUsersFollowTheDescription: a Server / Data Center fake
// (bearer token) shows users by name and key; its /myself and its
// comments' authors still match the description's User and UserDetails.
func TestFakeServerUsersFollowTheDescription(t *testing.T) {
	d, err := jiratest.LoadDescription()
	if err != nil {
		t.Fatal(err)
	}
	fake := jiratest.New(jiratest.Options{Token: "pat"})
	defer fake.Close()
	fake.AddIssue("OPS-1", jiratest.Status{ID: "1", Name: "To Do"})
	fake.AddComment("OPS-1", "by a person")
	for _, path := range []string{"/rest/api/2/myself", "/rest/api/2/issue/OPS-1/comment"} {
		req, _ := http.NewRequest("GET", fake.URL+path, nil)
		req.Header.Set("Authorization", "Bearer pat")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if err := d.CheckResponse("GET", path, 200, body); err != nil {
			t.Errorf("answer does not match the description: %v\n%s", err, body)
		}
		if !strings.Contains(string(body), `"key":"JIRAUSER`) || strings.Contains(string(body), "accountId") {
			t.Errorf("GET %s: a Server user is a name and key, without accountId: %s", path, body)
		}
	}
}

// TestDescriptionRejects: the description catches a wrong shape, so the
// checks above can fail.
func TestDescriptionRejects(t *testing.T) {
	d, err := jiratest.LoadDescription()
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		err  error
	}{
		{"transitions as a list", d.CheckResponse("GET", "/rest/api/2/issue/OPS-1/transitions", 200, []byte(`[{"id":"31"}]`))},
		{"unknown transitions field", d.CheckResponse("GET", "/rest/api/2/issue/OPS-1/transitions", 200, []byte(`{"transitions":[],"next":1}`))},
		{"comments total as text", d.CheckResponse("GET", "/rest/api/2/issue/OPS-1/comment", 200, []byte(`{"total":"3","comments":[]}`))},
		{"undeclared query parameter", d.CheckRequest(jiratest.Request{Method: "GET", Path: "/rest/api/2/issue/OPS-1/comment", Query: "token=x"})},
		{"unknown route", d.CheckRequest(jiratest.Request{Method: "DELETE", Path: "/rest/api/2/issue/OPS-1"})},
		{"transition id as number", d.CheckRequest(jiratest.Request{Method: "POST", Path: "/rest/api/2/issue/OPS-1/transitions", Body: `{"transition":{"id":31}}`})},
	}
	for _, b := range bad {
		if b.err == nil {
			t.Errorf("%s: accepted", b.name)
		}
	}
}
