package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/cmd/writ/internal/buildinfo"
	"github.com/writ-dev/writ/schemas"
)

func (a *app) schemaCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "schema [KIND]",
		Short: "Print an embedded JSON Schema: a control-repo file's, or a command's --json output",
		Long: `schema prints the JSON Schema (draft 2020-12) embedded in writ for KIND:
config (writ.yaml), workflow (workflows/*.yaml), policy (policies/*.yaml),
goal (goals/*.yaml), proposal (proposals/<instance>/<name>.yaml), or
output/<command> for the output of writ <command> --json. Without KIND it
lists the kinds.

The files writ writes (writ template, writ init, writ propose) start with
a line for editors that use the YAML language server:
  # yaml-language-server: $schema=https://raw.githubusercontent.com/writ-dev/writ/<ref>/schemas/<kind>.schema.json
where <ref> is the release tag writ was built from (main for other
builds); that file is the one writ schema prints.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				for _, n := range schemas.SchemaNames() {
					fmt.Fprintln(a.out, n)
				}
				return nil
			}
			doc, ok := schemas.SchemaDoc(args[0])
			if !ok {
				return fmt.Errorf("no schema %q: kinds are %s", args[0], strings.Join(schemas.SchemaNames(), ", "))
			}
			_, err := a.out.Write(doc)
			return err
		},
	}
}

// schemaRef is the ref of writ's repository the modelines of the files
// this binary writes name: its release tag, else main.
func schemaRef() string {
	v := buildinfo.Read().Version
	if !strings.HasPrefix(v, "v") || strings.ContainsAny(v, "-+") {
		return "" // a pseudo-version, a dirty or devel build
	}
	return v
}
