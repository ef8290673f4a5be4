package schemas

import (
	"regexp"
	"strings"
)

// MaxJiraIssueDigits bounds the number of a Jira issue key: what the Jira
// notifier takes (an issue id Jira keeps as a 64-bit integer).
const MaxJiraIssueDigits = 18

// JiraIssueKey is the one pattern of a Jira issue key, matched at the start
// of a string: a project key (a letter, then letters, digits or '_'), '-',
// and a number of 1 to MaxJiraIssueDigits digits not starting with 0.
// Matched as a prefix it stops at MaxJiraIssueDigits digits: a caller
// checks what follows the match (JiraIssue takes whole strings only).
var JiraIssueKey = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)-([1-9][0-9]{0,17})`)

// jiraIssueShape is anything shaped like an issue key, whatever its number.
var jiraIssueShape = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*-[0-9]+$`)

// JiraIssue returns s upper-cased when s is exactly a Jira issue key
// (JiraIssueKey), "OPS-12" for "ops-12"; ok is false otherwise.
func JiraIssue(s string) (string, bool) {
	if m := JiraIssueKey.FindString(s); m != "" && m == s {
		return strings.ToUpper(m), true
	}
	return "", false
}

// checkJiraEvidence refuses evidence named jira (any case) whose uri ends
// (after a trailing '/') in something shaped like an issue key that is not
// one the notifier takes: a number of more than MaxJiraIssueDigits digits,
// or one starting with 0. The notifier would refuse the key and leave the
// proposal's Jira effects pending for ever. A uri that names no issue
// (a filter's URL) is left alone: the branch name may name the issue.
func (c *checker) checkJiraEvidence(p *Proposal) {
	for i, ev := range p.Evidence {
		if !strings.EqualFold(ev.Name, "jira") {
			continue
		}
		uri := strings.TrimRight(ev.URI, "/")
		last := uri[strings.LastIndex(uri, "/")+1:]
		if !jiraIssueShape.MatchString(last) {
			continue
		}
		if _, ok := JiraIssue(last); ok {
			continue
		}
		number := last[strings.LastIndex(last, "-")+1:]
		if len(strings.TrimLeft(number, "0")) > MaxJiraIssueDigits {
			c.at(At("evidence", i, "uri"), "Jira issue %s has a number of more than %d digits, which no Jira issue has and the Jira notifier refuses: name the issue as it is (such as OPS-12)", last, MaxJiraIssueDigits)
			continue
		}
		c.at(At("evidence", i, "uri"), "%s is not a Jira issue key: a project key, '-' and a number without leading zeros (such as OPS-12)", last)
	}
}
