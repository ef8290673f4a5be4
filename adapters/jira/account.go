package jira

import (
	"context"
	"fmt"
	"net/http"
)

// account is the part of Jira's User (GET /myself) and of a comment's
// author (UserDetails) that names an account: the account id on Jira
// Cloud, the user key and name on Jira Server / Data Center.
type account struct {
	AccountID string `json:"accountId"`
	Key       string `json:"key"`
	Name      string `json:"name"`
}

// is reports whether a is the account me: the same account id when Jira
// gave me one (Cloud), else the same user key, else the same user name
// (Server / Data Center). A missing author (a deleted or anonymous user)
// is nobody.
func (me account) is(a *account) bool {
	switch {
	case a == nil:
		return false
	case me.AccountID != "":
		return a.AccountID == me.AccountID
	case me.Key != "":
		return a.Key == me.Key
	default:
		return me.Name != "" && a.Name == me.Name
	}
}

// self returns the account the notifier's credentials belong to, asked of
// Jira (GET /rest/api/2/myself, getCurrentUser) on the first delivery
// that needs it and remembered for the Notifier's life. A failed lookup is
// not remembered: the next delivery asks again. Only comments this
// account wrote can be writ's own (see findComment).
func (n *Notifier) self(ctx context.Context, issue string) (account, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.me != nil {
		return *n.me, nil
	}
	var me account
	if err := n.client.do(ctx, call{op: "get current user", issue: issue, method: http.MethodGet,
		path: "rest/api/2/myself"}, &me); err != nil {
		return account{}, err
	}
	if me.AccountID == "" && me.Key == "" && me.Name == "" {
		return account{}, fmt.Errorf("jira: get current user on %s: Jira answered without an accountId, key or name, so writ cannot tell its own comments from others': check notifications.jira.base_url points at Jira's REST API", issue)
	}
	n.me = &me
	return me, nil
}
