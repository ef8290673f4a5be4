package cli

import (
	"slices"
	"strings"
	"testing"
)

// subcommands is every command writ documents.
var subcommands = []string{"init", "validate", "propose", "approve", "gate", "reconcile", "replay",
	"log", "state", "allowed-signers", "demo", "version", "show", "graph", "schema", "pending", "template", "goals", "scan"}

func TestHelpText(t *testing.T) {
	t.Parallel()
	root := (&app{}).rootCommand()
	registered := map[string]bool{}
	for _, c := range root.Commands() {
		registered[c.Name()] = true
	}
	for _, name := range subcommands {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !registered[name] {
				t.Fatalf("writ has no %q subcommand", name)
			}
			cmd, _, err := root.Find([]string{name})
			if err != nil || cmd.Name() != name {
				t.Fatalf("find %s: %v (got %v)", name, err, cmd)
			}
			if strings.TrimSpace(cmd.Short) == "" {
				t.Errorf("%s: empty Short", name)
			}
			if strings.TrimSpace(cmd.Long) == "" {
				t.Errorf("%s: empty Long", name)
			}
			if cmd.RunE == nil && cmd.Run == nil {
				t.Errorf("%s: not runnable", name)
			}

			r := runWrit(name, "--help")
			if r.code != ExitOK {
				t.Fatalf("writ %s --help: %s", name, r)
			}
			for _, want := range []string{"Usage:", "writ " + name, firstLine(cmd.Long)} {
				if !strings.Contains(r.out, want) {
					t.Errorf("writ %s --help: missing %q in\n%s", name, want, r.out)
				}
			}
			if r.err != "" {
				t.Errorf("writ %s --help wrote to stderr: %q", name, r.err)
			}
		})
	}
}

func TestRootHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	r := writWant(t, ExitOK, "--help")
	for _, name := range subcommands {
		if !strings.Contains(r.out, "  "+name+" ") {
			t.Errorf("writ --help does not list %s:\n%s", name, r.out)
		}
	}
}

func TestUnknownCommandFails(t *testing.T) {
	t.Parallel()
	r := runWrit("no-such-command")
	if r.code != ExitFailure || !strings.Contains(r.err, "unknown command") {
		t.Fatalf("writ no-such-command: want exit 1 naming the unknown command, got %s", r)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// globalFlags is every global flag writ has.
var globalFlags = []string{"repo", "keys", "quiet", "keyless", "fulcio-url"}

// TestHelpShowsOnlyTheFlagsACommandTakes: each command's help lists, under
// "Global Flags", exactly the global flags it takes (gate signs nothing, so
// no --keys; version reads no repo, so no --repo), and a global flag a
// command does not take is refused instead of silently ignored.
func TestHelpShowsOnlyTheFlagsACommandTakes(t *testing.T) {
	t.Parallel()
	root := (&app{}).rootCommand()
	for _, cmd := range root.Commands() {
		name := cmd.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			takes, ok := commandGlobals[name]
			if !ok {
				t.Fatalf("writ %s: not in commandGlobals: list the global flags it takes (globalflags.go)", name)
			}
			if name == "help" || name == "completion" {
				return
			}
			r := writWant(t, ExitOK, name, "--help")
			_, globals, _ := strings.Cut(r.out, "Global Flags:")
			for _, f := range globalFlags {
				shown := strings.Contains(globals, "--"+f+" ")
				if want := slices.Contains(takes, f); shown != want {
					t.Errorf("writ %s --help: --%s shown %v, want %v (it takes %v):\n%s", name, f, shown, want, takes, r.out)
				}
				if !slices.Contains(takes, f) {
					args := []string{name, "--" + f}
					if use := strings.Fields(cmd.Use); len(use) > 1 && use[1] == strings.ToUpper(use[1]) && !strings.HasPrefix(use[1], "[") {
						args = append(args, "ARG") // its positional argument
					}
					if f != "quiet" && f != "keyless" {
						args = append(args, "x")
					}
					r := runWrit(args...)
					if r.code != ExitFailure || !strings.Contains(r.err, "does not take --"+f) {
						t.Errorf("writ %s: want exit 1 refusing the flag, got %s", strings.Join(args, " "), r)
					}
				}
			}
			if len(takes) == 0 && strings.Contains(r.out, "Global Flags:") {
				t.Errorf("writ %s --help shows global flags although it takes none:\n%s", name, r.out)
			}
		})
	}
	// Every listed command exists, so the list cannot drift.
	for name := range commandGlobals {
		if name == "help" || name == "completion" {
			continue
		}
		if c, _, err := root.Find([]string{name}); err != nil || c.Name() != name {
			t.Errorf("commandGlobals lists %q, which writ does not have", name)
		}
	}
}
