// Command rampart applies API security from the OpenAPI contract: a static
// audit, a dynamic scan and a contract-enforcing firewall in one binary.
package main

import (
	"os"

	"github.com/rampart-sec/rampart/internal/cli"
)

func main() {
	os.Exit(cli.Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
