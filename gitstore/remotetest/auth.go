package remotetest

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// TokenUser is the HTTP Basic user name GitHub expects with a token.
const TokenUser = "x-access-token"

// tokenAuth is the credentials a Server demands: none until a token is
// allowed.
type tokenAuth struct {
	mu      sync.Mutex
	tokens  map[string]bool // token -> may push
	refused atomic.Int64
}

// RequireToken makes the server demand credentials as GitHub's git
// endpoint does: every request must carry HTTP Basic credentials with user
// x-access-token and an allowed token as password, or it is answered 401
// with `WWW-Authenticate: Basic realm="GitHub"`. token may fetch and push;
// calling again allows another token too.
func (s *Server) RequireToken(token string) { s.allow(token, true) }

// AllowReadOnly allows a token that may fetch but not push: a push with it
// is answered 403, as GitHub answers a GITHUB_TOKEN without contents:
// write. It also makes the server demand credentials.
func (s *Server) AllowReadOnly(token string) { s.allow(token, false) }

func (s *Server) allow(token string, push bool) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	if s.auth.tokens == nil {
		s.auth.tokens = map[string]bool{}
	}
	s.auth.tokens[token] = push
}

// OpenAccess stops demanding credentials.
func (s *Server) OpenAccess() {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	s.auth.tokens = nil
}

// Refused counts the requests answered 401 or 403 so far.
func (s *Server) Refused() int64 { return s.auth.refused.Load() }

// authorize checks a request's credentials and, when they do not do,
// answers it as GitHub does and returns false.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	s.auth.mu.Lock()
	tokens := s.auth.tokens
	s.auth.mu.Unlock()
	if tokens == nil {
		return true
	}
	user, pass, ok := r.BasicAuth()
	push, known := tokens[pass]
	if !ok || user != TokenUser || !known {
		s.auth.refused.Add(1)
		w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
		msg := "remotetest: authentication required\n"
		if ok {
			msg = "remotetest: invalid username or token; password authentication is not supported for git operations\n"
		}
		http.Error(w, msg, http.StatusUnauthorized)
		return false
	}
	receive := strings.HasSuffix(r.URL.Path, "/git-receive-pack") || r.URL.Query().Get("service") == "git-receive-pack"
	if receive && !push {
		s.auth.refused.Add(1)
		http.Error(w, "remotetest: permission to repo.git denied to github-actions[bot]\n", http.StatusForbidden)
		return false
	}
	return true
}
