package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	gh "github.com/google/go-github/v62/github"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// PullRef is where a run fetches pull request n's head in the local
// repository.
func PullRef(n int) string { return "refs/writ/pull/" + strconv.Itoa(n) }

// PullRequests is GitHub plugged into the reconcile loop: as its source,
// pull requests propose and reviews decide; as its reporter, each head
// gets a check run and each pull request a plan comment, edited in place.
// It reads GitHub and the clone the loop runs on; it never writes main
// (the loop does) and never applies anything itself.
//
// One value serves one run: it reads the event's pull requests once, at
// the first fetch, before anything is written.
type PullRequests struct {
	Client *Client
	// Store is the clone the loop runs on (the Actions checkout): the
	// remote's refs are listed and reviewed commits read through it.
	Store *gitstore.Store
	// Event is the event that started the run (ReadEvent).
	Event Event
	// Repository is "owner/name"; default Event.Repository.
	Repository string
	// CheckName names the check run; default CheckName(Repository).
	CheckName string
	// Base is the branch pull requests must target; default "main".
	Base string
	// ReadOnly judges and publishes without applying anything (a token
	// that may not push): every pull request is held.
	ReadOnly bool

	read  bool
	facts []PullRequestFacts
	// unreadTeams are the role_teams the token may not read (403).
	unreadTeams []string
	ignored     map[int][]Ignored
	grants      map[string][]core.RoleGrant // read once per rules hash
	last        *RunReport
	// published are the pull requests this value published on: a second
	// Report looks their check and comment up.
	published map[int]bool
}

// PullResult is what a run made of one pull request.
type PullResult struct {
	Number  int
	HeadSHA string
	Author  string
	Fork    bool
	// Gate is the verdict on the proposal at HeadSHA (after applying: the
	// gate the entry was written from).
	Gate intake.GateResult
	// Ignored are the reviews that are not decisions, and why.
	Ignored []Ignored
	// Applied is true when this run wrote the proposal's entry, Entry.
	Applied bool
	Entry   plumbing.Hash
	// Held says why a ready (or rejected) proposal was not applied: a fork,
	// a read-only run, a draft.
	Held string
}

// RunReport says what a run did on GitHub's side.
type RunReport struct {
	Pulls []PullResult
	// Applied are the entries this run pushed, in log order.
	Applied []outcome.Applied
	// Main is the remote's main after the run.
	Main plumbing.Hash
	// Races counts lost races to push main.
	Races int
	// Notes are non-fatal trouble worth telling a human.
	Notes []string
}

// Last returns what the last run reported (nil before its report).
func (s *PullRequests) Last() *RunReport { return s.last }

func (s *PullRequests) base() string {
	if s.Base == "" {
		return "main"
	}
	return s.Base
}

func (s *PullRequests) repository() string {
	if s.Repository == "" {
		return s.Event.Repository
	}
	return s.Repository
}

// Refspecs reads, at the first call, every pull request the event is
// about (the event's for pull_request(_target) and pull_request_review,
// the completed run's for workflow_run, every open one into Base for push,
// schedule, workflow_dispatch and a workflow_run that names none) and
// their facts; any failure returns the error with nothing written. Each
// call then lists the remote's refs and asks for each pull request's
// refs/pull/<n>/head, fetched into PullRef(n).
func (s *PullRequests) Refspecs(ctx context.Context, remote string, note func(string)) ([]string, error) {
	if s.Client == nil || s.Store == nil {
		return nil, fmt.Errorf("github run: no client or clone")
	}
	if !s.read {
		if err := s.readFacts(ctx, note); err != nil {
			return nil, err
		}
	}
	if len(s.facts) == 0 {
		return nil, nil
	}
	refs, err := s.Store.RemoteRefs(ctx, remote)
	if err != nil {
		return nil, fmt.Errorf("github run: list refs of %s: %w", remote, err)
	}
	var specs []string
	for _, f := range s.facts {
		src := "refs/pull/" + strconv.Itoa(f.Number) + "/head"
		if _, ok := refs[src]; ok {
			specs = append(specs, "+"+src+":"+PullRef(f.Number))
		}
	}
	return specs, nil
}

// readFacts reads the pull requests the event is about, leaving out (with
// a note) the closed ones and those into another branch.
func (s *PullRequests) readFacts(ctx context.Context, note func(string)) error {
	s.Client.StartEvent()
	all, err := s.pullFacts(ctx)
	if err != nil {
		return err
	}
	for _, f := range all {
		n := f.Number
		switch {
		case f.State != "open" || f.Merged:
			note(fmt.Sprintf("pull request #%d is %s: not judged", n, f.State))
		case f.BaseRef != s.base():
			note(fmt.Sprintf("pull request #%d targets %s, not %s: not judged", n, f.BaseRef, s.base()))
		case !governed(f.Files):
			note(fmt.Sprintf("pull request #%d changes no proposal and no governed file: left alone", n))
		default:
			s.facts = append(s.facts, f)
		}
	}
	s.read, s.ignored = true, map[int][]Ignored{}
	return nil
}

// JudgeOnly reports whether an event's run judges without applying: a
// pull_request or pull_request_review run executes the workflow file of
// the pull request's own branch, which its author controls, so it never
// writes main; the default branch's workflow (push, workflow_run after the
// judge run, schedule, workflow_dispatch, pull_request_target) applies.
func JudgeOnly(event string) bool {
	return event == EventPullRequest || event == EventPullRequestReview
}

func pullName(n int) string { return "pull/" + strconv.Itoa(n) }

// governed reports whether a pull request that changes files touches
// anything writ judges: a proposal file or a governed path (the rules and
// ordinary files, schemas.IsGovernedPath). main is written by the
// reconciler alone, so a pull request that changes README.md without a
// proposal is judged too, and refused with a reason that says to add one.
// A pull request GitHub lists no files for is judged (and refused if it
// proposes nothing).
func governed(files []string) bool {
	if len(files) == 0 {
		return true
	}
	for _, f := range files {
		if strings.HasPrefix(f, schemas.ProposalsDir+"/") || schemas.IsGovernedPath(f) {
			return true
		}
	}
	return false
}

// Candidates names each pull request's head as fetched: waiting when the
// remote has no head for it yet or it moved while the run read it; held
// when it comes from a fork, is a draft, or the run is read-only.
func (s *PullRequests) Candidates(_ context.Context, v intake.View) ([]intake.Candidate, error) {
	out := make([]intake.Candidate, 0, len(s.facts))
	for _, f := range s.facts {
		c := intake.Candidate{Name: pullName(f.Number), FromCommits: true}
		head, err := s.Store.Ref(PullRef(f.Number))
		switch {
		case errors.Is(err, gitstore.ErrNoRef):
			c.Waiting = fmt.Sprintf("remote %s has no refs/pull/%d/head yet; the next run judges it", v.Remote, f.Number)
		case err != nil:
			return nil, err
		case head.String() != f.HeadSHA:
			c.Head = head
			c.Waiting = fmt.Sprintf("the head moved while this run read it (GitHub: %s, git: %s); the next run judges it", short(f.HeadSHA), short(head.String()))
		default:
			c.Head = head
		}
		switch {
		case f.Fork:
			c.Hold = "the pull request comes from a fork; writ never applies a fork's pull request"
		case f.Draft:
			c.Hold = "the pull request is a draft"
		case s.ReadOnly:
			c.Hold = "this run may not push (read-only); a run with a write token applies it"
		case JudgeOnly(s.Event.Name):
			c.Hold = "judged in a " + s.Event.Name + " run, which runs the pull request's own workflow file; the default branch's workflow (workflow_run, push, schedule) applies it"
		}
		out = append(out, c)
	}
	return out, nil
}

// facts returns the facts of the pull request a candidate names.
func (s *PullRequests) factsOf(name string) (PullRequestFacts, bool) {
	for _, f := range s.facts {
		if pullName(f.Number) == name {
			return f, true
		}
	}
	return PullRequestFacts{}, false
}

// Outside turns a pull request's reviews into decisions (identities by
// their writ.yaml github login, and github_id when pinned; content hashes
// of the proposal at each reviewed commit), makes the pull request's
// opener a co-author when another identity than the proposer (the policy
// counts an author's review only under allow_author), and adds the roles
// that the teams writ.yaml's github.role_teams names grant; the pull
// request itself is the proposal's trigger (see trigger).
func (s *PullRequests) Outside(ctx context.Context, v intake.View, c intake.Candidate, p intake.Pending) (intake.Outside, error) {
	f, ok := s.factsOf(c.Name)
	if !ok {
		return intake.Outside{}, nil
	}
	rules := v.State.Rules()
	contents, err := s.contentHashes(ctx, v.Main, p.Path, f)
	if err != nil {
		return intake.Outside{}, fmt.Errorf("github run: pull request #%d: %w", f.Number, err)
	}
	ids := newIdentities(rules.Config.Identities)
	decisions, ignored := reviewDecisions(f, ids, ContentAt(contents))
	s.ignored[f.Number] = ignored
	grants, err := s.teamGrants(ctx, rules, v.State.RulesHash())
	if err != nil {
		return intake.Outside{}, fmt.Errorf("github run: %w", err)
	}
	return intake.Outside{Decisions: decisions, Grants: grants, CoAuthors: coAuthors(f, ids, p.Proposer), Trigger: s.trigger(f)}, nil
}

// trigger is the pull request as what started its proposal:
// pull_request, ref "owner/name#n", url its page as GitHub names it; nil
// when GitHub names no page. The loop judges it
// (schemas.CheckSourceTrigger) and the entry records it only when the
// proposal names no trigger of its own.
func (s *PullRequests) trigger(f PullRequestFacts) *schemas.Trigger {
	if f.URL == "" {
		return nil
	}
	t := &schemas.Trigger{Kind: schemas.TriggerPullRequest, URL: f.URL}
	if repo := s.repository(); repo != "" {
		t.Ref = repo + "#" + strconv.Itoa(f.Number)
	}
	return t
}

// Report publishes one check run per head and one plan comment per pull
// request, and keeps what it published for Last. A run that failed
// publishes nothing (the next run judges again), except a run refused for
// commits on main that writ did not write (r.Foreign): a failing check on
// main's head names them (RenderForeign), and the pull requests are
// published as judged (all held but their recovery).
func (s *PullRequests) Report(ctx context.Context, r *outcome.Report) error {
	last := &RunReport{Applied: r.Applied, Main: r.Head, Races: r.Races, Notes: r.Notes}
	teamNote := s.unreadTeamsNote()
	if teamNote != "" {
		last.Notes = append(append([]string(nil), last.Notes...), teamNote)
	}
	s.last = last
	var errs []error
	if r.Foreign != nil {
		// main holds commits writ did not write: say so on main's head,
		// and judge the pull requests as usual (all held but a recovery).
		if err := s.reportForeign(ctx, r.Foreign, last); err != nil {
			errs = append(errs, err)
		}
	}
	if (r.Err != nil && r.Err != error(r.Foreign)) || !s.read {
		return errors.Join(errs...)
	}
	for _, f := range s.facts {
		if p, ok := s.result(f, r); ok {
			last.Pulls = append(last.Pulls, p)
		}
	}
	repo := s.repository()
	check := s.CheckName
	if check == "" {
		check = CheckName(repo)
	}
	for _, p := range last.Pulls {
		old, oerr := intake.MainFiles(s.Store, r.Head, p.Gate.Pending)
		if oerr != nil {
			errs = append(errs, fmt.Errorf("pull request #%d: diff of the rules change: %w", p.Number, oerr))
		}
		report := withPlan(proposalReport(p), p, r.State.Rules(), r.State.RulesHash(), old)
		if teamNote != "" {
			report.Explanation += teamNote + "\n"
		}
		out := RenderCheck(repo, p.HeadSHA, []ProposalReport{report})
		// First, so that no later failure leaves a rejected pull request
		// open: once open with its proposal on main, no run closes it.
		if err := s.closeRejected(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("pull request #%d: %w", p.Number, err))
		}
		if err := s.closeRejectedEarlier(ctx, r.Head, p); err != nil {
			errs = append(errs, fmt.Errorf("pull request #%d: %w", p.Number, err))
		}
		if err := s.closeWithdrawn(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("pull request #%d: %w", p.Number, err))
		}
		if err := s.closeRefusedForGood(ctx, p, r.Foreign != nil); err != nil {
			errs = append(errs, fmt.Errorf("pull request #%d: %w", p.Number, err))
		}
		// A pull request without comments has no plan comment, so writ
		// published nothing there: create both without looking them up.
		publishCheck, publishPlan := s.Client.PublishCheck, s.Client.UpsertPlanComment
		if f, _ := s.factsOf(pullName(p.Number)); f.Comments == 0 && !s.published[p.Number] {
			publishCheck, publishPlan = s.Client.PublishFirstCheck, s.Client.CreatePlanComment
		}
		if _, err := publishCheck(ctx, p.HeadSHA, check, out.Conclusion, out.Title, out.Summary, out.Text); err != nil {
			if p.Fork && forbidden(err) {
				// A fork's pull_request run gets a read-only token: the
				// verdict is in the run's log, not on the pull request.
				last.Notes = append(last.Notes, fmt.Sprintf("pull request #%d comes from a fork and this token is read-only: verdict %s not published (%s)",
					p.Number, p.Gate.Verdict, p.Gate.Reason))
				continue
			}
			errs = append(errs, fmt.Errorf("pull request #%d: %w", p.Number, err))
			continue
		}
		if s.published == nil {
			s.published = map[int]bool{}
		}
		s.published[p.Number] = true
		if _, err := publishPlan(ctx, p.Number, RenderPlan(repo, p.HeadSHA, []ProposalReport{report})); err != nil {
			errs = append(errs, fmt.Errorf("pull request #%d: %w", p.Number, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("github run: publish: %w", err)
	}
	return nil
}

// result finds what the loop made of pull request f; false when the run
// did not judge it (over the cap of proposals per round).
func (s *PullRequests) result(f PullRequestFacts, r *outcome.Report) (PullResult, bool) {
	name := pullName(f.Number)
	p := PullResult{Number: f.Number, HeadSHA: f.HeadSHA, Author: f.Author, Fork: f.Fork, Ignored: s.ignored[f.Number]}
	for _, a := range r.Applied {
		if a.Gate.Pending.Branch == name {
			p.Applied, p.Entry, p.Gate = true, a.Commit, a.Gate
			return p, true
		}
	}
	for _, h := range r.Held {
		if h.Gate.Pending.Branch == name {
			p.Gate, p.Held = h.Gate, h.Reason
			return p, true
		}
	}
	for _, list := range [][]intake.GateResult{r.Merged, r.Skipped} {
		for _, g := range list {
			if g.Pending.Branch == name {
				p.Gate = g
				return p, true
			}
		}
	}
	return p, false
}

// contentHashes returns the content hash an approval made on each commit a
// review was made on (and the head) binds to, as the local gate computes
// it (reconciler.ContentAt): read from the local clone where it has the
// commit. For a commit it lacks (force-pushed away), an instance
// proposal's hash is its file's, read from GitHub; a rule change's content
// is the whole change, which one file cannot show, so it stays unknown and
// such a review counts for its own commit only.
func (s *PullRequests) contentHashes(ctx context.Context, main plumbing.Hash, path string, f PullRequestFacts) (map[string]string, error) {
	out := map[string]string{}
	var missing []string
	// One budget for the pull request: its reviewed commits together
	// read no more than one proposal may (gitstore.DiffBudget).
	var budget gitstore.DiffBudget
	reader := &intake.Reader{Store: s.Store}
	for _, sha := range ReviewCommits(f) {
		h := plumbing.NewHash(sha)
		if h.String() != sha {
			continue
		}
		if _, err := s.Store.Commit(h); err != nil {
			missing = append(missing, sha)
			continue
		}
		content, err := reader.ContentAtWithin(&budget, main, h, path)
		switch {
		case errors.Is(err, gitstore.ErrNotFound), errors.Is(err, gitstore.ErrNotRegular),
			errors.Is(err, gitstore.ErrDiffTooLarge):
			// No regular proposal file there, or a change over the diff
			// limits (which no proposal makes): a review of that commit
			// binds to no content.
			out[sha] = ""
		case err != nil:
			return nil, err
		default:
			out[sha] = content
		}
	}
	if len(missing) > 0 && !schemas.IsRulesProposal(path) {
		remote, err := s.Client.ContentHashes(ctx, path, missing)
		if err != nil {
			return nil, err
		}
		for k, v := range remote {
			out[k] = v
		}
	}
	return out, nil
}

// identities maps GitHub logins to writ identities.
type identities struct {
	byLogin func(string) (string, bool)
	pinned  map[string]int64 // identity -> github_id, when set
}

func newIdentities(list []schemas.Identity) identities {
	logins := map[string]string{}
	pinned := map[string]int64{}
	for _, id := range list {
		if id.GitHub == "" {
			continue
		}
		logins[id.GitHub] = id.Name
		if id.GitHubID != 0 {
			pinned[id.Name] = id.GitHubID
		}
	}
	return identities{byLogin: IdentityByLogin(logins), pinned: pinned}
}

// coAuthors names the pull request's opener as a co-author of the
// proposal when their login maps to an identity other than the proposer's:
// the policy then judges their review as the author's (it counts only
// under allow_author), and the entry records them for replay.
func coAuthors(f PullRequestFacts, ids identities, proposer string) []string {
	if opener, ok := ids.byLogin(f.Author); ok && opener != proposer {
		return []string{opener}
	}
	return nil
}

// reviewDecisions turns a pull request's reviews into decisions with
// engine review refs, leaving out reviews by a user whose numeric id is
// not the one writ.yaml pins. The author's own review is a decision like
// any other: whether it counts is the policy's call (allow_author).
func reviewDecisions(f PullRequestFacts, ids identities, contentAt func(string) (string, error)) ([]policies.Decision, []Ignored) {
	decisions, ignored := Decisions(f.Reviews, ids.byLogin, contentAt)
	byRef := make(map[string]Review, len(f.Reviews))
	for _, rv := range f.Reviews {
		byRef[ref(rv)] = rv
	}
	out := decisions[:0]
	for _, d := range decisions {
		rv := byRef[d.Ref]
		ign := func(reason string) {
			ignored = append(ignored, Ignored{Ref: d.Ref, Login: rv.UserLogin, Identity: d.Identity, State: rv.State, Reason: reason})
		}
		if want, ok := ids.pinned[d.Identity]; ok && rv.UserID != want {
			ign(fmt.Sprintf("GitHub user id %d, but writ.yaml pins %s to github_id %d", rv.UserID, d.Identity, want))
			continue
		}
		rr := wal.ReviewRef{ReviewID: rv.ID, Login: rv.UserLogin, UserID: rv.UserID}.String()
		if _, err := wal.ParseReviewRef(rr); err != nil {
			ign(err.Error())
			continue
		}
		d.Ref = rr
		out = append(out, d)
	}
	return out, ignored
}

// proposalReport words a pull request's result for the check run and the
// plan comment.
func proposalReport(p PullResult) ProposalReport {
	g := p.Gate
	rep := ProposalReport{Path: g.Pending.Path, Verdict: string(g.Verdict), Reason: g.Reason}
	if rep.Path == "" {
		rep.Path = "pull/" + strconv.Itoa(p.Number)
	}
	switch {
	case p.Applied && g.Verdict == intake.VerdictRejected:
		rep.Reason = fmt.Sprintf("recorded as reject entry %s on main: %s", short(p.Entry.String()), g.Reason)
	case p.Applied && g.Verdict == intake.VerdictWithdrawn:
		rep.Reason = fmt.Sprintf("recorded as withdraw entry %s on main: %s", short(p.Entry.String()), g.Reason)
	case p.Applied:
		rep.Verdict = string(intake.VerdictMerged)
		rep.Reason = fmt.Sprintf("applied as WAL entry %s on main: %s", short(p.Entry.String()), g.Reason)
	case p.Held != "" && g.Verdict == intake.VerdictReady:
		// Judged ready but never applied: not a green check.
		rep.Verdict = VerdictHeld
		rep.Reason = fmt.Sprintf("%s; not applied: %s", g.Reason, p.Held)
	case p.Held != "":
		rep.Reason = fmt.Sprintf("%s; not applied: %s", g.Reason, p.Held)
	}
	for _, gr := range g.Outcome.Guards {
		status := "pass"
		if !gr.Passed {
			status = "fail"
		}
		detail := gr.Detail
		if gr.Name == core.GuardClock && gr.Passed && !p.Applied {
			// The stamp of an entry not written comes from this run's
			// clock: shown, it would change (and rewrite) every check on
			// every run.
			detail = "the entry's stamp follows the last entry's"
		}
		rep.Guards = append(rep.Guards, fmt.Sprintf("%s %s: %s", gr.Name, status, detail))
	}
	if g.Outcome.Policy != nil {
		var b strings.Builder
		g.Outcome.Policy.Render(&b)
		rep.Explanation = b.String()
	}
	if len(p.Ignored) > 0 {
		var b strings.Builder
		b.WriteString(rep.Explanation)
		b.WriteString("reviews that are not decisions:\n")
		for _, ig := range p.Ignored {
			fmt.Fprintf(&b, "  %s by %s: %s\n", ig.Ref, ig.Login, ig.Reason)
		}
		rep.Explanation = b.String()
	}
	return rep
}

// noteTeam records a team whose members the token may not read.
func (s *PullRequests) noteTeam(team string) {
	if !slices.Contains(s.unreadTeams, team) {
		s.unreadTeams = append(s.unreadTeams, team)
	}
}

// unreadTeamsNote says which teams could not be read and what token can.
func (s *PullRequests) unreadTeamsNote() string {
	if len(s.unreadTeams) == 0 {
		return ""
	}
	return fmt.Sprintf("team membership of %s not read: GitHub refused (403); the token needs the organisation's members:read "+
		"permission (a GitHub App token with Members: read; GITHUB_TOKEN never has it), so those teams' members count only as writ.yaml names them",
		strings.Join(s.unreadTeams, ", "))
}

// teamGrants reads the members of every team writ.yaml maps to a role
// (github.role_teams) and returns, in a stable order, a grant for each
// identity whose GitHub login is a member and who does not hold the role
// already. The entry records the grants; Apply honours them only as far as
// the rules map the role to the team.
func (s *PullRequests) teamGrants(ctx context.Context, rules *schemas.Bundle, rulesHash string) ([]core.RoleGrant, error) {
	gh := rules.Config.GitHub
	if gh == nil || len(gh.RoleTeams) == 0 {
		return nil, nil
	}
	if g, ok := s.grants[rulesHash]; ok {
		return g, nil
	}
	var teams []string
	for _, ts := range gh.RoleTeams {
		teams = append(teams, ts...)
	}
	sort.Strings(teams)
	members := map[string][]string{}
	for _, team := range teams {
		if _, done := members[team]; done {
			continue
		}
		got, err := s.Client.Teams(ctx, []string{team})
		switch {
		case forbidden(err):
			// Not an outage: the token may not read the organisation's
			// teams. The team's members count as writ.yaml alone says.
			s.noteTeam(team)
			members[team] = nil
			continue
		case err != nil:
			return nil, fmt.Errorf("team membership: %w", err)
		}
		members[team] = got[team]
	}
	ids := rules.Config.Identities
	var out []core.RoleGrant
	teamRoles(ids, func(id schemas.Identity) string { return id.GitHub }, gh.RoleTeams, members, func(i int, role, team string) {
		out = append(out, core.RoleGrant{Identity: ids[i].Name, Role: role, Source: team})
	})
	if s.grants == nil {
		s.grants = map[string][]core.RoleGrant{}
	}
	s.grants[rulesHash] = out
	return out, nil
}

// forbidden reports whether GitHub refused a request with 403 Forbidden
// (not a rate limit, which the client waits out).
func forbidden(err error) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusForbidden
}
