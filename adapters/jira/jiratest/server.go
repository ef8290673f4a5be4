// Package jiratest is a fake Jira on 127.0.0.1 for tests: the REST API
// version 2 routes writ's Jira notifier calls (getIssue, getComments,
// addComment, getComment, updateComment, getTransitions, doTransition,
// getCurrentUser), with the payload shapes of Atlassian's published
// description of the Jira Cloud platform REST API (IssueBean,
// PageOfComments, Comment, Transitions, IssueTransition, StatusDetails,
// IssueUpdateDetails, User, ErrorCollection), version 2 flavour: a comment
// body is a wiki-markup string. Comments posted through the API are the
// bot's (the account the credentials belong to, served by /myself);
// AddComment and AddCommentBy post as other people. It checks authentication (basic email:token, or bearer) and
// serves injected faults: error statuses with Retry-After, connection
// resets and slow answers.
package jiratest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	// Email, when set, makes the server accept only basic auth with
	// Email:Token (Jira Cloud); else only "Bearer Token" (Server / Data
	// Center personal access token).
	Email string
	Token string
	// PageSize caps maxResults of a comment listing; 0 means 50.
	PageSize int
	// Bot is the account the credentials belong to: the author of the
	// comments posted through the API, and /myself's answer. Zero means
	// DefaultBot(Email != "").
	Bot User
}

// User is a Jira account as comments (author) and /myself show it: an
// account id on Jira Cloud, a user name and key on Server / Data Center.
type User struct {
	AccountID   string
	Name        string
	Key         string
	DisplayName string
}

// DefaultBot is the bot account of a fake Jira Cloud (cloud) or Server.
func DefaultBot(cloud bool) User {
	if cloud {
		return User{AccountID: "5b10a2844c20165700ede21g", DisplayName: "writ"}
	}
	return User{Name: "writ-bot", Key: "JIRAUSER10100", DisplayName: "writ"}
}

// Person is the account AddComment posts as: someone other than the bot,
// who may well call themselves "writ".
func Person(cloud bool) User {
	if cloud {
		return User{AccountID: "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077", DisplayName: "writ"}
	}
	return User{Name: "mallory", Key: "JIRAUSER10200", DisplayName: "writ"}
}

// Status is a workflow status (StatusDetails).
type Status struct {
	ID   string
	Name string
}

// Transition is one transition of an issue's workflow. From lists the
// status ids it starts from; empty means global (from every status).
type Transition struct {
	ID   string
	Name string
	To   Status
	From []string
}

// Comment is a comment as the server holds it.
type Comment struct {
	ID      string
	Body    string
	Created string
	Updated string
	// Author wrote the comment.
	Author User
	// Edits counts updateComment calls on it.
	Edits int
}

// Request is one request the server answered, as logged: never the
// Authorization header, only whether it was accepted.
type Request struct {
	Method string
	Path   string
	Query  string
	Body   string
	Status int
	// Auth is "basic", "bearer", "missing" or "rejected".
	Auth string
	// Fault names the injected fault that answered, if any.
	Fault string
}

type issue struct {
	id          string
	key         string
	status      Status
	comments    []*Comment
	workflow    []Transition
	transitions []string
}

// Server is the fake Jira. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to configure the notifier with.
	URL string

	ts   *httptest.Server
	opts Options

	mu     sync.Mutex
	issues map[string]*issue
	nextID int
	faults []*Fault
	log    []Request
	clock  time.Time
}

// New starts a Server on 127.0.0.1. Close it when done.
func New(opts Options) *Server {
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	if opts.Bot == (User{}) {
		opts.Bot = DefaultBot(opts.Email != "")
	}
	s := &Server{
		opts:   opts,
		issues: map[string]*issue{},
		nextID: 10000,
		clock:  time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
	}
	s.ts = httptest.NewServer(s.handler())
	s.URL = s.ts.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// AddIssue creates issue key in status st, with the workflow's
// transitions.
func (s *Server) AddIssue(key string, st Status, workflow ...Transition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.issues[key] = &issue{id: fmt.Sprint(s.nextID), key: key, status: st, workflow: workflow}
}

// AddComment adds a comment as a person other than the bot would
// (Person), and returns its id.
func (s *Server) AddComment(key, body string) string {
	return s.AddCommentBy(key, Person(s.opts.Email != ""), body)
}

// AddCommentBy adds a comment by author, and returns its id.
func (s *Server) AddCommentBy(key string, author User, body string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issues[key]
	if is == nil {
		panic("jiratest: AddComment on unknown issue " + key)
	}
	return s.addComment(is, author, body).ID
}

// Bot returns the account the credentials belong to.
func (s *Server) Bot() User { return s.opts.Bot }

// Comments returns copies of issue key's comments, oldest first.
func (s *Server) Comments(key string) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issues[key]
	if is == nil {
		return nil
	}
	out := make([]Comment, len(is.comments))
	for i, c := range is.comments {
		out[i] = *c
	}
	return out
}

// Status returns issue key's status.
func (s *Server) Status(key string) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issues[key]; is != nil {
		return is.status
	}
	return Status{}
}

// SetStatus moves issue key to st, as a person would.
func (s *Server) SetStatus(key string, st Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issues[key]; is != nil {
		is.status = st
	}
}

// TransitionsDone returns the names of the transitions issue key went
// through by doTransition, in order.
func (s *Server) TransitionsDone(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issues[key]; is != nil {
		return append([]string(nil), is.transitions...)
	}
	return nil
}

// Requests returns the requests answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Log is the server's request log as text, one line per request:
// method, path, query, status, auth outcome, fault and request body.
func (s *Server) Log() string {
	var b strings.Builder
	for _, r := range s.Requests() {
		fmt.Fprintf(&b, "%s %s?%s -> %d auth=%s", r.Method, r.Path, r.Query, r.Status, r.Auth)
		if r.Fault != "" {
			fmt.Fprintf(&b, " fault=%s", r.Fault)
		}
		if r.Body != "" {
			fmt.Fprintf(&b, " body=%s", r.Body)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// checkAuth reports how the request authenticated.
func (s *Server) checkAuth(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "missing"
	}
	if s.opts.Email != "" {
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(s.opts.Email+":"+s.opts.Token))
		if h == want {
			return "basic"
		}
		return "rejected"
	}
	if h == "Bearer "+s.opts.Token {
		return "bearer"
	}
	return "rejected"
}

// now is the server's clock: it advances a second per write, so that
// created and updated differ.
func (s *Server) now() string {
	s.clock = s.clock.Add(time.Second)
	return s.clock.Format("2006-01-02T15:04:05.000-0700")
}

func (s *Server) addComment(is *issue, author User, body string) *Comment {
	s.nextID++
	now := s.now()
	c := &Comment{ID: fmt.Sprint(s.nextID), Body: body, Created: now, Updated: now, Author: author}
	is.comments = append(is.comments, c)
	return c
}
