package jira

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// status is Jira's StatusDetails, as far as the notifier reads it.
type status struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// issueTransition is Jira's IssueTransition. IsAvailable is absent on
// servers that do not know includeUnavailableTransitions (they list only
// available transitions).
type issueTransition struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	To          status `json:"to"`
	IsAvailable *bool  `json:"isAvailable,omitempty"`
}

type transitions struct {
	Transitions []issueTransition `json:"transitions"`
}

type issueBean struct {
	Key    string `json:"key"`
	Fields struct {
		Status status `json:"status"`
	} `json:"fields"`
}

// doTransition is the request body of doTransition (IssueUpdateDetails
// with only the transition).
type doTransition struct {
	Transition struct {
		ID string `json:"id"`
	} `json:"transition"`
}

// applyTransition moves issue through the transition named name (case
// insensitive). It does nothing when the issue already is where that
// transition leads (a redelivery after the transition was done), and
// returns ErrNoTransition, listing what the issue can take, when the
// transition is not available from the issue's status.
func (n *Notifier) applyTransition(ctx context.Context, issue, name string) error {
	var ib issueBean
	if err := n.client.do(ctx, call{op: "get issue status", issue: issue, method: http.MethodGet,
		path: issuePath(issue), query: url.Values{"fields": {"status"}}}, &ib); err != nil {
		return err
	}
	cur := ib.Fields.Status
	var ts transitions
	if err := n.client.do(ctx, call{op: "get transitions", issue: issue, method: http.MethodGet,
		path:  issuePath(issue, "transitions"),
		query: url.Values{"includeUnavailableTransitions": {"true"}}}, &ts); err != nil {
		return err
	}
	var match *issueTransition
	var available []string
	for i := range ts.Transitions {
		t := &ts.Transitions[i]
		isAvailable := t.IsAvailable == nil || *t.IsAvailable
		if isAvailable {
			available = append(available, fmt.Sprintf("%q", t.Name))
		}
		if strings.EqualFold(t.Name, name) && (match == nil || isAvailable) {
			match = t
		}
	}
	if match != nil && sameStatus(match.To, cur) {
		return nil
	}
	if match != nil && (match.IsAvailable == nil || *match.IsAvailable) {
		var body doTransition
		body.Transition.ID = match.ID
		return n.client.do(ctx, call{op: fmt.Sprintf("transition %q", match.Name), issue: issue,
			method: http.MethodPost, path: issuePath(issue, "transitions"), in: body}, nil)
	}
	if strings.EqualFold(cur.Name, name) {
		return nil
	}
	list := "none"
	if len(available) > 0 {
		list = strings.Join(available, ", ")
	}
	return fmt.Errorf("%w: issue %s (status %q) cannot take transition %q (notifications.jira.transition_on_apply); transitions available: %s",
		ErrNoTransition, issue, cur.Name, name, list)
}

// sameStatus reports whether a and b are the same status: by id when both
// have one, else by name.
func sameStatus(a, b status) bool {
	if a.ID != "" && b.ID != "" {
		return a.ID == b.ID
	}
	return a.Name != "" && strings.EqualFold(a.Name, b.Name)
}
