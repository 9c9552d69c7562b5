package cli

import (
	"fmt"
	"path/filepath"

	"github.com/rampart-sec/rampart/internal/demo"
	"github.com/spf13/cobra"
)

func init() {
	register(func(env *Env) *cobra.Command {
		var outDir string
		var without []string
		var rate float64
		cmd := &cobra.Command{
			Use:   "demo",
			Short: "See audit, scan and protect at work on a bundled vulnerable API, in one command",
			Long: `Starts a deliberately vulnerable demo API on a free loopback port, audits its
contract, scans it, puts the firewall in front of it with a demo policy, scans
again through the firewall, and prints what the firewall blocked, computed
from the two scans. HTML reports go to --out. Everything it starts is stopped
when it ends, also on Ctrl-C. Nothing leaves 127.0.0.1.`,
			Example: `  rampart demo
  rampart demo --out /tmp/rampart-demo
  rampart demo --without authentication   # see what the JWT check was stopping`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				abs, err := filepath.Abs(outDir)
				if err != nil {
					return usageErr(err)
				}
				for _, w := range without {
					if !contains(demo.Protections, w) {
						return usageErr(fmt.Errorf("--without %q: not a protection of the demo policy (%v)", w, demo.Protections))
					}
				}
				_, err = demo.Run(cmd.Context(), demo.Options{OutDir: abs, Out: env.Stdout, Without: without, Version: Version, Rate: rate})
				if err != nil {
					if cmd.Context().Err() != nil {
						return cmd.Context().Err()
					}
					return internalErr(err)
				}
				return nil
			},
		}
		cmd.Flags().StringVar(&outDir, "out", "rampart-demo", "folder for the HTML reports")
		cmd.Flags().StringSliceVar(&without, "without", nil, fmt.Sprintf("protections to leave off (%v)", demo.Protections))
		cmd.Flags().Float64Var(&rate, "rate", 200, "scanner requests per second")
		return cmd
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
