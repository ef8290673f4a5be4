package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/schemas"
)

func (a *app) templateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "template DIR",
		Short: "Write the built-in example rules to DIR, to edit before writ init --template DIR",
		Long: `template writes the files writ init would put in a new control repo from
its built-in release example (writ.yaml, workflows/, policies/ and any other
governed file it holds) into DIR, which
must not exist or be empty. Edit them (identities, their GitHub logins and
signers, policies), then run writ init CONTROL --template DIR (init keeps every declared signer
and makes the reconciler's key only). writ.yaml, workflows/ and policies/
start with a yaml-language-server line naming their JSON Schema (see writ
schema), so editors complete and check them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runTemplate(args[0])
		},
	}
}

func (a *app) runTemplate(dir string) error {
	files, err := schemas.ReadGoverned(fixtures.Release())
	if err != nil {
		return fmt.Errorf("built-in template: %w", err)
	}
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("%s is not empty: give a new directory, so nothing of yours is overwritten", dir)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("template %s: %w", dir, err)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		out := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return fmt.Errorf("template: %w", err)
		}
		// Rule files get a first line naming their schema, for editors.
		if err := os.WriteFile(out, schemas.WithModeline(p, files[p], schemaRef()), 0o644); err != nil {
			return fmt.Errorf("template: %w", err)
		}
	}
	if !a.quiet {
		fmt.Fprintf(a.out, "wrote %d files to %s; edit them, then: writ init CONTROL --template %s\n", len(paths), dir, dir)
	}
	return nil
}
