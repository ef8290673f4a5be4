package githubtest

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

const repoPath = "/repos/{owner}/{repo}"

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+repoPath+"/pulls", s.handle("pulls/list", s.listPulls))
	mux.HandleFunc("GET "+repoPath+"/pulls/{number}", s.handle("pulls/get", s.getPull))
	mux.HandleFunc("PATCH "+repoPath+"/pulls/{number}", s.handle("pulls/update", s.updatePull))
	mux.HandleFunc("GET "+repoPath+"/pulls/{number}/files", s.handle("pulls/list-files", s.listFiles))
	mux.HandleFunc("GET "+repoPath+"/pulls/{number}/commits", s.handle("pulls/list-commits", s.listCommits))
	mux.HandleFunc("GET "+repoPath+"/pulls/{number}/reviews", s.handle("pulls/list-reviews", s.listReviews))
	mux.HandleFunc("GET /orgs/{org}/teams/{slug}/members", s.handle("teams/list-members-in-org", s.listMembers))
	mux.HandleFunc("GET "+repoPath+"/contents/{path...}", s.handle("repos/get-content", s.getContent))
	mux.HandleFunc("GET "+repoPath+"/issues", s.handle("issues/list-for-repo", s.listIssues))
	mux.HandleFunc("GET "+repoPath+"/issues/{number}/comments", s.handle("issues/list-comments", s.listComments))
	mux.HandleFunc("POST "+repoPath+"/issues/{number}/comments", s.handle("issues/create-comment", s.createComment))
	mux.HandleFunc("PATCH "+repoPath+"/issues/comments/{id}", s.handle("issues/update-comment", s.updateComment))
	mux.HandleFunc("GET "+repoPath+"/commits/{ref}/check-runs", s.handle("checks/list-for-ref", s.listCheckRuns))
	mux.HandleFunc("POST "+repoPath+"/check-runs", s.handle("checks/create", s.createCheckRun))
	mux.HandleFunc("PATCH "+repoPath+"/check-runs/{id}", s.handle("checks/update", s.updateCheckRun))
	mux.HandleFunc("/", s.handle("", func(*http.Request) reply { return reply{status: http.StatusNotFound, body: notFound} }))
	return mux
}

func invalid(msg string) reply {
	return reply{status: http.StatusUnprocessableEntity, body: map[string]any{
		"message": "Validation Failed", "errors": []any{map[string]any{"message": msg}},
		"documentation_url": "https://docs.github.com/rest", "status": "422"}}
}

func (s *Server) pull(r *http.Request) *Pull {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		return nil
	}
	return s.state.pulls[n]
}

func (s *Server) getPull(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pull(r)
	if p == nil {
		return reply{status: http.StatusNotFound, body: notFound}
	}
	o := s.pullJSON("pulls/get", p)
	set(o, "merged", p.Merged)
	set(o, "commits", len(p.Commits))
	set(o, "changed_files", len(p.Files))
	set(o, "comments", len(s.state.comments[p.Number]))
	return reply{status: http.StatusOK, body: o}
}

// pullJSON is a pull request as op's example shapes it, with the fields
// writ reads set from p. Callers hold s.mu.
func (s *Server) pullJSON(op string, p *Pull) map[string]any {
	o := s.ops[op].item()
	full := s.owner + "/" + s.repo
	set(o, "number", p.Number)
	set(o, "state", p.State)
	set(o, "draft", p.Draft)
	set(o, "url", "https://api.github.com/repos/"+full+"/pulls/"+strconv.Itoa(p.Number))
	set(o, "html_url", "https://github.com/"+full+"/pull/"+strconv.Itoa(p.Number))
	setUser(o, "user", p.Author, p.AuthorID)
	set(o, "head.sha", p.HeadSHA)
	set(o, "head.ref", p.HeadRef)
	set(o, "base.sha", p.BaseSHA)
	set(o, "base.ref", p.BaseRef)
	set(o, "base.repo.full_name", full)
	set(o, "base.repo.name", s.repo)
	headRepo := full
	if p.Fork {
		headRepo = p.Author + "/" + s.repo
	}
	set(o, "head.repo.full_name", headRepo)
	// GitHub's example lists a requested team without its required "type";
	// the fake's pull requests request no one.
	set(o, "requested_teams", []any{})
	set(o, "requested_reviewers", []any{})
	return o
}

// listPulls lists pull requests (?state=open by default, ?base=<branch>),
// ascending by number.
func (s *Server) listPulls(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	state, base := r.URL.Query().Get("state"), r.URL.Query().Get("base")
	if state == "" {
		state = "open"
	}
	items := []any{}
	for _, n := range s.numbers() {
		p := s.state.pulls[n]
		if (state == "all" || p.State == state) && (base == "" || p.BaseRef == base) {
			items = append(items, s.pullJSON("pulls/list", p))
		}
	}
	return reply{status: http.StatusOK, items: items}
}

// listIssues lists the repository's issues, which on GitHub include its
// pull requests (?state=open by default), each with its comment count.
// The fake's only issues are its pull requests.
func (s *Server) listIssues(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "open"
	}
	full := s.owner + "/" + s.repo
	items := []any{}
	for _, n := range s.numbers() {
		p := s.state.pulls[n]
		if state != "all" && p.State != state {
			continue
		}
		o := s.ops["issues/list-for-repo"].item()
		set(o, "number", p.Number)
		set(o, "state", p.State)
		set(o, "comments", len(s.state.comments[n]))
		setUser(o, "user", p.Author, p.AuthorID)
		set(o, "pull_request", map[string]any{
			"url":      "https://api.github.com/repos/" + full + "/pulls/" + strconv.Itoa(n),
			"html_url": "https://github.com/" + full + "/pull/" + strconv.Itoa(n),
			"diff_url": nil, "patch_url": nil,
		})
		items = append(items, o)
	}
	return reply{status: http.StatusOK, items: items}
}

// numbers returns the pull request numbers, ascending. Callers hold s.mu.
func (s *Server) numbers() []int {
	out := make([]int, 0, len(s.state.pulls))
	for n := range s.state.pulls {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

func (s *Server) listFiles(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pull(r)
	if p == nil {
		return reply{status: http.StatusNotFound, body: notFound}
	}
	items := []any{}
	for _, f := range p.Files {
		o := s.ops["pulls/list-files"].item()
		set(o, "filename", f)
		set(o, "status", "added")
		items = append(items, o)
	}
	return reply{status: http.StatusOK, items: items}
}

func (s *Server) listCommits(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pull(r)
	if p == nil {
		return reply{status: http.StatusNotFound, body: notFound}
	}
	items := []any{}
	for _, c := range p.Commits {
		o := s.ops["pulls/list-commits"].item()
		set(o, "sha", c)
		set(o, "url", "https://api.github.com/repos/"+s.owner+"/"+s.repo+"/commits/"+c)
		items = append(items, o)
	}
	return reply{status: http.StatusOK, items: items}
}

func (s *Server) listReviews(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pull(r)
	if p == nil {
		return reply{status: http.StatusNotFound, body: notFound}
	}
	items := []any{}
	for _, rv := range p.Reviews {
		o := s.ops["pulls/list-reviews"].item()
		set(o, "id", rv.ID)
		set(o, "state", rv.State)
		set(o, "body", rv.Body)
		set(o, "commit_id", rv.CommitID)
		set(o, "submitted_at", rv.SubmittedAt.UTC().Format(time.RFC3339))
		setUser(o, "user", rv.Login, UserID(rv.Login))
		items = append(items, o)
	}
	return reply{status: http.StatusOK, items: items}
}

func (s *Server) listMembers(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	logins, ok := s.state.teams[r.PathValue("org")+"/"+r.PathValue("slug")]
	if !ok {
		return reply{status: http.StatusNotFound, body: notFound}
	}
	items := []any{}
	for _, l := range logins {
		o := s.ops["teams/list-members-in-org"].item()
		setUser(o, "", l, UserID(l))
		items = append(items, o)
	}
	return reply{status: http.StatusOK, items: items}
}

func (s *Server) getContent(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	path, ref := r.PathValue("path"), r.URL.Query().Get("ref")
	data, ok := s.state.files[ref+":"+path]
	if !ok {
		return reply{status: http.StatusNotFound, body: notFound}
	}
	o := s.ops["repos/get-content"].item()
	name := path[strings.LastIndex(path, "/")+1:]
	set(o, "type", "file")
	set(o, "encoding", "base64")
	set(o, "size", len(data))
	set(o, "name", name)
	set(o, "path", path)
	set(o, "sha", SHA("blob:"+string(data)))
	// GitHub wraps base64 content at 60 columns.
	enc := base64.StdEncoding.EncodeToString(data)
	var lines []string
	for len(enc) > 60 {
		lines, enc = append(lines, enc[:60]), enc[60:]
	}
	set(o, "content", strings.Join(append(lines, enc), "\n")+"\n")
	return reply{status: http.StatusOK, body: o}
}

func (s *Server) commentJSON(c *Comment) map[string]any {
	o := s.ops["issues/list-comments"].item()
	set(o, "id", c.ID)
	set(o, "body", c.Body)
	setUser(o, "user", c.Login, UserID(c.Login))
	return o
}

func (s *Server) listComments(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _ := strconv.Atoi(r.PathValue("number"))
	items := []any{}
	for _, c := range s.state.comments[n] {
		items = append(items, s.commentJSON(c))
	}
	return reply{status: http.StatusOK, items: items}
}

func (s *Server) createComment(r *http.Request) reply {
	var in struct {
		Body *string `json:"body"`
	}
	if err := decode(r, &in); err != nil || in.Body == nil {
		return invalid("body is required")
	}
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		return reply{status: http.StatusNotFound, body: notFound}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.nextID++
	c := &Comment{ID: s.state.nextID, Login: BotLogin, Body: *in.Body}
	s.state.comments[n] = append(s.state.comments[n], c)
	return reply{status: http.StatusCreated, body: s.commentJSON(c)}
}

func (s *Server) updateComment(r *http.Request) reply {
	var in struct {
		Body *string `json:"body"`
	}
	if err := decode(r, &in); err != nil || in.Body == nil {
		return invalid("body is required")
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cs := range s.state.comments {
		for _, c := range cs {
			if c.ID == id {
				if c.Login != BotLogin {
					return reply{status: http.StatusForbidden, body: map[string]any{"message": "Resource not accessible by integration"}}
				}
				c.Body = *in.Body
				return reply{status: http.StatusOK, body: s.commentJSON(c)}
			}
		}
	}
	return reply{status: http.StatusNotFound, body: notFound}
}
