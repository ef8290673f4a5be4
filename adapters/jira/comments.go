package jira

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Listing bounds: comments asked per page, and pages read before giving
// up on an issue (100,000 comments).
const (
	commentsPerPage = 100
	maxCommentPages = 1000
)

// comment is the part of Jira's Comment the notifier reads.
type comment struct {
	ID     string   `json:"id"`
	Body   string   `json:"body"`
	Author *account `json:"author"`
}

// pageOfComments is Jira's PageOfComments.
type pageOfComments struct {
	StartAt    int       `json:"startAt"`
	MaxResults int       `json:"maxResults"`
	Total      int       `json:"total"`
	Comments   []comment `json:"comments"`
}

// commentBody is the request body of addComment and updateComment in
// version 2: the body as wiki markup.
type commentBody struct {
	Body string `json:"body"`
}

// upsertComment posts body on issue, or edits the comment an earlier
// delivery of the same key left there. It returns the comment's id.
func (n *Notifier) upsertComment(ctx context.Context, issue, key, body string) (string, error) {
	id, err := n.findComment(ctx, issue, key)
	if err != nil {
		return "", err
	}
	var out comment
	if id != "" {
		// An edit on redelivery repeats what watchers were told already.
		err = n.client.do(ctx, call{op: "update comment " + id, issue: issue, method: http.MethodPut,
			path: issuePath(issue, "comment", id), query: url.Values{"notifyUsers": {"false"}},
			in: commentBody{Body: body}}, &out)
	} else {
		err = n.client.do(ctx, call{op: "add comment", issue: issue, method: http.MethodPost,
			path: issuePath(issue, "comment"), in: commentBody{Body: body}}, &out)
	}
	if err != nil {
		return "", err
	}
	if !commentIDRE.MatchString(out.ID) {
		return "", fmt.Errorf("jira: comment on %s: Jira answered without a comment id (got %q)", issue, out.ID)
	}
	return out.ID, nil
}

// findComment lists issue's comments and returns the id of the one writ
// wrote for key: its author is the notifier's own account (self) and its
// last line is the marker of key. It returns "" when there is none. Anyone
// who can comment can compute a key (it derives from public facts, such as
// the proposal's head commit), so a comment by anyone else is never taken
// for writ's, whatever it says.
//
// The listing reads at most maxCommentPages pages; Deliver's deadline
// bounds the time it takes.
func (n *Notifier) findComment(ctx context.Context, issue, key string) (string, error) {
	me, err := n.self(ctx, issue)
	if err != nil {
		return "", err
	}
	want := markerLine(key)
	start := 0
	for range maxCommentPages {
		q := url.Values{"startAt": {strconv.Itoa(start)}, "maxResults": {strconv.Itoa(commentsPerPage)}}
		var page pageOfComments
		if err := n.client.do(ctx, call{op: "list comments", issue: issue, method: http.MethodGet,
			path: issuePath(issue, "comment"), query: q}, &page); err != nil {
			return "", err
		}
		for _, c := range page.Comments {
			if me.is(c.Author) && hasMarker(c.Body, want) && commentIDRE.MatchString(c.ID) {
				return c.ID, nil
			}
		}
		start += len(page.Comments)
		if len(page.Comments) == 0 || start >= page.Total {
			return "", nil
		}
	}
	return "", fmt.Errorf("jira: list comments on %s: more than %d comments; cannot tell whether this effect was delivered", issue, maxCommentPages*commentsPerPage)
}

// markerPrefix starts the last line of every comment writ posts.
const markerPrefix = "writ-effect: "

func markerLine(key string) string { return markerPrefix + key }

// hasMarker reports whether body's last non-empty line is exactly the
// marker (trailing spaces aside), so that a comment quoting a writ marker
// inside other text is not taken for the comment that carries it.
func hasMarker(body, marker string) bool {
	body = strings.TrimRight(strings.ReplaceAll(body, "\r\n", "\n"), " \n")
	last := body
	if i := strings.LastIndexByte(body, '\n'); i >= 0 {
		last = body[i+1:]
	}
	return last == marker
}
