// Package jira is writ's Jira notifier: it turns an outbox effect whose
// Issue names a Jira issue (OPS-12) into a comment on that issue, and on
// EventApplied moves the issue through the configured transition.
//
// It talks to Jira's REST API version 2 (/rest/api/2) with net/http. Version
// 2 is the one both Jira Cloud and Jira Server / Data Center serve, so the
// same notifier works with Cloud's basic auth (email and API token) and
// with a Server personal access token (bearer); comment bodies are wiki
// markup strings, where version 3 (Cloud only) takes Atlassian Document
// Format. The routes and payload shapes are those of Atlassian's published
// description of the Jira platform REST API (getComments, addComment,
// updateComment, getIssue, getTransitions, doTransition, getCurrentUser);
// jiratest serves the same routes on 127.0.0.1 for tests.
//
// Idempotency: every comment ends with a marker line carrying the effect's
// key ("writ-effect: <key>"). Before posting, Deliver lists the issue's
// comments; when one already carries the key (an earlier attempt reached
// Jira before a crash lost its receipt), Deliver edits that comment instead
// of adding a second. Only a comment the notifier's own account wrote
// (learnt once from /myself: the account id on Cloud, the user key or name
// on Server / Data Center) whose last line is exactly the marker counts:
// keys derive from public facts, so anyone could write the marker. A
// transition the issue has already gone through is not repeated and is not
// an error.
//
// Bounds: Retry-After waits are capped at one hour; a Deliver whose
// context has no deadline stops after Config.DeliverTimeout (5 minutes);
// a comment listing reads at most 1,000 pages.
//
// The notifier holds no rules: who must act, whom an escalation notifies
// (mentioned as [~accountid:…] when mapped), what is missing and what
// happened are facts of the effect; it only renders and sends them. The
// token never appears in an error: errors name the issue, the call and what
// to fix, and any text Jira returned is scrubbed of the credentials.
package jira
