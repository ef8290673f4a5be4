package github

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// The raw payload: only the fields writ reads, as pointers so that a
// missing field is told apart from a zero one. encoding/json ignores every
// other field.
type (
	rawUser struct {
		Login *string `json:"login"`
		ID    *int64  `json:"id"`
	}
	rawRepo struct {
		FullName *string `json:"full_name"`
	}
	rawBranch struct {
		SHA  *string  `json:"sha"`
		Ref  *string  `json:"ref"`
		Repo *rawRepo `json:"repo"`
	}
	rawPR struct {
		Number *int       `json:"number"`
		State  *string    `json:"state"`
		Draft  *bool      `json:"draft"`
		Merged *bool      `json:"merged"`
		User   *rawUser   `json:"user"`
		Head   *rawBranch `json:"head"`
		Base   *rawBranch `json:"base"`
	}
	rawReview struct {
		ID       *int64   `json:"id"`
		State    *string  `json:"state"`
		CommitID *string  `json:"commit_id"`
		User     *rawUser `json:"user"`
	}
	rawPayload struct {
		Action      *string        `json:"action"`
		Repository  *rawRepo       `json:"repository"`
		Sender      *rawUser       `json:"sender"`
		PullRequest *rawPR         `json:"pull_request"`
		Review      *rawReview     `json:"review"`
		Ref         *string        `json:"ref"`
		Before      *string        `json:"before"`
		After       *string        `json:"after"`
		Created     *bool          `json:"created"`
		Deleted     *bool          `json:"deleted"`
		Forced      *bool          `json:"forced"`
		Inputs      map[string]any `json:"inputs"`
		// Workflow is a string for workflow_dispatch, an object for
		// workflow_run: decoded by the event that has it.
		Workflow    json.RawMessage `json:"workflow"`
		Schedule    *string         `json:"schedule"`
		WorkflowRun *rawWorkflowRun `json:"workflow_run"`
	}
	rawWorkflowRun struct {
		Name         *string `json:"name"`
		Event        *string `json:"event"`
		HeadBranch   *string `json:"head_branch"`
		HeadSHA      *string `json:"head_sha"`
		Conclusion   *string `json:"conclusion"`
		PullRequests []struct {
			Number *int `json:"number"`
		} `json:"pull_requests"`
	}
)

// fieldCheck collects every problem of a payload, each naming its field, so
// one run reports them all.
type fieldCheck struct {
	problems []string
}

func (c *fieldCheck) add(field, msg string) {
	c.problems = append(c.problems, "field "+field+": "+msg)
}

func (c *fieldCheck) missing(field string) { c.add(field, "missing") }

func (c *fieldCheck) str(field string, v *string) string {
	switch {
	case v == nil:
		c.missing(field)
		return ""
	case strings.TrimSpace(*v) == "":
		c.add(field, "empty")
		return ""
	}
	return *v
}

func (c *fieldCheck) match(field string, v *string, re *regexp.Regexp, want string) string {
	s := c.str(field, v)
	if s != "" && !re.MatchString(s) {
		c.add(field, fmt.Sprintf("%q is not %s", s, want))
		return ""
	}
	return s
}

func (c *fieldCheck) positive(field string, v *int) int {
	switch {
	case v == nil:
		c.missing(field)
		return 0
	case *v <= 0:
		c.add(field, fmt.Sprintf("%d is not a positive number", *v))
		return 0
	}
	return *v
}

func (c *fieldCheck) positive64(field string, v *int64) int64 {
	switch {
	case v == nil:
		c.missing(field)
		return 0
	case *v <= 0:
		c.add(field, fmt.Sprintf("%d is not a positive number", *v))
		return 0
	}
	return *v
}

func (c *fieldCheck) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(c.problems, "; "))
}
