package jiratest

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Fault is an injected failure. A request matches when Method (if set)
// equals its method and Path (if set) is a substring of its path; the
// first pending fault that matches answers it, Times times (0 means once).
type Fault struct {
	Method string
	Path   string
	Times  int
	// Delay holds the answer back (a slow Jira); the request then goes on
	// to Status, Reset or the normal answer.
	Delay time.Duration
	// Status, when set, is the answer's status, with Jira's error body.
	Status int
	// RetryAfter is the Retry-After header sent with Status.
	RetryAfter string
	// Reset closes the connection without an answer (a TCP reset).
	Reset bool
	// ResetAfter handles the request (a comment is added, a transition
	// done) and then resets the connection instead of answering: the
	// client cannot tell whether its call took effect.
	ResetAfter bool
}

func (f *Fault) name() string {
	var parts []string
	if f.Delay > 0 {
		parts = append(parts, "delay "+f.Delay.String())
	}
	if f.Status != 0 {
		parts = append(parts, fmt.Sprint(f.Status))
	}
	if f.Reset {
		parts = append(parts, "reset")
	}
	if f.ResetAfter {
		parts = append(parts, "reset-after")
	}
	return strings.Join(parts, "+")
}

// Inject queues f.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// takeFault returns the first pending fault matching r and consumes one
// of its times.
func (s *Server) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == r.Method) && (f.Path == "" || strings.Contains(r.URL.Path, f.Path)) {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			cp := *f
			return &cp
		}
	}
	return nil
}

// reset closes the request's connection with a TCP reset.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("jiratest: response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
