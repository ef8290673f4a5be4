// Package github is writ's GitHub adapter. It gathers facts from GitHub and
// renders results back to it; it holds no rules. The gate, the policy
// evaluator and the reducer never see a client: this package turns GitHub
// into data they can judge, and their verdicts into check runs and one PR
// comment.
//
// The pieces, one file each:
//
//	event.go, event_raw.go  GITHUB_EVENT_NAME/GITHUB_EVENT_PATH → Event, with errors that name the field
//	client.go               Client over go-github v62: Config, token from token_env, per-event Stats
//	transport.go            the http.RoundTripper stack: auth → backoff → ETag cache → call budget
//	cache.go                the ETag cache, kept across runs in a file (LoadCache, SaveCache; bounded, validated)
//	ratelimit.go            primary/secondary rate-limit and 5xx backoff within a wait budget
//	clock.go                Clock, the only source of time
//	paginate.go             one pagination loop used by every list call
//	facts.go                PullRequestFacts: the PR, its files, commits and reviews at one head
//	runner.go, runner_read.go  PullRequests, the loop's Source and Reporter; which pull requests a run reads
//	pulls.go                the open pull request and issue listings, and facts read from them
//	content.go              the proposal's bytes and content hash at a commit
//	decisions.go            Decisions: reviews → policies.Decision (pure)
//	teams.go                TeamMembers, Teams, and WithTeamRoles (pure)
//	publish.go              PublishCheck and UpsertPlanComment: edit in place, never repeat
//	reject.go               CloseWith, CloseRejected: close a pull request with one marked comment; rejections
//	close.go                withdrawn, stale and duplicate pull requests closed with their reason (never merged)
//	render.go               Markdown for the check run and the plan comment (pure, golden-tested)
//	errors.go               sentinel errors and Retryable
//
// githubtest is the fake GitHub the tests drive the real go-github client
// against.
//
// Determinism and time: everything that waits goes through Config.Clock, so
// tests drive rate-limit backoff without sleeping. The pure functions
// (Decisions, WithTeamRoles, the renderers, ParseEvent) depend only on their
// arguments.
//
// Failure model: every GitHub read for an event happens before any write,
// so an outage, a rate limit beyond the wait budget or an exhausted call
// budget fails the event with a retry-later error (see Retryable) and
// publishes nothing; the next event catches up. Writes are upserts keyed by
// a stable name or marker, so a write that GitHub applied but did not
// acknowledge is found and edited next time, not repeated.
//
// Secrets: the token is read from the environment variable that
// Config.TokenEnv names, is only ever placed in the Authorization header,
// and is never logged, put in an error, used as a cache key or written to
// the cache file (the ETag cache keys on the method and URL).
//
// Calls: Stats.Counted counts what GitHub counts against the rate limit (a
// 304 to an authorized conditional request is free); the budget applies
// to it. TestGitHubCallBudget pins the calls of a scheduled run and of an
// event, cold and warm.
package github
