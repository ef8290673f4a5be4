package bench

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

// measureIncremental times Options.Incremental rounds of one new proposal
// and the reconcile that applies it, on a copy of the repo whose checkpoint
// is at main's head. Each step opens the repository afresh, as a new
// `writ propose` or `writ reconcile` process would.
func measureIncremental(repo *Repo, opts Options, rep *Report) error {
	tmp, err := os.MkdirTemp("", "writ-bench-incremental-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "control.git")
	if err := linkedCopy(repo.Dir, dir); err != nil {
		return fmt.Errorf("copy repo: %w", err)
	}
	keys := local.KeyDir{Dir: repo.Keys}
	var proposes, reconciles []float64
	for i := 0; i < opts.Incremental; i++ {
		e, err := openEngine(dir, keys)
		if err != nil {
			return err
		}
		t := time.Now()
		if _, err := e.Propose(reconciler.ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
			Instance: fmt.Sprintf("bench-new-%d", i), Workflow: "release", Transition: "create", Owner: "team-bench"}}); err != nil {
			return fmt.Errorf("incremental propose: %w", err)
		}
		proposes = append(proposes, time.Since(t).Seconds())
		if e, err = openEngine(dir, keys); err != nil {
			return err
		}
		t = time.Now()
		out, err := e.Reconcile()
		if err != nil {
			return fmt.Errorf("incremental reconcile: %w", err)
		}
		reconciles = append(reconciles, time.Since(t).Seconds())
		if len(out.Applied) != 1 {
			return fmt.Errorf("incremental reconcile applied %d entries, want 1", len(out.Applied))
		}
	}
	rep.Incremental = len(reconciles)
	rep.Propose, rep.Reconcile = median(proposes), median(reconciles)
	for _, s := range reconciles {
		rep.ReconcileMax = max(rep.ReconcileMax, s)
	}
	return nil
}

func openEngine(dir string, keys local.KeyDir) (*reconciler.Engine, error) {
	s, err := gitstore.Open(dir)
	if err != nil {
		return nil, err
	}
	return &reconciler.Engine{Store: s, Keys: keys, Now: time.Now}, nil
}

// linkedCopy copies a bare repository, hard-linking its packs (git never
// modifies a pack in place) and copying everything else, so writes to the
// copy leave the original untouched.
func linkedCopy(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasPrefix(filepath.ToSlash(rel), "objects/pack/") {
			if err := os.Link(p, target); err == nil {
				return nil
			}
		}
		return copyFile(p, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
