package github_test

import (
	"os"
	"strconv"
	"testing"
)

// scaleEnv set to 1 adds the 200-pull-request form of the budget test
// (about 20 s); the 10-pull-request form always runs, and bounds the cost
// per pull request that the 200 form measures.
const scaleEnv = "WRIT_SCALE_TEST"

// TestGitHubCallBudget asserts the API call budget the README reports
// (issue 12, point 7), in calls GitHub counts against the rate limit (a
// 304 to an authorized conditional request is free): a scheduled run over
// 200 open proposal pull requests stays well within GITHUB_TOKEN's 1,000
// requests per hour on its first run with a cold cache, and costs next to
// nothing warm; an event about one pull request costs at most 2 calls on
// average when nothing changed. Call counts are deterministic: these are
// exact bounds, not timings.
func TestGitHubCallBudget(t *testing.T) {
	sizes := []int{10}
	if os.Getenv(scaleEnv) == "1" {
		sizes = append(sizes, 200)
	}
	for _, n := range sizes {
		t.Run(strconv.Itoa(n)+" pull requests", func(t *testing.T) {
			b := newScaleRepo(t, n).measure(t, min(n, 4))
			t.Logf("%d pull requests: %+v", n, b)
			for _, c := range []struct {
				what       string
				got, limit float64
			}{
				{"scheduled run, cold cache, nothing published yet", float64(b.ScheduleCold), 4.2 * float64(n)},
				{"scheduled run after it (its own writes changed those listings)", float64(b.ScheduleAfter), 2.2 * float64(n)},
				{"scheduled run, warm cache, nothing changed", float64(b.ScheduleWarm), 2},
				{"event on one pull request, warm cache, nothing changed", b.EventWarm, 2},
				{"first event on one pull request after scheduled runs", b.EventFirst, 2},
			} {
				if c.got > c.limit {
					t.Errorf("%s: %.1f counted calls, budget %.1f", c.what, c.got, c.limit)
				}
			}
			// The listings cost one call per page of 100; the rest is per
			// pull request. So the bound holds for 200 whenever it holds
			// here: 2 pages of each listing plus 200 times the cost of one.
			pages := 2 * (n/100 + 1)
			if perPull := float64(b.ScheduleCold-pages) / float64(n); 2*2+200*perPull >= 1000 {
				t.Errorf("first scheduled run: %.2f counted calls per pull request; over 200 pull requests that is %.0f, GITHUB_TOKEN allows 1000 an hour",
					perPull, 2*2+200*perPull)
			}
			if n >= 200 && b.ScheduleCold >= 1000 {
				t.Errorf("first scheduled run over %d pull requests: %d counted calls, GITHUB_TOKEN allows 1000 an hour", n, b.ScheduleCold)
			}
		})
	}
}

// BenchmarkGitHubCalls reports the calls GitHub counts per scheduled run
// and per event (calls/run, calls/event metrics) for 10 and 200 open pull
// requests, cold and warm, against the fake GitHub: `go test
// ./adapters/github -run '^$' -bench GitHubCalls -benchtime 1x`.
func BenchmarkGitHubCalls(b *testing.B) {
	for _, n := range []int{10, 200} {
		b.Run(strconv.Itoa(n)+"-pulls", func(b *testing.B) {
			repo := newScaleRepo(b, n)
			b.ResetTimer()
			var m callBudget
			for range b.N {
				m = repo.measure(b, min(n, 4))
			}
			b.ReportMetric(float64(m.ScheduleCold), "calls/run-cold")
			b.ReportMetric(float64(m.ScheduleAfter), "calls/run-after")
			b.ReportMetric(float64(m.ScheduleWarm), "calls/run-warm")
			b.ReportMetric(m.EventCold, "calls/event-cold")
			b.ReportMetric(m.EventFirst, "calls/event-first")
			b.ReportMetric(m.EventWarm, "calls/event-warm")
		})
	}
}
