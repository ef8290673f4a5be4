package githubtest

import (
	"net/http"
)

// updatePull is PATCH /repos/{owner}/{repo}/pulls/{number}: the fake
// honours "state" (open or closed; a merged pull request cannot be
// reopened) and ignores the other fields GitHub accepts (title, body,
// base, maintainer_can_modify).
func (s *Server) updatePull(r *http.Request) reply {
	var in struct {
		State               *string `json:"state"`
		Title               *string `json:"title"`
		Body                *string `json:"body"`
		Base                *string `json:"base"`
		MaintainerCanModify *bool   `json:"maintainer_can_modify"`
	}
	if err := decode(r, &in); err != nil {
		return invalid("body is not a pull request update")
	}
	s.mu.Lock()
	p := s.pull(r)
	switch {
	case p == nil:
		s.mu.Unlock()
		return reply{status: http.StatusNotFound, body: notFound}
	case in.State != nil && *in.State != "open" && *in.State != "closed":
		s.mu.Unlock()
		return invalid("state must be open or closed")
	case in.State != nil && *in.State == "open" && p.Merged:
		s.mu.Unlock()
		return invalid("cannot reopen a merged pull request")
	case in.State != nil:
		p.State = *in.State
	}
	s.mu.Unlock()
	return s.getPull(r)
}

// Pull returns a copy of pull request number as the fake holds it (State
// "closed" once closed; Merged only when a test set it).
func (s *Server) Pull(number int) Pull {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.state.pulls[number]
	if p == nil {
		return Pull{}
	}
	c := *p
	c.Reviews = append([]Review(nil), p.Reviews...)
	return c
}
