package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commandGlobals names, per top-level command, the global flags (root's
// persistent flags) it takes. Its help shows only those, and it refuses
// the others, so a flag that would be silently ignored is an error. Every
// command writ registers must be listed (TestHelpShowsOnlyTheFlagsACommandTakes).
var commandGlobals = map[string][]string{
	"init":            {"keys", "quiet"},
	"template":        {"quiet"},
	"validate":        {"repo", "quiet"},
	"propose":         {"repo", "keys", "quiet"},
	"approve":         {"repo", "keys", "quiet"},
	"withdraw":        {"repo", "keys", "quiet"},
	"gate":            {"repo", "quiet"},
	"show":            {"repo", "quiet"},
	"graph":           {"repo", "quiet"},
	"pending":         {"repo", "quiet"},
	"goals":           {"repo", "quiet"},
	"scan":            {"repo", "quiet"},
	"identity":        {"repo", "keys", "quiet"},
	"reconcile":       {"repo", "keys", "quiet", "keyless", "fulcio-url"},
	"replay":          {"repo", "quiet"},
	"verify":          {"repo", "quiet"},
	"log":             {"repo", "quiet"},
	"state":           {"repo", "quiet"},
	"outbox":          {"repo", "keys", "quiet"},
	"allowed-signers": {"repo", "quiet"},
	"demo":            {"keys"},
	"bench":           {"quiet"},
	"version":         {},
	"schema":          {},
	// cobra's own
	"help":       {},
	"completion": {},
}

// topLevel is the command directly under the root that cmd is or is in.
func topLevel(cmd *cobra.Command) *cobra.Command {
	for cmd.HasParent() && cmd.Parent().HasParent() {
		cmd = cmd.Parent()
	}
	return cmd
}

// takesGlobal reports whether cmd takes the global flag name. A command
// commandGlobals does not list takes every global flag.
func takesGlobal(cmd *cobra.Command, name string) bool {
	if !cmd.HasParent() {
		return true
	}
	names, ok := commandGlobals[topLevel(cmd).Name()]
	return !ok || slices.Contains(names, name)
}

// globalFlagUsages renders the global flags cmd takes, for its help.
func globalFlagUsages(cmd *cobra.Command) string {
	fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	cmd.InheritedFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && takesGlobal(cmd, f.Name) {
			fs.AddFlag(f)
		}
	})
	return strings.TrimRight(fs.FlagUsages(), " \n")
}

// refuseForeignGlobals is the root's PersistentPreRunE: a global flag the
// command does not take is an error naming the ones it does.
func refuseForeignGlobals(cmd *cobra.Command, _ []string) error {
	var bad []string
	cmd.InheritedFlags().VisitAll(func(f *pflag.Flag) {
		if f.Changed && !takesGlobal(cmd, f.Name) {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) == 0 {
		return nil
	}
	takes := "it takes no global flag"
	if names := commandGlobals[topLevel(cmd).Name()]; len(names) > 0 {
		takes = "of the global flags it takes only --" + strings.Join(names, ", --")
	}
	return fmt.Errorf("%s does not take %s (%s; see writ %s --help)",
		cmd.CommandPath(), strings.Join(bad, ", "), takes, cmd.Name())
}

// onlyOwnGlobals makes root's help and usage show, under "Global Flags",
// only the global flags each command takes, and refuse the others.
func onlyOwnGlobals(root *cobra.Command) {
	const stock = "{{if .HasAvailableInheritedFlags}}\n\nGlobal Flags:\n{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}"
	const own = "{{with writGlobalFlags .}}\n\nGlobal Flags:\n{{.}}{{end}}"
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(), stock, own, 1))
	root.PersistentPreRunE = refuseForeignGlobals
}

func init() {
	cobra.AddTemplateFunc("writGlobalFlags", globalFlagUsages)
}
