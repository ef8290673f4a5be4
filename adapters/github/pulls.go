package github

import (
	"context"
	"fmt"
	"sort"
	"strings"

	gh "github.com/google/go-github/v62/github"
)

// OpenPullRequest is one open pull request as the listing shows it: what
// pulls/get says too, less the counts of commits, files and comments.
type OpenPullRequest struct {
	Number int
	// URL is the pull request's page (html_url).
	URL      string
	HeadSHA  string
	HeadRef  string
	BaseSHA  string
	BaseRef  string
	Author   string
	AuthorID int64
	Fork     bool
	Draft    bool
}

// ListOpenPullRequests lists the repository's open pull requests into
// base (a branch name such as "main"; empty: any base), every page, in
// ascending number order. Calls: one per page of 100.
func (c *Client) ListOpenPullRequests(ctx context.Context, base string) ([]OpenPullRequest, error) {
	prs, err := paginate("list open pull requests", func(o gh.ListOptions) ([]*gh.PullRequest, *gh.Response, error) {
		return c.gh.PullRequests.List(ctx, c.owner, c.repo, &gh.PullRequestListOptions{State: "open", Base: base, ListOptions: o})
	})
	if err != nil {
		return nil, err
	}
	out := make([]OpenPullRequest, 0, len(prs))
	for _, pr := range prs {
		if pr.GetNumber() <= 0 || pr.GetHead().GetSHA() == "" {
			return nil, fmt.Errorf("list open pull requests: a pull request without a number or a head sha")
		}
		headRepo := pr.GetHead().GetRepo().GetFullName()
		out = append(out, OpenPullRequest{
			Number: pr.GetNumber(), URL: pr.GetHTMLURL(), HeadSHA: pr.GetHead().GetSHA(), HeadRef: pr.GetHead().GetRef(),
			BaseSHA: pr.GetBase().GetSHA(), BaseRef: pr.GetBase().GetRef(),
			Author: pr.GetUser().GetLogin(), AuthorID: pr.GetUser().GetID(), Draft: pr.GetDraft(),
			Fork: headRepo == "" || !strings.EqualFold(headRepo, pr.GetBase().GetRepo().GetFullName()),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// CommentCounts returns how many comments each open pull request has, by
// number, from the repository's open issue listing (GitHub lists pull
// requests as issues, with their comment count). It reads at most
// maxPages pages of 100 and leaves out what lies beyond (a repository with
// more open issues than that); callers treat a missing number as
// unknown. Calls: one per page read.
func (c *Client) CommentCounts(ctx context.Context, maxPages int) (map[int]int, error) {
	out := map[int]int{}
	opts := gh.IssueListByRepoOptions{State: "open", ListOptions: gh.ListOptions{PerPage: perPage}}
	for page := 1; page <= maxPages; page++ {
		issues, resp, err := c.gh.Issues.ListByRepo(ctx, c.owner, c.repo, &opts)
		if err != nil {
			return nil, apiError(fmt.Sprintf("list open issues (page %d)", page), err)
		}
		for _, is := range issues {
			if is.IsPullRequest() && is.GetNumber() > 0 {
				out[is.GetNumber()] = is.GetComments()
			}
		}
		if resp == nil || resp.NextPage == 0 || resp.NextPage == opts.Page {
			break
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}

// ListedPullRequest reads the facts of an open pull request from its
// listing: the listing's fields, then every page of its files and reviews.
// It does not list commits, so it cannot see the head move while it
// reads: the caller must compare HeadSHA with the head it then fetches
// (the GitHub run does, and waits for the next run when they differ).
// comments is the pull request's comment count (CommentCounts), or -1 if
// unknown. A pull request with GitHub's maximum of files listed fails with
// ErrTruncated. Calls: two, plus one per extra page of 100.
func (c *Client) ListedPullRequest(ctx context.Context, p OpenPullRequest, comments int) (PullRequestFacts, error) {
	f := PullRequestFacts{Number: p.Number, URL: p.URL, HeadSHA: p.HeadSHA, HeadRef: p.HeadRef, BaseSHA: p.BaseSHA, BaseRef: p.BaseRef,
		Author: p.Author, AuthorID: p.AuthorID, Fork: p.Fork, Draft: p.Draft, State: "open", Comments: comments}
	if err := c.readFiles(ctx, &f); err != nil {
		return PullRequestFacts{}, err
	}
	if len(f.Files) >= maxPullFiles {
		return PullRequestFacts{}, fmt.Errorf("pull request #%d: %w: %d files or more, GitHub lists at most %d", p.Number, ErrTruncated, maxPullFiles, maxPullFiles)
	}
	if err := c.readReviews(ctx, &f); err != nil {
		return PullRequestFacts{}, err
	}
	return f, nil
}
