package githubtest

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

var (
	checkStatuses    = []string{"queued", "in_progress", "completed"}
	checkConclusions = []string{"action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"}
)

// checkInput is the body of a create or update, validated as GitHub does.
type checkInput struct {
	Name        *string `json:"name"`
	HeadSHA     *string `json:"head_sha"`
	ExternalID  *string `json:"external_id"`
	Status      *string `json:"status"`
	Conclusion  *string `json:"conclusion"`
	CompletedAt *string `json:"completed_at"`
	Output      *struct {
		Title   *string `json:"title"`
		Summary *string `json:"summary"`
		Text    *string `json:"text"`
	} `json:"output"`
}

func (in *checkInput) problem(create bool) string {
	switch {
	case create && (in.Name == nil || *in.Name == ""):
		return "name is required"
	case create && (in.HeadSHA == nil || *in.HeadSHA == ""):
		return "head_sha is required"
	case in.Status != nil && !slices.Contains(checkStatuses, *in.Status):
		return "status is not one of " + strconv.Quote(*in.Status)
	case in.Conclusion != nil && !slices.Contains(checkConclusions, *in.Conclusion):
		return "conclusion is not valid"
	case in.Status != nil && *in.Status == "completed" && in.Conclusion == nil:
		return "conclusion is required when status is completed"
	case in.Output != nil && (in.Output.Title == nil || in.Output.Summary == nil):
		return "output needs title and summary"
	case in.Output != nil && (len(*in.Output.Summary) > 65535 || (in.Output.Text != nil && len(*in.Output.Text) > 65535)):
		return "output is too long (65535 characters at most)"
	}
	return ""
}

func (in *checkInput) apply(c *CheckRun) {
	if in.Name != nil {
		c.Name = *in.Name
	}
	if in.ExternalID != nil {
		c.ExternalID = *in.ExternalID
	}
	if in.Status != nil {
		c.Status = *in.Status
	}
	if in.Conclusion != nil {
		c.Conclusion, c.Status = *in.Conclusion, "completed"
	}
	if in.Output != nil {
		c.Title, c.Summary = *in.Output.Title, *in.Output.Summary
		if in.Output.Text != nil {
			c.Text = *in.Output.Text
		}
	}
}

func (s *Server) checkRunJSON(c *CheckRun) map[string]any {
	o := s.ops["checks/create"].item()
	set(o, "id", c.ID)
	set(o, "name", c.Name)
	set(o, "head_sha", c.HeadSHA)
	set(o, "external_id", c.ExternalID)
	set(o, "status", c.Status)
	set(o, "output.title", c.Title)
	set(o, "output.summary", c.Summary)
	set(o, "output.text", c.Text)
	if c.Conclusion == "" {
		set(o, "conclusion", nil)
		set(o, "completed_at", nil)
	} else {
		set(o, "conclusion", c.Conclusion)
		set(o, "completed_at", s.now().UTC().Format(time.RFC3339))
	}
	return o
}

func (s *Server) listCheckRuns(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, name := r.PathValue("ref"), r.URL.Query().Get("check_name")
	items := []any{}
	for _, c := range s.state.checkRuns {
		if c.HeadSHA == ref && (name == "" || c.Name == name) {
			items = append(items, s.checkRunJSON(c))
		}
	}
	return reply{status: http.StatusOK, items: items, wrap: func(page []any, total int) any {
		return map[string]any{"total_count": total, "check_runs": page}
	}}
}

func (s *Server) createCheckRun(r *http.Request) reply {
	var in checkInput
	if err := decode(r, &in); err != nil {
		return invalid("body is not JSON")
	}
	if p := in.problem(true); p != "" {
		return invalid(p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.nextID++
	c := &CheckRun{ID: s.state.nextID, HeadSHA: *in.HeadSHA, Status: "queued"}
	in.apply(c)
	s.state.checkRuns = append(s.state.checkRuns, c)
	return reply{status: http.StatusCreated, body: s.checkRunJSON(c)}
}

func (s *Server) updateCheckRun(r *http.Request) reply {
	var in checkInput
	if err := decode(r, &in); err != nil {
		return invalid("body is not JSON")
	}
	if p := in.problem(false); p != "" {
		return invalid(p)
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.state.checkRuns {
		if c.ID == id {
			in.apply(c)
			return reply{status: http.StatusOK, body: s.checkRunJSON(c)}
		}
	}
	return reply{status: http.StatusNotFound, body: notFound}
}
