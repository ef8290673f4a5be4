package github

import (
	"context"
	"fmt"
	"sort"

	gh "github.com/google/go-github/v62/github"
)

// OpenPullRequest is one open pull request as the listing shows it.
type OpenPullRequest struct {
	Number  int
	HeadSHA string
	BaseRef string
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
		if pr.GetNumber() <= 0 {
			return nil, fmt.Errorf("list open pull requests: a pull request without a number")
		}
		out = append(out, OpenPullRequest{Number: pr.GetNumber(), HeadSHA: pr.GetHead().GetSHA(), BaseRef: pr.GetBase().GetRef()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}
