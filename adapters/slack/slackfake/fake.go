// Package slackfake is a local Slack for tests: slack-go's slacktest
// server on 127.0.0.1, with the methods the notifier uses added as custom
// handlers that keep every message (chat.postMessage, chat.update,
// conversations.history, conversations.replies, with message metadata),
// direct messages as Slack makes them (chat.postMessage with a user id as
// channel posts to the app's conversation with that user, a "D…" id that
// conversations.open returns too), a token check, and injected faults:
// HTTP 429 with Retry-After, 500s and connection resets. Tests only.
package slackfake

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// Message is one message the fake holds.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string // the root's ts for a reply; "" for a root
	Text     string
	Metadata slack.SlackMetadata
	// Edits counts chat.update calls on it.
	Edits int
}

// Fault is an injected failure of the next request to Method ("" : any).
type Fault struct {
	Method string
	// Kind is "429" (with RetryAfter seconds), "500", "reset" (the
	// connection is closed without an answer) or "lost" (the request is
	// carried out, then the connection is closed without an answer, as
	// when a network fails on the way back).
	Kind       string
	RetryAfter int
}

// Server is the fake.
type Server struct {
	*slacktest.Server
	token string

	mu     sync.Mutex
	msgs   []*Message
	faults []Fault
	calls  map[string]int
	seq    int
	ims    map[string]string // user id -> its direct-message conversation
	// conns are the client addresses seen: one per connection.
	conns map[string]bool
}

// Start starts a fake that accepts only token.
func Start(token string) *Server {
	s := &Server{token: token, calls: map[string]int{}, ims: map[string]string{}, conns: map[string]bool{}}
	bind := func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", s.guard("chat.postMessage", s.post))
		c.Handle("/chat.update", s.guard("chat.update", s.update))
		c.Handle("/conversations.history", s.guard("conversations.history", s.history))
		c.Handle("/conversations.replies", s.guard("conversations.replies", s.replies))
		c.Handle("/conversations.open", s.guard("conversations.open", s.open))
	}
	s.Server = slacktest.NewTestServer(bind)
	s.Server.Start()
	return s
}

// URL is the API URL to configure (api_url).
func (s *Server) URL() string { return s.GetAPIURL() }

// Inject queues faults; each hits the next request to its method.
func (s *Server) Inject(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// Messages returns copies of every message, in posting order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = *m
	}
	return out
}

// Connections returns how many connections the requests so far came on
// (the distinct client addresses).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Calls returns how often method was called (faults included).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *Server) guard(method string, h func(w http.ResponseWriter, form map[string]string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.calls[method]++
		s.conns[r.RemoteAddr] = true
		var fault *Fault
		for i, f := range s.faults {
			if f.Method == "" || f.Method == method {
				fault = &f
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		lost := fault != nil && fault.Kind == "lost"
		if fault != nil && !lost {
			switch fault.Kind {
			case "429":
				w.Header().Set("Retry-After", strconv.Itoa(fault.RetryAfter))
				w.WriteHeader(http.StatusTooManyRequests)
				return
			case "reset":
				hangUp(w)
				return
			}
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		token := r.PostForm.Get("token")
		if token == "" {
			token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		if token != s.token {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		form := map[string]string{}
		for k, v := range r.PostForm {
			form[k] = v[0]
		}
		for k, v := range r.URL.Query() {
			if _, ok := form[k]; !ok {
				form[k] = v[0]
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if lost {
			h(httptest.NewRecorder(), form)
			hangUp(w)
			return
		}
		h(w, form)
	}
}

// hangUp closes w's connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
			return
		}
	}
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// IM returns the direct-message conversation of user (a "D…" id), or ""
// when nothing opened one yet.
func (s *Server) IM(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ims[user]
}

// im returns user's direct-message conversation, opening it if need be.
func (s *Server) im(user string) string {
	if id, ok := s.ims[user]; ok {
		return id
	}
	id := fmt.Sprintf("D%08d", len(s.ims)+1)
	s.ims[user] = id
	return id
}

// isUser reports whether id is a user id (U… or W…), which chat.postMessage
// takes as the conversation with that user.
func isUser(id string) bool { return strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W") }

// open is conversations.open for one user: the direct-message conversation
// (opened if need be); several users (a group DM) or a channel are refused.
func (s *Server) open(w http.ResponseWriter, f map[string]string) {
	users := f["users"]
	if users == "" || strings.Contains(users, ",") || !isUser(users) {
		writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	_, already := s.ims[users]
	writeJSON(w, map[string]any{"ok": true, "no_op": already, "already_open": already, "channel": map[string]any{"id": s.im(users)}})
}

func (s *Server) post(w http.ResponseWriter, f map[string]string) {
	if isUser(f["channel"]) {
		f["channel"] = s.im(f["channel"])
	}
	s.seq++
	m := &Message{Channel: f["channel"], TS: fmt.Sprintf("1700000000.%06d", s.seq), ThreadTS: f["thread_ts"], Text: f["text"]}
	if raw := f["metadata"]; raw != "" {
		_ = json.Unmarshal([]byte(raw), &m.Metadata)
	}
	if m.ThreadTS != "" && s.find(m.Channel, m.ThreadTS) == nil {
		writeJSON(w, map[string]any{"ok": false, "error": "thread_not_found"})
		return
	}
	s.msgs = append(s.msgs, m)
	writeJSON(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "message": map[string]any{"text": m.Text}})
}

func (s *Server) update(w http.ResponseWriter, f map[string]string) {
	m := s.find(f["channel"], f["ts"])
	if m == nil {
		writeJSON(w, map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	m.Text = f["text"]
	m.Edits++
	writeJSON(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text})
}

func (s *Server) history(w http.ResponseWriter, f map[string]string) {
	var out []map[string]any
	for i := len(s.msgs) - 1; i >= 0; i-- {
		if m := s.msgs[i]; m.Channel == f["channel"] && m.ThreadTS == "" {
			out = append(out, s.json(m, truthy(f["include_all_metadata"])))
		}
	}
	limit(&out, f["limit"])
	writeJSON(w, map[string]any{"ok": true, "messages": out, "has_more": false})
}

func (s *Server) replies(w http.ResponseWriter, f map[string]string) {
	root := s.find(f["channel"], f["ts"])
	if root == nil {
		writeJSON(w, map[string]any{"ok": false, "error": "thread_not_found"})
		return
	}
	out := []map[string]any{s.json(root, truthy(f["include_all_metadata"]))}
	for _, m := range s.msgs {
		if m.Channel == root.Channel && m.ThreadTS == root.TS {
			out = append(out, s.json(m, truthy(f["include_all_metadata"])))
		}
	}
	sort.SliceStable(out[1:], func(i, j int) bool { return out[1+i]["ts"].(string) < out[1+j]["ts"].(string) })
	limit(&out, f["limit"])
	writeJSON(w, map[string]any{"ok": true, "messages": out, "has_more": false})
}

func (s *Server) find(channel, ts string) *Message {
	for _, m := range s.msgs {
		if m.Channel == channel && m.TS == ts {
			return m
		}
	}
	return nil
}

func (s *Server) json(m *Message, meta bool) map[string]any {
	j := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
	if m.ThreadTS != "" {
		j["thread_ts"] = m.ThreadTS
	}
	if meta && m.Metadata.EventType != "" {
		j["metadata"] = m.Metadata
	}
	return j
}

func limit(out *[]map[string]any, l string) {
	if n, err := strconv.Atoi(l); err == nil && n > 0 && len(*out) > n {
		*out = (*out)[:n]
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func truthy(v string) bool { return v == "true" || v == "1" }
