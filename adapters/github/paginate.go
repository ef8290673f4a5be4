package github

import (
	"fmt"

	gh "github.com/google/go-github/v62/github"
)

// perPage is GitHub's largest page size; every list asks for it.
const perPage = 100

// maxPages stops a listing that never ends (a server bug, or a Link
// header pointing back at itself). The call budget bounds it too.
const maxPages = 100

// paginate walks every page of one listing, following GitHub's Link
// header (go-github's Response.NextPage). fetch is called with the page to
// get; what names the listing in errors.
func paginate[T any](what string, fetch func(opts gh.ListOptions) ([]T, *gh.Response, error)) ([]T, error) {
	opts := gh.ListOptions{PerPage: perPage}
	var all []T
	for pages := 1; ; pages++ {
		items, resp, err := fetch(opts)
		if err != nil {
			return nil, apiError(fmt.Sprintf("%s (page %d)", what, pages), err)
		}
		all = append(all, items...)
		if resp == nil || resp.NextPage == 0 {
			return all, nil
		}
		if pages >= maxPages || resp.NextPage == opts.Page {
			return nil, fmt.Errorf("%s: %w: stopped after %d pages", what, ErrTruncated, pages)
		}
		opts.Page = resp.NextPage
	}
}
