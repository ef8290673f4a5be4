package cli

import (
	"strings"
	"testing"
)

// subcommands is every command writ documents.
var subcommands = []string{"init", "validate", "propose", "approve", "gate", "reconcile", "replay",
	"log", "state", "allowed-signers", "demo", "version", "show", "graph"}

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
			for _, want := range []string{"Usage:", "writ " + name, firstLine(cmd.Long), "--repo"} {
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
