// Command writ is the GitOps reconciler that puts humans in charge of what
// AI agents and automation may do. See the README for the commands.
package main

import (
	"os"

	"github.com/writ-dev/writ/cmd/writ/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
