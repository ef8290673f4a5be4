package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/cmd/writ/internal/buildinfo"
)

func (a *app) versionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print writ's version, commit, build date and Go version",
		Long: `version prints the module version (the release tag, else the version Go
derived from the VCS), the commit the binary was built from (marked
"(modified)" for a dirty tree), the commit's date (release builds stamp the
commit time, never the wall clock), the Go toolchain and the platform.
writ --version prints the same. --json prints them as one JSON object.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := buildinfo.Read()
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			_, err := fmt.Fprint(a.out, info.String())
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
