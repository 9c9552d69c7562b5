package cli

import (
	"encoding/json"
	"fmt"

	"github.com/rampart-sec/rampart/internal/firewall"
	"github.com/spf13/cobra"
)

func init() {
	register(func(env *Env) *cobra.Command {
		cfgCmd := &cobra.Command{
			Use:   "config",
			Short: "Check a protect configuration file, print its JSON Schema",
		}
		var format string
		validate := &cobra.Command{
			Use:   "validate FILE",
			Short: "Check a `rampart protect` configuration file",
			Long: `Check a configuration file of rampart protect without starting anything:
YAML syntax, the published JSON Schema (unknown keys, types, allowed
values) and each protection's own rules. Every problem is reported with its
line and column. Files the configuration names (keys, CA bundles, the
spec) are not read.

Exit codes: 0 valid, 1 problems found, 2 the file cannot be read.`,
			Example: `  rampart config validate protect.yaml
  rampart config validate protect.yaml --format json`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				// Reading and rendering are not cancellable everywhere (a FIFO,
				// a large report): an interrupt ends the process within 2 s.
				env.stopPromptly(interruptGrace)
				name, ok := formatName(format, "text", "json")
				if !ok {
					return usageErr(fmt.Errorf("unknown --format %q (want text or json)", format))
				}
				format = name
				ps, warns, err := firewall.CheckConfigFile(args[0])
				if err != nil {
					return usageErr(err)
				}
				// Valid but risky (an admin listener beyond loopback):
				// said on standard error, the file stays valid.
				for _, w := range warns {
					fmt.Fprintln(env.Stderr, w.Format(args[0]))
				}
				if format == "json" {
					type problem struct {
						File    string `json:"file"`
						Line    int    `json:"line,omitempty"`
						Column  int    `json:"column,omitempty"`
						Path    string `json:"path,omitempty"`
						Message string `json:"message"`
					}
					out := struct {
						Valid    bool      `json:"valid"`
						Problems []problem `json:"problems"`
					}{Valid: len(ps) == 0, Problems: []problem{}}
					for _, p := range ps {
						out.Problems = append(out.Problems, problem{args[0], p.Line, p.Column, p.Path, p.Message})
					}
					enc := json.NewEncoder(env.Stdout)
					enc.SetIndent("", "  ")
					if err := enc.Encode(out); err != nil {
						return internalErr(err)
					}
				} else {
					for _, p := range ps {
						fmt.Fprintln(env.Stdout, p.Format(args[0]))
					}
					if len(ps) == 0 {
						fmt.Fprintf(env.Stdout, "%s: valid\n", args[0])
					}
				}
				if len(ps) > 0 {
					return failed(fmt.Sprintf("%d problem(s) in %s", len(ps), args[0]))
				}
				return nil
			},
		}
		validate.Flags().StringVar(&format, "format", "text", "output format: text or json")

		var markdown bool
		schema := &cobra.Command{
			Use:   "schema",
			Short: "Print the JSON Schema of the protect configuration file",
			Long: `Print the JSON Schema (draft 2020-12) of the rampart protect configuration
file, generated from the configuration types; editors use it for completion
and checking. With --markdown, print the configuration reference generated
from it (docs/config.md).`,
			Example: `  rampart config schema > config.schema.json
  rampart config schema --markdown > docs/config.md`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				s := firewall.ConfigSchema()
				if markdown {
					ref, err := firewall.ConfigReference(s)
					if err != nil {
						return internalErr(err)
					}
					_, err = fmt.Fprint(env.Stdout, ref)
					return err
				}
				_, err := env.Stdout.Write(s)
				return err
			},
		}
		schema.Flags().BoolVar(&markdown, "markdown", false, "print the configuration reference in Markdown")
		cfgCmd.AddCommand(validate, schema)
		return cfgCmd
	})
}
