package jiratest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The API description's ErrorCollection.
type errorCollection struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rest/api/2/issue/{key}", s.getIssue)
	mux.HandleFunc("GET /rest/api/2/issue/{key}/comment", s.getComments)
	mux.HandleFunc("POST /rest/api/2/issue/{key}/comment", s.addCommentRoute)
	mux.HandleFunc("GET /rest/api/2/issue/{key}/comment/{id}", s.getComment)
	mux.HandleFunc("PUT /rest/api/2/issue/{key}/comment/{id}", s.updateComment)
	mux.HandleFunc("GET /rest/api/2/issue/{key}/transitions", s.getTransitions)
	mux.HandleFunc("POST /rest/api/2/issue/{key}/transitions", s.doTransition)
	mux.HandleFunc("GET /rest/api/2/myself", s.myself)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		entry := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body), Auth: s.checkAuth(r)}
		record := func(status int) {
			entry.Status = status
			s.mu.Lock()
			s.log = append(s.log, entry)
			s.mu.Unlock()
		}
		if f := s.takeFault(r); f != nil {
			entry.Fault = f.name()
			if f.Delay > 0 {
				select {
				case <-time.After(f.Delay):
				case <-r.Context().Done():
					record(0)
					return
				}
			}
			if f.Reset {
				record(0)
				reset(w)
				return
			}
			if f.Status != 0 {
				if f.RetryAfter != "" {
					w.Header().Set("Retry-After", f.RetryAfter)
				}
				writeError(w, f.Status, "fault injected: HTTP "+strconv.Itoa(f.Status))
				record(f.Status)
				return
			}
		}
		if entry.Auth != "basic" && entry.Auth != "bearer" {
			writeError(w, http.StatusUnauthorized, "You are not authenticated. Authentication required to perform this operation.")
			record(http.StatusUnauthorized)
			return
		}
		if entry.Fault != "" && strings.Contains(entry.Fault, "reset-after") {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, r)
			record(rec.Code)
			reset(w)
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(sw, r)
		record(sw.status)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorCollection{ErrorMessages: []string{msg}, Errors: map[string]string{}})
}

// lookup returns the issue named in the path, or answers 404 as Jira does.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *issue {
	is := s.issues[r.PathValue("key")]
	if is == nil {
		writeError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
	}
	return is
}

func (s *Server) self(path string) string { return s.URL + path }

func (s *Server) statusJSON(st Status) map[string]any {
	return map[string]any{
		"self": s.self("/rest/api/2/status/" + st.ID), "id": st.ID, "name": st.Name,
		"description": "", "iconUrl": s.self("/images/icons/status_generic.gif"),
	}
}

// userJSON is u as Jira shows a comment's author (UserDetails): the
// account id on Cloud, name and key on Server / Data Center.
func userJSON(u User) map[string]any {
	out := map[string]any{"displayName": u.DisplayName, "active": true}
	for k, v := range map[string]string{"accountId": u.AccountID, "name": u.Name, "key": u.Key} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func (s *Server) commentJSON(is *issue, c *Comment) map[string]any {
	author := userJSON(c.Author)
	return map[string]any{
		"self": s.self("/rest/api/2/issue/" + is.id + "/comment/" + c.ID), "id": c.ID,
		"author": author, "updateAuthor": author, "body": c.Body, "created": c.Created, "updated": c.Updated,
	}
}

// myself answers GET /rest/api/2/myself (getCurrentUser) with the bot's
// User.
func (s *Server) myself(w http.ResponseWriter, r *http.Request) {
	out := userJSON(s.opts.Bot)
	out["self"] = s.self("/rest/api/2/user?accountId=" + s.opts.Bot.AccountID)
	if s.opts.Bot.AccountID == "" {
		out["self"] = s.self("/rest/api/2/user?username=" + s.opts.Bot.Name)
	} else {
		out["accountType"] = "atlassian"
	}
	if s.opts.Email != "" {
		out["emailAddress"] = s.opts.Email
	}
	out["timeZone"] = "Etc/UTC"
	writeJSON(w, http.StatusOK, out)
}

// getIssue answers GET /rest/api/2/issue/{key} (IssueBean) with the
// status field.
func (s *Server) getIssue(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.lookup(w, r)
	if is == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": is.id, "key": is.key, "self": s.self("/rest/api/2/issue/" + is.id),
		"fields": map[string]any{"status": s.statusJSON(is.status)},
	})
}

// getComments answers GET …/comment with a PageOfComments.
func (s *Server) getComments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.lookup(w, r)
	if is == nil {
		return
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
	max := 50
	if v := r.URL.Query().Get("maxResults"); v != "" {
		max, _ = strconv.Atoi(v)
	}
	if max <= 0 || max > s.opts.PageSize {
		max = s.opts.PageSize
	}
	if start < 0 {
		start = 0
	}
	page := []map[string]any{}
	for i := start; i < len(is.comments) && len(page) < max; i++ {
		page = append(page, s.commentJSON(is, is.comments[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"startAt": start, "maxResults": max, "total": len(is.comments), "comments": page})
}

// readBody decodes a comment body of version 2: {"body": "wiki markup"}.
func readBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "Unexpected request body: "+err.Error())
		return "", false
	}
	if in.Body == nil || *in.Body == "" {
		writeJSON(w, http.StatusBadRequest, errorCollection{Errors: map[string]string{"comment": "Comment body can not be empty!"}})
		return "", false
	}
	if utf8.RuneCountInString(*in.Body) > maxCommentBody {
		writeJSON(w, http.StatusBadRequest, errorCollection{Errors: map[string]string{"comment": "The entered text is too long. It exceeds the allowed limit of 32,767 characters."}})
		return "", false
	}
	return *in.Body, true
}

// maxCommentBody is Jira's limit on a comment body, in characters.
const maxCommentBody = 32767

// addCommentRoute answers POST …/comment: 201 with the Comment.
func (s *Server) addCommentRoute(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.lookup(w, r)
	if is == nil {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusCreated, s.commentJSON(is, s.addComment(is, s.opts.Bot, body)))
}

func (s *Server) findComment(w http.ResponseWriter, r *http.Request) (*issue, *Comment) {
	is := s.lookup(w, r)
	if is == nil {
		return nil, nil
	}
	for _, c := range is.comments {
		if c.ID == r.PathValue("id") {
			return is, c
		}
	}
	writeError(w, http.StatusNotFound, "Can not find a comment for the id: "+r.PathValue("id")+".")
	return nil, nil
}

// getComment answers GET …/comment/{id}.
func (s *Server) getComment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is, c := s.findComment(w, r); c != nil {
		writeJSON(w, http.StatusOK, s.commentJSON(is, c))
	}
}

// updateComment answers PUT …/comment/{id}: 200 with the Comment.
func (s *Server) updateComment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is, c := s.findComment(w, r)
	if c == nil {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	c.Body = body
	c.Updated = s.now()
	c.Edits++
	writeJSON(w, http.StatusOK, s.commentJSON(is, c))
}

func available(t Transition, st Status) bool {
	if len(t.From) == 0 {
		return true
	}
	for _, f := range t.From {
		if f == st.ID {
			return true
		}
	}
	return false
}

// getTransitions answers GET …/transitions (Transitions): the transitions
// available from the issue's status, and with
// includeUnavailableTransitions=true the others too, isAvailable false.
func (s *Server) getTransitions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.lookup(w, r)
	if is == nil {
		return
	}
	all := r.URL.Query().Get("includeUnavailableTransitions") == "true"
	out := []map[string]any{}
	for _, t := range is.workflow {
		ok := available(t, is.status)
		if !ok && !all {
			continue
		}
		out = append(out, map[string]any{
			"id": t.ID, "name": t.Name, "to": s.statusJSON(t.To), "hasScreen": false,
			"isGlobal": len(t.From) == 0, "isInitial": false, "isAvailable": ok, "isConditional": false, "isLooped": false,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"transitions": out})
}

// doTransition answers POST …/transitions (IssueUpdateDetails with a
// transition id): 204, or 400 when the transition is missing or not
// available from the issue's status.
func (s *Server) doTransition(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.lookup(w, r)
	if is == nil {
		return
	}
	var in struct {
		Transition *struct {
			ID string `json:"id"`
		} `json:"transition"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Transition == nil || in.Transition.ID == "" {
		writeError(w, http.StatusBadRequest, "Missing 'transition' identifier")
		return
	}
	for _, t := range is.workflow {
		if t.ID == in.Transition.ID && available(t, is.status) {
			is.status = t.To
			is.transitions = append(is.transitions, t.Name)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	writeError(w, http.StatusBadRequest, "Transition id '"+in.Transition.ID+"' is not valid for this issue.")
}
