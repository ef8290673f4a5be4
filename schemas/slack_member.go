package schemas

import (
	"regexp"
	"sync"
)

// slackMemberIDLocation is where config.schema.json states the form of a
// Slack member id (notifications.slack.users' values): the one home of
// that pattern.
const slackMemberIDLocation = schemaBase + "config.schema.json#/$defs/notifications/properties/slack/properties/users/additionalProperties"

// slackMemberID is the pattern at slackMemberIDLocation, compiled once; a
// regexp that matches nothing when the embedded schema lacks it (a test
// keeps it there).
var slackMemberID = sync.OnceValue(func() *regexp.Regexp {
	none := regexp.MustCompile(`^\b$`) // matches nothing
	set, err := compiledSchemas()
	if err != nil {
		return none
	}
	p, _ := set.rawAt(slackMemberIDLocation)["pattern"].(string)
	re, err := regexp.Compile(p)
	if p == "" || err != nil {
		return none
	}
	return re
})

// ValidSlackMemberID reports whether id has the form writ.yaml admits for
// a Slack member id (U0123ABCD): the pattern config.schema.json gives
// notifications.slack.users, so a notifier that renders an id read back
// from elsewhere (the outbox ref) checks exactly what the loader checks.
// It is safe for concurrent use.
func ValidSlackMemberID(id string) bool { return slackMemberID().MatchString(id) }
