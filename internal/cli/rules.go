package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/rampart-sec/rampart/internal/audit"
	"github.com/rampart-sec/rampart/internal/report"
	"github.com/spf13/cobra"
)

func init() {
	register(func(env *Env) *cobra.Command {
		rulesCmd := &cobra.Command{
			Use:   "rules",
			Short: "List and explain the audit rules",
		}
		var format string
		list := &cobra.Command{
			Use:   "list",
			Short: "List every audit rule (text, json or markdown)",
			Example: `  rampart rules list
  rampart rules list --format markdown > docs/rules.md`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				name, _ := formatName(format, "text", "json", "markdown")
				switch name {
				case "markdown":
					fmt.Fprint(env.Stdout, audit.RulesMarkdown())
				case "json":
					enc := json.NewEncoder(env.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(audit.ReportRules())
				case "text":
					tw := tabwriter.NewWriter(env.Stdout, 0, 2, 2, ' ', 0)
					fmt.Fprintln(tw, "RULE\tFAMILY\tSEVERITY\tOWASP\tTITLE")
					for _, r := range audit.Rules() {
						sev := r.Severity.String()
						if r.Directional {
							sev += "/" + r.ResponseSeverity.String()
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Family, sev, r.OWASP, r.Title)
					}
					return tw.Flush()
				default:
					return usageErr(fmt.Errorf("unknown --format %q (want text, json or markdown)", format))
				}
				return nil
			},
		}
		list.Flags().StringVar(&format, "format", "text", "output format: text, json or markdown")
		explain := &cobra.Command{
			Use:     "explain RULE",
			Short:   "Explain one rule: what it finds, why it matters, how to fix it",
			Example: `  rampart rules explain data-string-no-maxlength`,
			Args:    cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				r, ok := audit.RuleByID(args[0])
				if !ok {
					return usageErr(fmt.Errorf("unknown rule %q (see `rampart rules list`)", args[0]))
				}
				sev := r.Severity.String()
				if r.Directional {
					sev = fmt.Sprintf("%s in requests, %s when only responses reach it", r.Severity, r.ResponseSeverity)
				}
				fmt.Fprintf(env.Stdout, "%s: %s\n\n%s\n\nFamily:   %s\nSeverity: %s\n", r.ID, r.Title, r.Description, r.Family, sev)
				if r.OWASP != "" {
					fmt.Fprintf(env.Stdout, "OWASP:    %s\n", report.OWASPLabel(r.OWASP))
				}
				if r.CWE != "" {
					fmt.Fprintf(env.Stdout, "CWE:      %s\n", r.CWE)
				}
				if len(r.Profiles) > 0 {
					fmt.Fprintf(env.Stdout, "Profiles: %v\n", r.Profiles)
				}
				fmt.Fprintf(env.Stdout, "Fix:      %s\n", r.Fix)
				return nil
			},
		}
		rulesCmd.AddCommand(list, explain)
		return rulesCmd
	})
}
