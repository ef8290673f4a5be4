package github

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"
)

// GitHub's caps on a pull request's listings.
const (
	maxPullCommits = 250
	maxPullFiles   = 3000
)

// PullRequestFacts is what GitHub says about one pull request at one head
// commit: everything the gate needs from GitHub, read before anything is
// published. It holds no judgement: the author is named, not excluded;
// reviews are listed, not counted.
type PullRequestFacts struct {
	Number int
	// URL is the pull request's page (GitHub's html_url), "" when GitHub
	// names none.
	URL     string
	HeadSHA string
	HeadRef string
	BaseSHA string
	BaseRef string
	// Author is the login of the pull request's author (once mapped to an
	// identity, an author of the proposal: the policy evaluator counts
	// their review only under a rule that sets allow_author). AuthorID is
	// their numeric id.
	Author   string
	AuthorID int64
	// Fork is true when the head branch lives in another repository, or
	// in one that was deleted.
	Fork   bool
	State  string
	Draft  bool
	Merged bool
	// Files are the paths the pull request changes, as GitHub lists them
	// (a rename lists both names).
	Files []string
	// Commits are the pull request's commit shas, oldest first; the last
	// is HeadSHA.
	Commits []string
	// Reviews are every submitted review, in submission order.
	Reviews []Review
	// Comments is how many issue comments the pull request has (none:
	// writ has never published its plan comment there); -1 when unknown.
	Comments int
}

// Review is one submitted pull request review.
type Review struct {
	ID        int64
	UserLogin string
	UserID    int64
	// State is APPROVED, CHANGES_REQUESTED, COMMENTED or DISMISSED.
	State string
	// CommitID is the head commit the review was made on; empty if GitHub
	// no longer knows it.
	CommitID    string
	SubmittedAt time.Time
	Body        string
}

// PullRequest reads the facts of pull request number: the pull request,
// then every page of its files, commits and reviews. If the head moves
// while they are read (the last listed commit is not the head read first),
// it fails with ErrHeadMoved rather than mix two heads; a pull request past
// GitHub's listing caps (250 commits, 3000 files) fails with ErrTruncated.
// Calls: 4 plus one per extra page of 100.
func (c *Client) PullRequest(ctx context.Context, number int) (PullRequestFacts, error) {
	pr, _, err := c.gh.PullRequests.Get(ctx, c.owner, c.repo, number)
	if err != nil {
		return PullRequestFacts{}, apiError(fmt.Sprintf("get pull request #%d", number), err)
	}
	f := PullRequestFacts{
		Number:  pr.GetNumber(),
		URL:     pr.GetHTMLURL(),
		HeadSHA: pr.GetHead().GetSHA(),
		HeadRef: pr.GetHead().GetRef(),
		BaseSHA: pr.GetBase().GetSHA(),
		BaseRef: pr.GetBase().GetRef(),
		Author:  pr.GetUser().GetLogin(),

		AuthorID: pr.GetUser().GetID(),
		State:    pr.GetState(),
		Draft:    pr.GetDraft(),
		Merged:   pr.GetMerged(),
		Comments: -1,
	}
	if pr.Comments != nil {
		f.Comments = pr.GetComments()
	}
	headRepo := pr.GetHead().GetRepo().GetFullName()
	f.Fork = headRepo == "" || !strings.EqualFold(headRepo, pr.GetBase().GetRepo().GetFullName())
	if f.HeadSHA == "" || f.Number != number {
		return PullRequestFacts{}, fmt.Errorf("get pull request #%d: response has no head sha or another number (%d)", number, f.Number)
	}
	if pr.GetCommits() > maxPullCommits {
		return PullRequestFacts{}, fmt.Errorf("pull request #%d: %w: %d commits, GitHub lists at most %d", number, ErrTruncated, pr.GetCommits(), maxPullCommits)
	}
	if pr.GetChangedFiles() > maxPullFiles {
		return PullRequestFacts{}, fmt.Errorf("pull request #%d: %w: %d files, GitHub lists at most %d", number, ErrTruncated, pr.GetChangedFiles(), maxPullFiles)
	}

	if err := c.readFiles(ctx, &f); err != nil {
		return PullRequestFacts{}, err
	}

	commits, err := paginate(fmt.Sprintf("list commits of #%d", number), func(o gh.ListOptions) ([]*gh.RepositoryCommit, *gh.Response, error) {
		return c.gh.PullRequests.ListCommits(ctx, c.owner, c.repo, number, &o)
	})
	if err != nil {
		return PullRequestFacts{}, err
	}
	for _, cm := range commits {
		f.Commits = append(f.Commits, cm.GetSHA())
	}
	if len(f.Commits) == 0 || f.Commits[len(f.Commits)-1] != f.HeadSHA {
		last := "none"
		if len(f.Commits) > 0 {
			last = f.Commits[len(f.Commits)-1]
		}
		return PullRequestFacts{}, fmt.Errorf("pull request #%d: %w: head was %s, the commit list ends at %s", number, ErrHeadMoved, f.HeadSHA, last)
	}

	if err := c.readReviews(ctx, &f); err != nil {
		return PullRequestFacts{}, err
	}
	return f, nil
}

// readFiles lists every page of a pull request's files into f.Files
// (a rename's old name too), sorted.
func (c *Client) readFiles(ctx context.Context, f *PullRequestFacts) error {
	files, err := paginate(fmt.Sprintf("list files of #%d", f.Number), func(o gh.ListOptions) ([]*gh.CommitFile, *gh.Response, error) {
		return c.gh.PullRequests.ListFiles(ctx, c.owner, c.repo, f.Number, &o)
	})
	if err != nil {
		return err
	}
	for _, file := range files {
		f.Files = append(f.Files, file.GetFilename())
		if prev := file.GetPreviousFilename(); prev != "" {
			f.Files = append(f.Files, prev)
		}
	}
	sort.Strings(f.Files)
	return nil
}

// readReviews lists every page of a pull request's submitted reviews into
// f.Reviews, in submission order.
func (c *Client) readReviews(ctx context.Context, f *PullRequestFacts) error {
	reviews, err := paginate(fmt.Sprintf("list reviews of #%d", f.Number), func(o gh.ListOptions) ([]*gh.PullRequestReview, *gh.Response, error) {
		return c.gh.PullRequests.ListReviews(ctx, c.owner, c.repo, f.Number, &o)
	})
	if err != nil {
		return err
	}
	for _, r := range reviews {
		if r.GetState() == "PENDING" {
			continue // a draft review, visible to its author only
		}
		f.Reviews = append(f.Reviews, Review{
			ID: r.GetID(), UserLogin: r.GetUser().GetLogin(), UserID: r.GetUser().GetID(),
			State: strings.ToUpper(r.GetState()), CommitID: r.GetCommitID(),
			SubmittedAt: r.GetSubmittedAt().Time, Body: r.GetBody(),
		})
	}
	sortReviews(f.Reviews)
	return nil
}

// sortReviews orders reviews by submission time, then id (GitHub's ids
// grow), so "latest" is well defined whatever order a listing used.
func sortReviews(rs []Review) {
	sort.SliceStable(rs, func(i, j int) bool {
		if !rs[i].SubmittedAt.Equal(rs[j].SubmittedAt) {
			return rs[i].SubmittedAt.Before(rs[j].SubmittedAt)
		}
		return rs[i].ID < rs[j].ID
	})
}
