package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Pull is a pull request as the fake stores it.
type Pull struct {
	Number   int
	Author   string
	HeadSHA  string
	HeadRef  string
	BaseSHA  string
	BaseRef  string
	Fork     bool
	State    string // default "open"
	Commits  []string
	Files    []string
	Reviews  []Review
	Draft    bool
	Merged   bool
	AuthorID int64 // default: derived from the login
}

// Review is a submitted review as the fake stores it.
type Review struct {
	ID          int64
	Login       string
	State       string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED
	CommitID    string
	Body        string
	SubmittedAt time.Time
}

// Comment is an issue comment.
type Comment struct {
	ID    int64
	Login string
	Body  string
}

// CheckRun is a check run.
type CheckRun struct {
	ID         int64
	Name       string
	HeadSHA    string
	ExternalID string
	Status     string
	Conclusion string
	Title      string
	Summary    string
	Text       string
}

type state struct {
	pulls     map[int]*Pull
	files     map[string][]byte // sha + ":" + path
	teams     map[string][]string
	comments  map[int][]*Comment
	checkRuns []*CheckRun
	nextID    int64
}

func newState() state {
	return state{pulls: map[int]*Pull{}, files: map[string][]byte{}, teams: map[string][]string{},
		comments: map[int][]*Comment{}, nextID: 9000}
}

// BotLogin is the author of the comments and check runs the adapter
// writes, as GitHub Actions' token shows it.
const BotLogin = "github-actions[bot]"

// AddPull stores a pull request (replacing one with the same number).
// Commits default to [HeadSHA]; State to "open".
func (s *Server) AddPull(p Pull) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.State == "" {
		p.State = "open"
	}
	if len(p.Commits) == 0 {
		p.Commits = []string{p.HeadSHA}
	}
	if p.AuthorID == 0 {
		p.AuthorID = UserID(p.Author)
	}
	p.Reviews = append([]Review(nil), p.Reviews...)
	s.state.pulls[p.Number] = &p
}

// AddReview appends a review to a pull request; ID defaults to the next
// id, SubmittedAt to the fake's clock.
func (s *Server) AddReview(number int, r Review) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.state.pulls[number]
	if p == nil {
		panic(fmt.Sprintf("githubtest: no pull request #%d", number))
	}
	if r.ID == 0 {
		s.state.nextID++
		r.ID = s.state.nextID
	}
	if r.SubmittedAt.IsZero() {
		r.SubmittedAt = s.now()
	}
	p.Reviews = append(p.Reviews, r)
	return r.ID
}

// DismissReview turns a review's state into DISMISSED, as GitHub does.
func (s *Server) DismissReview(number int, id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.state.pulls[number].Reviews {
		if s.state.pulls[number].Reviews[i].ID == id {
			s.state.pulls[number].Reviews[i].State = "DISMISSED"
		}
	}
}

// Push moves a pull request's head: commits become its commit list and
// the last one its head (a force-push replaces the list).
func (s *Server) Push(number int, commits ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.state.pulls[number]
	p.Commits = append([]string(nil), commits...)
	p.HeadSHA = commits[len(commits)-1]
}

// SetFile stores a file's bytes at a commit.
func (s *Server) SetFile(sha, path string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.files[sha+":"+path] = append([]byte(nil), data...)
}

// SetTeam sets the members of org/slug.
func (s *Server) SetTeam(org, slug string, logins ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.teams[org+"/"+slug] = append([]string(nil), logins...)
}

// AddComment adds a comment to an issue or pull request.
func (s *Server) AddComment(number int, login, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.nextID++
	s.state.comments[number] = append(s.state.comments[number], &Comment{ID: s.state.nextID, Login: login, Body: body})
	return s.state.nextID
}

// Comments returns an issue's comments, oldest first.
func (s *Server) Comments(number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.state.comments[number] {
		out = append(out, *c)
	}
	return out
}

// CheckRuns returns the check runs on a head commit, oldest first.
func (s *Server) CheckRuns(sha string) []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, c := range s.state.checkRuns {
		if c.HeadSHA == sha {
			out = append(out, *c)
		}
	}
	return out
}

// AddCheckRun stores a check run made by someone else (another app).
func (s *Server) AddCheckRun(c CheckRun) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.nextID++
	c.ID = s.state.nextID
	s.state.checkRuns = append(s.state.checkRuns, &c)
	return c.ID
}

// UserID is the fake's stable numeric id for a login.
func UserID(login string) int64 {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(login)))
	return int64(h.Sum32()%10_000_000) + 1
}

// SHA returns a deterministic 40-hex commit sha for a label, for tests
// that need many distinct commits.
func SHA(label string) string {
	sum := sha1.Sum([]byte(label))
	return hex.EncodeToString(sum[:])
}
