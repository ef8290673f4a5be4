package bench_test

import (
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/writ-dev/writ/cmd/writ/internal/bench"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
)

var benchEntries = flag.Int("bench.entries", 2000, "WAL entries of the synthetic repo BenchmarkReplay replays")

var (
	benchRepoOnce sync.Once
	benchRepo     *bench.Repo
	benchRepoErr  error
)

// syntheticRepo builds (once per process) or reuses the synthetic repo of
// -bench.entries entries, cached under $WRIT_BENCH_CACHE when set.
func syntheticRepo(b *testing.B) *bench.Repo {
	b.Helper()
	benchRepoOnce.Do(func() {
		dir := os.Getenv("WRIT_BENCH_CACHE")
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "writ-bench-"); err != nil {
				benchRepoErr = err
				return
			}
		}
		benchRepo, benchRepoErr = bench.Open(filepath.Clean(dir), bench.DefaultSpec(*benchEntries), nil)
	})
	if benchRepoErr != nil {
		b.Fatal(benchRepoErr)
	}
	return benchRepo
}

// BenchmarkReplay replays and verifies a synthetic repo from its first
// commit through a freshly opened Store each iteration.
func BenchmarkReplay(b *testing.B) {
	r := syntheticRepo(b)
	b.ResetTimer()
	for b.Loop() {
		s, err := gitstore.Open(r.Dir)
		if err != nil {
			b.Fatal(err)
		}
		res, err := (&reconciler.Engine{Store: s}).Replay(reconciler.ReplayOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if res.State.Hash() != r.StateHash {
			b.Fatalf("replayed to %s, want %s", res.State.Hash(), r.StateHash)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*(r.Spec.Entries+1)), "µs/entry")
}

// BenchmarkReplayFromCheckpoint loads the state at main's head from the
// checkpoint there (nothing left to replay): the fixed cost every propose,
// approve and reconcile pays before its own work.
func BenchmarkReplayFromCheckpoint(b *testing.B) {
	r := syntheticRepo(b)
	b.ResetTimer()
	for b.Loop() {
		s, err := gitstore.Open(r.Dir)
		if err != nil {
			b.Fatal(err)
		}
		res, err := (&reconciler.Engine{Store: s}).Replay(reconciler.ReplayOptions{FromCheckpoint: true})
		if err != nil {
			b.Fatal(err)
		}
		if res.Replayed != 0 || res.State.Hash() != r.StateHash {
			b.Fatalf("replayed %d entries to %s", res.Replayed, res.State.Hash())
		}
	}
}
