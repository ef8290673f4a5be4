package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	gh "github.com/google/go-github/v62/github"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// DefaultRaceRounds bounds how often one Run fetches and re-evaluates
// after losing the race to push main.
const DefaultRaceRounds = 5

// PullRef is where a Run fetches pull request n's head in the local
// repository.
func PullRef(n int) string { return "refs/writ/pull/" + strconv.Itoa(n) }

// Runner is one GitHub Actions run of the reconciler on a control repo
// whose proposals arrive as pull requests: the pull request proposes,
// reviews approve, the run applies.
type Runner struct {
	// Engine is the control repo's clone (the Actions checkout); Remote
	// the git remote that holds the truth (typically "origin").
	Engine *reconciler.Engine
	Client *Client
	Remote string
	// Event is the event that started the run (ReadEvent).
	Event Event
	// Repository is "owner/name"; default Event.Repository.
	Repository string
	// CheckName names the check run; default CheckName(Repository).
	CheckName string
	// Base is the branch pull requests must target; default "main".
	Base string
	// ReadOnly gates and publishes without applying anything (a token
	// that may not push).
	ReadOnly bool
	// Rounds bounds the fetch-and-re-evaluate rounds after lost races;
	// 0 means DefaultRaceRounds.
	Rounds int
}

// PullResult is what a Run made of one pull request.
type PullResult struct {
	Number  int
	HeadSHA string
	Author  string
	Fork    bool
	// Gate is the verdict on the proposal at HeadSHA (after applying: the
	// gate the entry was written from).
	Gate reconciler.GateResult
	// Ignored are the reviews that are not decisions, and why.
	Ignored []Ignored
	// Applied is true when this run wrote the proposal's entry, Entry.
	Applied bool
	Entry   plumbing.Hash
	// Held says why a ready (or rejected) proposal was not applied: a fork,
	// a read-only run, a draft, a head that moved.
	Held string
}

// RunReport says what a Run did.
type RunReport struct {
	Pulls []PullResult
	// Applied are the entries this run pushed, in log order.
	Applied []reconciler.AppliedEntry
	// Main is the remote's main after the run.
	Main plumbing.Hash
	// Races counts lost races to push main.
	Races int
	// Notes are non-fatal trouble worth telling a human.
	Notes []string
}

// Run judges the event's pull requests and applies the ready ones:
//
//  1. pick the pull requests: the event's for pull_request(_target) and
//     pull_request_review, every open one into Base for push, schedule
//     and workflow_dispatch; read their facts from GitHub (any failure
//     here returns the error with nothing written: the next run catches
//     up);
//  2. fetch the remote's main, proposal branches and checkpoint, and each
//     pull request's refs/pull/<n>/head into PullRef(n); load the verified
//     state;
//  3. per pull request: read the proposal between main and the head
//     (reconciler.PendingFromCommits), turn reviews into decisions (identities
//     by their writ.yaml github login, and github_id when pinned; the pull
//     request author's own review never counts; content hashes of the
//     proposal file at each reviewed commit), and gate it;
//  4. apply the ready and rejected ones with reconciler.ApplyReady, except
//     from forks, drafts, or when ReadOnly; on a lost race fetch and
//     re-evaluate, at most Rounds times;
//  5. publish one check run per head (CheckName) and one plan comment per
//     pull request, edited in place.
func (r *Runner) Run(ctx context.Context) (*RunReport, error) {
	if r.Engine == nil || r.Client == nil {
		return nil, fmt.Errorf("github run: no engine or client")
	}
	if r.Remote == "" {
		return nil, fmt.Errorf("github run: no git remote (want e.g. origin)")
	}
	repo := r.Repository
	if repo == "" {
		repo = r.Event.Repository
	}
	check := r.CheckName
	if check == "" {
		check = CheckName(repo)
	}
	base := r.Base
	if base == "" {
		base = "main"
	}
	rounds := r.Rounds
	if rounds <= 0 {
		rounds = DefaultRaceRounds
	}
	r.Client.StartEvent()
	rep := &RunReport{}

	// 1. Read everything GitHub says before writing anything.
	numbers, err := r.pullNumbers(ctx, base)
	if err != nil {
		return rep, err
	}
	var facts []PullRequestFacts
	for _, n := range numbers {
		f, err := r.Client.PullRequest(ctx, n)
		if err != nil {
			return rep, fmt.Errorf("github run: %w", err)
		}
		switch {
		case f.State != "open" || f.Merged:
			rep.Notes = append(rep.Notes, fmt.Sprintf("pull request #%d is %s: not judged", n, f.State))
		case f.BaseRef != base:
			rep.Notes = append(rep.Notes, fmt.Sprintf("pull request #%d targets %s, not %s: not judged", n, f.BaseRef, base))
		default:
			facts = append(facts, f)
		}
	}
	if len(facts) == 0 {
		return rep, nil
	}
	start, _ := r.Engine.Store.Ref(gitstore.MainRef)

	// 2-4. Evaluate and apply, again after every lost race.
	var pulls []PullResult
	for round := 1; ; round++ {
		pulls, err = r.round(ctx, facts, rep)
		if err == nil {
			break
		}
		if !errors.Is(err, gitstore.ErrRefMoved) {
			return rep, err
		}
		rep.Races++
		if round >= rounds {
			return rep, fmt.Errorf("github run: gave up after %d lost races: %w", round, err)
		}
	}
	rep.Pulls = pulls
	if now, err := r.Engine.Store.Ref(gitstore.MainRef); err == nil && now != start && !start.IsZero() {
		if err := r.Engine.Store.SyncWorktree(start, now); err != nil {
			rep.Notes = append(rep.Notes, "working tree not updated: "+err.Error())
		}
	}

	// 5. Publish.
	var errs []error
	for _, p := range pulls {
		report := proposalReport(p)
		out := RenderCheck(repo, p.HeadSHA, []ProposalReport{report})
		if _, err := r.Client.PublishCheck(ctx, p.HeadSHA, check, out.Conclusion, out.Title, out.Summary, out.Text); err != nil {
			if p.Fork && forbidden(err) {
				// A fork's pull_request run gets a read-only token: the
				// verdict is in the run's log, not on the pull request.
				rep.Notes = append(rep.Notes, fmt.Sprintf("pull request #%d comes from a fork and this token is read-only: verdict %s not published (%s)",
					p.Number, p.Gate.Verdict, p.Gate.Reason))
				continue
			}
			errs = append(errs, fmt.Errorf("pull request #%d: %w", p.Number, err))
			continue
		}
		if _, err := r.Client.UpsertPlanComment(ctx, p.Number, RenderPlan(repo, p.HeadSHA, []ProposalReport{report})); err != nil {
			errs = append(errs, fmt.Errorf("pull request #%d: %w", p.Number, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return rep, fmt.Errorf("github run: publish: %w", err)
	}
	return rep, nil
}

// pullNumbers lists the pull requests an event is about.
func (r *Runner) pullNumbers(ctx context.Context, base string) ([]int, error) {
	ev := r.Event
	switch ev.Name {
	case EventPullRequest, EventPullRequestTarget, EventPullRequestReview:
		if ev.PullRequest == nil || ev.PullRequest.Number <= 0 {
			return nil, fmt.Errorf("%w: %s event without a pull request", ErrMalformedEvent, ev.Name)
		}
		return []int{ev.PullRequest.Number}, nil
	case EventPush, EventSchedule, EventWorkflowDispatch:
		open, err := r.Client.ListOpenPullRequests(ctx, base)
		if err != nil {
			return nil, fmt.Errorf("github run: %w", err)
		}
		out := make([]int, 0, len(open))
		for _, p := range open {
			out = append(out, p.Number)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnsupportedEvent, ev.Name)
}

// round fetches, gates every pull request against the remote's main and
// applies the ready ones. A lost race wraps gitstore.ErrRefMoved.
func (r *Runner) round(ctx context.Context, facts []PullRequestFacts, rep *RunReport) ([]PullResult, error) {
	e := r.Engine
	refs, err := e.Store.RemoteRefs(ctx, r.Remote)
	if err != nil {
		return nil, fmt.Errorf("github run: list refs of %s: %w", r.Remote, err)
	}
	var specs []string
	for _, f := range facts {
		src := "refs/pull/" + strconv.Itoa(f.Number) + "/head"
		if _, ok := refs[src]; ok {
			specs = append(specs, "+"+src+":"+PullRef(f.Number))
		}
	}
	st, err := e.FetchState(ctx, r.Remote, specs...)
	if err != nil {
		return nil, fmt.Errorf("github run: %w", err)
	}
	rep.Notes = append(rep.Notes, st.Notes...)
	rep.Main = st.Main
	rules := st.State.Rules()
	ids := newIdentities(rules.Config.Identities)
	grants, err := r.teamGrants(ctx, rules)
	if err != nil {
		return nil, fmt.Errorf("github run: %w", err)
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	hlc := core.NextHLC(st.State.Clock().HLC, now().UnixMilli())

	pulls := make([]PullResult, len(facts))
	var ready []reconciler.GateResult
	for i, f := range facts {
		p := PullResult{Number: f.Number, HeadSHA: f.HeadSHA, Author: f.Author, Fork: f.Fork}
		name := "pull/" + strconv.Itoa(f.Number)
		head, err := e.Store.Ref(PullRef(f.Number))
		switch {
		case errors.Is(err, gitstore.ErrNoRef):
			p.Gate = reconciler.GateResult{Pending: reconciler.Pending{Branch: name}, Verdict: reconciler.VerdictWaiting,
				Reason: fmt.Sprintf("remote %s has no refs/pull/%d/head yet; the next run judges it", r.Remote, f.Number)}
			pulls[i] = p
			continue
		case err != nil:
			return nil, err
		case head.String() != f.HeadSHA:
			p.Gate = reconciler.GateResult{Pending: reconciler.Pending{Branch: name, Head: head}, Verdict: reconciler.VerdictWaiting,
				Reason: fmt.Sprintf("the head moved while this run read it (GitHub: %s, git: %s); the next run judges it", short(f.HeadSHA), short(head.String()))}
			pulls[i] = p
			continue
		}
		pending, err := e.PendingFromCommits(rules, st.Main, name, head)
		if err != nil {
			return nil, fmt.Errorf("github run: pull request #%d: %w", f.Number, err)
		}
		if pending.Path != "" && len(pending.Problems) == 0 && !pending.Merged {
			contents, err := r.contentHashes(ctx, st.Main, pending.Path, f)
			if err != nil {
				return nil, fmt.Errorf("github run: pull request #%d: %w", f.Number, err)
			}
			var decisions []policies.Decision
			decisions, p.Ignored = reviewDecisions(f, ids, ContentAt(contents))
			pending.Decisions = append(pending.Decisions, decisions...)
			pending.Grants = grants
		}
		if st.State, err = e.RestoreBuckets(st.State, st.Checkpoint, pending.Needs(st.State)); err != nil {
			return nil, fmt.Errorf("github run: pull request #%d: load state: %w", f.Number, err)
		}
		if p.Gate, err = reconciler.Gate(st.State, pending, hlc); err != nil {
			return nil, fmt.Errorf("github run: pull request #%d: %w", f.Number, err)
		}
		switch {
		case p.Gate.Verdict != reconciler.VerdictReady && p.Gate.Verdict != reconciler.VerdictRejected:
		case f.Fork:
			p.Held = "the pull request comes from a fork; writ never applies a fork's pull request"
		case f.Draft:
			p.Held = "the pull request is a draft"
		case r.ReadOnly:
			p.Held = "this run may not push (read-only); a run with a write token applies it"
		default:
			ready = append(ready, p.Gate)
		}
		pulls[i] = p
	}
	if len(ready) == 0 {
		return pulls, nil
	}
	applied, main, err := e.ApplyReady(ctx, r.Remote, st, ready)
	if err != nil {
		return nil, fmt.Errorf("github run: %w", err)
	}
	rep.Main = main
	rep.Applied = append(rep.Applied, applied...)
	for _, a := range applied {
		for i := range pulls {
			if pulls[i].Gate.Pending.Branch == a.Gate.Pending.Branch {
				pulls[i].Applied, pulls[i].Entry, pulls[i].Gate = true, a.Commit, a.Gate
			}
		}
	}
	return pulls, nil
}

// contentHashes returns the content hash an approval made on each commit a
// review was made on (and the head) binds to, as the local gate computes
// it (reconciler.ContentAt): read from the local clone where it has the
// commit. For a commit it lacks (force-pushed away), an instance
// proposal's hash is its file's, read from GitHub; a rule change's content
// is the whole change, which one file cannot show, so it stays unknown and
// such a review counts for its own commit only.
func (r *Runner) contentHashes(ctx context.Context, main plumbing.Hash, path string, f PullRequestFacts) (map[string]string, error) {
	out := map[string]string{}
	var missing []string
	for _, sha := range ReviewCommits(f) {
		h := plumbing.NewHash(sha)
		if h.String() != sha {
			continue
		}
		if _, err := r.Engine.Store.Commit(h); err != nil {
			missing = append(missing, sha)
			continue
		}
		content, err := r.Engine.ContentAt(main, h, path)
		switch {
		case errors.Is(err, gitstore.ErrNotFound), errors.Is(err, gitstore.ErrNotRegular):
			// No regular proposal file there: a review of that commit
			// binds to no content.
			out[sha] = ""
		case err != nil:
			return nil, err
		default:
			out[sha] = content
		}
	}
	if len(missing) > 0 && !reconciler.IsRulesProposal(path) {
		remote, err := r.Client.ContentHashes(ctx, path, missing)
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

// reviewDecisions turns a pull request's reviews into decisions with
// engine review refs, leaving out the author's own reviews and reviews by
// a user whose numeric id is not the one writ.yaml pins.
func reviewDecisions(f PullRequestFacts, ids identities, contentAt func(string) (string, error)) ([]policies.Decision, []Ignored) {
	decisions, ignored := Decisions(f.Reviews, ids.byLogin, contentAt)
	byRef := make(map[string]Review, len(f.Reviews))
	for _, rv := range f.Reviews {
		byRef[ref(rv)] = rv
	}
	author, authorKnown := ids.byLogin(f.Author)
	out := decisions[:0]
	for _, d := range decisions {
		rv := byRef[d.Ref]
		ign := func(reason string) {
			ignored = append(ignored, Ignored{Ref: d.Ref, Login: rv.UserLogin, Identity: d.Identity, State: rv.State, Reason: reason})
		}
		if strings.EqualFold(rv.UserLogin, f.Author) || (authorKnown && d.Identity == author) {
			ign("the pull request's author cannot decide on it")
			continue
		}
		if want, ok := ids.pinned[d.Identity]; ok && rv.UserID != want {
			ign(fmt.Sprintf("GitHub user id %d, but writ.yaml pins %s to github_id %d", rv.UserID, d.Identity, want))
			continue
		}
		rr := reconciler.ReviewRef{ReviewID: rv.ID, Login: rv.UserLogin, UserID: rv.UserID}.String()
		if _, err := reconciler.ParseReviewRef(rr); err != nil {
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
	case p.Applied && g.Verdict == reconciler.VerdictRejected:
		rep.Reason = fmt.Sprintf("recorded as reject entry %s on main: %s", short(p.Entry.String()), g.Reason)
	case p.Applied:
		rep.Verdict = string(reconciler.VerdictMerged)
		rep.Reason = fmt.Sprintf("applied as WAL entry %s on main: %s", short(p.Entry.String()), g.Reason)
	case p.Held != "":
		rep.Reason = fmt.Sprintf("%s; not applied: %s", g.Reason, p.Held)
	}
	for _, gr := range g.Outcome.Guards {
		status := "pass"
		if !gr.Passed {
			status = "fail"
		}
		rep.Guards = append(rep.Guards, fmt.Sprintf("%s %s: %s", gr.Name, status, gr.Detail))
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

// teamGrants reads the members of every team writ.yaml maps to a role
// (github.role_teams) and returns, in a stable order, a grant for each
// identity whose GitHub login is a member and who does not hold the role
// already. The entry records the grants; Apply honours them only as far as
// the rules map the role to the team.
func (r *Runner) teamGrants(ctx context.Context, rules *schemas.Bundle) ([]core.RoleGrant, error) {
	gh := rules.Config.GitHub
	if gh == nil || len(gh.RoleTeams) == 0 {
		return nil, nil
	}
	var teams []string
	for _, ts := range gh.RoleTeams {
		teams = append(teams, ts...)
	}
	members, err := r.Client.Teams(ctx, teams)
	if err != nil {
		return nil, fmt.Errorf("team membership: %w", err)
	}
	ids := rules.Config.Identities
	var out []core.RoleGrant
	teamRoles(ids, func(id schemas.Identity) string { return id.GitHub }, gh.RoleTeams, members, func(i int, role, team string) {
		out = append(out, core.RoleGrant{Identity: ids[i].Name, Role: role, Source: team})
	})
	return out, nil
}

// forbidden reports whether GitHub refused a request with 403 Forbidden
// (not a rate limit, which the client waits out).
func forbidden(err error) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusForbidden
}
