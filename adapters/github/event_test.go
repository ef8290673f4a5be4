package github_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/github"
	ghfixtures "github.com/writ-dev/writ/fixtures/github"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := ghfixtures.Event(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const exampleHead = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"

// Real payloads from @octokit/webhooks-examples parse into what writ needs.
func TestParseEventRealPayloads(t *testing.T) {
	tests := []struct {
		file, name string
		check      func(t *testing.T, ev github.Event)
	}{
		{"pull_request.opened.json", github.EventPullRequest, func(t *testing.T, ev github.Event) {
			pr := ev.PullRequest
			if ev.Action != "opened" || pr.Number != 2 || pr.HeadSHA != exampleHead || pr.Author != "Codertocat" || pr.Fork || pr.BaseRef != "master" {
				t.Fatalf("%+v %+v", ev, pr)
			}
		}},
		{"pull_request.synchronize.json", github.EventPullRequestTarget, func(t *testing.T, ev github.Event) {
			if ev.Action != "synchronize" || ev.PullRequest.HeadSHA != exampleHead {
				t.Fatalf("%+v", ev)
			}
		}},
		{"pull_request_review.submitted.json", github.EventPullRequestReview, func(t *testing.T, ev github.Event) {
			r := ev.Review
			if ev.Action != "submitted" || r.ID != 237895671 || r.State != "COMMENTED" || r.CommitID != exampleHead || r.User != "Codertocat" {
				t.Fatalf("%+v", r)
			}
		}},
		{"pull_request_review.dismissed.json", github.EventPullRequestReview, func(t *testing.T, ev github.Event) {
			if ev.Action != "dismissed" || ev.Review.State != "DISMISSED" {
				t.Fatalf("%+v", ev.Review)
			}
		}},
		{"push.branch.json", github.EventPush, func(t *testing.T, ev github.Event) {
			p := ev.Push
			if p.Ref != "refs/heads/master" || !p.Created || p.After != "6113728f27ae82c7b1a177c8d03f9e96e0adf246" {
				t.Fatalf("%+v", p)
			}
		}},
		{"push.tag-deleted.json", github.EventPush, func(t *testing.T, ev github.Event) {
			if !ev.Push.Deleted || ev.Push.After != strings.Repeat("0", 40) {
				t.Fatalf("%+v", ev.Push)
			}
		}},
		{"workflow_dispatch.json", github.EventWorkflowDispatch, func(t *testing.T, ev github.Event) {
			if ev.Dispatch.Ref != "refs/heads/main" || ev.Repository != "octo-org/octo-repo" || ev.Dispatch.Workflow == "" {
				t.Fatalf("%+v", ev.Dispatch)
			}
		}},
		{"workflow_run.completed.json", github.EventWorkflowRun, func(t *testing.T, ev github.Event) {
			r := ev.WorkflowRun
			if ev.Action != "completed" || r == nil || r.Name != "Manually triggered workflow" || r.Event != "workflow_dispatch" ||
				r.HeadBranch != "main" || r.HeadSHA != "5779607b49aab1200488439f02372c57b4f75444" || len(r.PullRequests) != 0 || ev.Repository != "Codertocat/Hello-World" {
				t.Fatalf("%+v %+v", ev, r)
			}
		}},
		{"schedule.json", github.EventSchedule, func(t *testing.T, ev github.Event) {
			if ev.Schedule != "*/15 * * * *" || ev.Repository != "" {
				t.Fatalf("%+v", ev)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := github.ParseEvent(tt.name, fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Name != tt.name {
				t.Fatalf("name %q", ev.Name)
			}
			if tt.name != github.EventSchedule && tt.name != github.EventWorkflowDispatch && ev.Repository != "Codertocat/Hello-World" {
				t.Fatalf("repository %q", ev.Repository)
			}
			tt.check(t, ev)
		})
	}
}

// replace swaps the first occurrence of old in a fixture, failing if absent.
func replace(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("fixture has no %q", old)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

// Corrupted payloads fail with ErrMalformedEvent and an error that names
// the field (or the position); none panics.
func TestParseEventMalformed(t *testing.T) {
	pr := fixture(t, "pull_request.opened.json")
	review := fixture(t, "pull_request_review.submitted.json")
	push := fixture(t, "push.branch.json")
	tests := []struct {
		name, event string
		payload     []byte
		want        string
	}{
		{"empty", "pull_request", nil, "payload is empty"},
		{"array", "pull_request", []byte(`[1]`), "not a JSON object"},
		{"null", "push", []byte(`null`), "not a JSON object"},
		{"truncated", "pull_request", pr[:len(pr)/2], "unexpected end of input"},
		{"syntax", "pull_request", []byte("{\n  \"action\": \"opened\",\n  oops\n}"), "line 3, column 3"},
		{"trailing data", "push", append(append([]byte{}, push...), []byte(`{}`)...), "data after the top-level object"},
		{"number as string", "pull_request", replace(t, pr, `"number":2,"state":"open"`, `"number":"2","state":"open"`), "field pull_request.number: want int"},
		{"nested type", "pull_request", replace(t, pr, `"draft":false`, `"draft":"no"`), "field pull_request.draft: want bool"},
		{"head sha missing", "pull_request", replace(t, pr, `"sha":"`+exampleHead+`"`, `"shaa":"x"`), "field pull_request.head.sha: missing"},
		{"head sha not a sha", "pull_request", replace(t, pr, `"sha":"`+exampleHead, `"sha":"HEAD`), `field pull_request.head.sha: "HEAD" is not a commit sha`},
		{"no pull_request", "pull_request", push, "field pull_request: missing"},
		{"push as review", "pull_request_review", push, "field review: missing"},
		{"review state", "pull_request_review", replace(t, review, `"state":"commented"`, `"state":"lgtm"`), `field review.state: unexpected value "lgtm"`},
		{"review commit", "pull_request_review", replace(t, review, `"commit_id":"`+exampleHead+`"`, `"commit_id":null`), "field review.commit_id: missing"},
		{"action empty", "pull_request", replace(t, pr, `"action":"opened"`, `"action":""`), "field action: empty"},
		{"repository name", "push", replace(t, push, `"full_name":"Codertocat/Hello-World"`, `"full_name":"Hello-World"`), `field repository.full_name: "Hello-World" is not owner/name`},
		{"push after", "push", replace(t, push, `"after":"`, `"afterwards":"`), "field after: missing"},
		{"inputs not object", "workflow_dispatch", replace(t, fixture(t, "workflow_dispatch.json"), `"inputs":{}`, `"inputs":"x"`), "field inputs: want map"},
		{"schedule missing", "schedule", []byte(`{}`), "field schedule: missing"},
		{"number zero", "pull_request", replace(t, pr, `"number":2,"state"`, `"number":0,"state"`), "field pull_request.number: 0 is not a positive number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := github.ParseEvent(tt.event, tt.payload)
			if !errors.Is(err, github.ErrMalformedEvent) {
				t.Fatalf("err = %v, want ErrMalformedEvent", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseEventUnsupported(t *testing.T) {
	_, err := github.ParseEvent("issues", []byte(`{}`))
	if !errors.Is(err, github.ErrUnsupportedEvent) || !strings.Contains(err.Error(), "allowed: pull_request, pull_request_review") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadEvent(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	prPath := write("pr.json", fixture(t, "pull_request.opened.json"))
	schedPath := write("schedule.json", fixture(t, "schedule.json"))
	tests := []struct {
		name    string
		env     map[string]string
		want    string // repository on success
		wantErr string
		is      error
	}{
		{"pull request", map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": prPath, "GITHUB_REPOSITORY": "codertocat/hello-world"}, "Codertocat/Hello-World", "", nil},
		{"schedule takes the repository from the environment", map[string]string{"GITHUB_EVENT_NAME": "schedule", "GITHUB_EVENT_PATH": schedPath, "GITHUB_REPOSITORY": "org/control"}, "org/control", "", nil},
		{"schedule without any repository", map[string]string{"GITHUB_EVENT_NAME": "schedule", "GITHUB_EVENT_PATH": schedPath}, "", "repository.full_name: missing, and GITHUB_REPOSITORY is not set", github.ErrMalformedEvent},
		{"payload for another repository", map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": prPath, "GITHUB_REPOSITORY": "org/control"}, "", `field repository.full_name: "Codertocat/Hello-World", but GITHUB_REPOSITORY is "org/control"`, github.ErrMalformedEvent},
		{"no name", map[string]string{"GITHUB_EVENT_PATH": prPath}, "", "GITHUB_EVENT_NAME is not set", github.ErrConfig},
		{"no path", map[string]string{"GITHUB_EVENT_NAME": "push"}, "", "GITHUB_EVENT_PATH is not set", github.ErrConfig},
		{"missing file", map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": filepath.Join(dir, "nope.json")}, "", "no such file", os.ErrNotExist},
		{"wrong payload for the name", map[string]string{"GITHUB_EVENT_NAME": "pull_request_review", "GITHUB_EVENT_PATH": prPath}, "", "field review: missing", github.ErrMalformedEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := github.ReadEvent(func(k string) string { return tt.env[k] })
			if tt.wantErr == "" {
				if err != nil || ev.Repository != tt.want {
					t.Fatalf("ev.Repository = %q, err = %v", ev.Repository, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %q (%v)", err, tt.wantErr, tt.is)
			}
		})
	}
}

// FuzzParseEvent: any bytes give an Event or an error, never a panic.
func FuzzParseEvent(f *testing.F) {
	names, err := ghfixtures.Events()
	if err != nil {
		f.Fatal(err)
	}
	for _, n := range names {
		b, _ := ghfixtures.Event(n)
		f.Add(strings.SplitN(strings.TrimSuffix(n, ".json"), ".", 2)[0], b)
	}
	f.Add("pull_request", []byte(`{"pull_request":{"head":null}}`))
	f.Fuzz(func(t *testing.T, name string, payload []byte) {
		ev, err := github.ParseEvent(name, payload)
		if err == nil && ev.Name != name {
			t.Fatalf("name %q became %q", name, ev.Name)
		}
	})
}
