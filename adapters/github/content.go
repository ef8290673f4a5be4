package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"

	gh "github.com/google/go-github/v62/github"

	"github.com/writ-dev/writ/schemas"
)

// FileAt returns the bytes of a file at a commit. found is false when the
// file does not exist there (GitHub answers 404). One call.
func (c *Client) FileAt(ctx context.Context, path, ref string) (data []byte, found bool, err error) {
	file, _, _, err := c.gh.Repositories.GetContents(ctx, c.owner, c.repo, path, &gh.RepositoryContentGetOptions{Ref: ref})
	var resp *gh.ErrorResponse
	switch {
	case errors.As(err, &resp) && resp.Response != nil && resp.Response.StatusCode == http.StatusNotFound:
		return nil, false, nil
	case err != nil:
		return nil, false, apiError(fmt.Sprintf("get %s at %s", path, short(ref)), err)
	case file == nil:
		return nil, false, fmt.Errorf("get %s at %s: not a file", path, short(ref))
	}
	text, err := file.GetContent()
	if err != nil {
		return nil, false, fmt.Errorf("get %s at %s: %w", path, short(ref), err)
	}
	return []byte(text), true, nil
}

// ContentHashes returns, for each distinct commit in shas, the content hash
// of path there ("sha256:<hex>" of its bytes, as the local gate computes
// an instance proposal's content; a rule change's content is the whole
// change, see engine.ContentAt), or "" where the file does not exist. Any other failure fails the
// whole call, so a flaky read never turns into "approved on different
// content". One call per distinct sha.
func (c *Client) ContentHashes(ctx context.Context, path string, shas []string) (map[string]string, error) {
	out := map[string]string{}
	distinct := append([]string(nil), shas...)
	sort.Strings(distinct)
	for _, s := range distinct {
		if _, done := out[s]; done || s == "" {
			continue
		}
		data, found, err := c.FileAt(ctx, path, s)
		if err != nil {
			return nil, err
		}
		out[s] = ""
		if found {
			out[s] = schemas.HashBytes(data)
		}
	}
	return out, nil
}

// ContentAt adapts ContentHashes' map to the contentAt argument of
// Decisions. A commit missing from the map is an error, which Decisions
// turns into an empty content hash: that decision then covers its own
// commit only.
func ContentAt(hashes map[string]string) func(commit string) (string, error) {
	return func(commit string) (string, error) {
		h, ok := hashes[commit]
		if !ok {
			return "", fmt.Errorf("no content known at %s", short(commit))
		}
		return h, nil
	}
}

// ReviewCommits lists the commits the reviews were made on, plus head,
// once each: the shas to pass to ContentHashes.
func ReviewCommits(f PullRequestFacts) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(f.HeadSHA)
	for _, r := range f.Reviews {
		if r.State == "APPROVED" || r.State == "CHANGES_REQUESTED" {
			add(r.CommitID)
		}
	}
	return out
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
