package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/rampart-sec/rampart/internal/audit"
	"github.com/rampart-sec/rampart/internal/report"
	"github.com/spf13/cobra"
)

// defaultConfigFile is read when --config is not given and it exists.
const defaultConfigFile = ".rampart.yaml"

func init() {
	register(func(env *Env) *cobra.Command {
		var sf specFlags
		var of outputFlags
		var profile, configPath, failOn, baselinePath string
		var minScore int
		cmd := &cobra.Command{
			Use:   "audit SPEC...",
			Short: "Static security audit of OpenAPI definitions: findings, score, CI gates",
			Long: `Audit OpenAPI 2.0, 3.0, 3.1 and 3.2 definitions for security weaknesses:
authentication, transport, data validation, responses, data exposure and
structure. Each weakness is reported once, where it is defined, with the
operations it affects. The score is 0-100: security (30) + data validation (70),
at most 40 with a critical finding and 60 with a high one (docs/audit.md).
Settings: flags > configuration (--config, or ./.rampart.yaml) > defaults.

Exit codes: 0 passed; 1 the score is below --min-score or a finding is at or
above --fail-on (only new findings count with --baseline); 2 usage error or a
file that is not parseable OpenAPI (a structurally invalid definition is
audited and reported with valid: false; the other files are still audited
and reported); 3 internal error.`,
			Example: `  rampart audit examples/petstore-3.1.yaml
  rampart audit api.yaml --min-score 70 --fail-on high
  rampart audit api.yaml --format sarif -o rampart.sarif
  rampart audit api.yaml --format json -o baseline.json
  rampart audit api.yaml --baseline baseline.json --fail-on medium
  rampart audit api.yaml --profile financial-rw --config .rampart.yaml`,
			Args: cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				// Reading and rendering are not cancellable everywhere (a FIFO,
				// a large report): an interrupt ends the process within 2 s.
				env.stopPromptly(interruptGrace)
				ctx := cmd.Context()
				if err := of.validate(); err != nil {
					return err
				}
				if err := sf.validate(); err != nil {
					return err
				}
				var cfg *audit.Config
				if configPath == "" {
					if _, err := os.Stat(defaultConfigFile); err == nil {
						configPath = defaultConfigFile
					}
				}
				if configPath != "" {
					c, err := audit.LoadConfig(configPath)
					if err != nil {
						return usageErr(err)
					}
					cfg = c
				}
				// Profile names are case-insensitive like the other
				// enum-valued flags (--format, --fail-on).
				profile = strings.ToLower(profile)
				if _, err := audit.ProfileByName(profile); err != nil {
					return usageErr(err)
				}
				threshold := -1
				if cmd.Flags().Changed("min-score") {
					if minScore < 0 || minScore > 100 {
						return usageErr(fmt.Errorf("--min-score %d is outside 0..100", minScore))
					}
					threshold = minScore
				} else if cfg != nil && cfg.MinScore != nil {
					threshold = *cfg.MinScore
				}
				var failSev *report.Severity
				if failOn != "" {
					s, err := report.ParseSeverity(failOn)
					if err != nil {
						return usageErr(fmt.Errorf("--fail-on: %w", err))
					}
					failSev = &s
				} else if s, ok := cfg.FailOnSeverity(); ok {
					failSev = &s
				}
				var base *audit.Baseline
				if baselinePath != "" {
					b, err := audit.LoadBaseline(baselinePath)
					if err != nil {
						return usageErr(err)
					}
					base = b
				}
				rep := &report.Report{Tool: "rampart", Version: Version, Kind: "audit", Rules: audit.ReportRules()}
				// A definition that cannot be loaded does not cost the
				// others their report: they are audited and written, and
				// the command still exits 2 naming it.
				var loadErrs []error
				for _, path := range args {
					doc, err := loadSpec(ctx, env, path, &sf)
					if err != nil {
						if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
							return err
						}
						loadErrs = append(loadErrs, err)
						continue
					}
					res, err := audit.Audit(ctx, doc, audit.Options{Profile: profile, Config: cfg})
					if err != nil {
						if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
							return err
						}
						return internalErr(fmt.Errorf("auditing %s: %w", path, err))
					}
					slog.Debug("audited", "spec", path, "findings", len(res.Findings), "score", res.Score.Total)
					warnSuppressed(env, res)
					rep.Results = append(rep.Results, *res)
				}
				if len(rep.Results) == 0 {
					return loadErrs[0] // nothing to report: the one file, or the first, that failed
				}
				of.failOn = failSev
				if err := of.write(env, rep); err != nil {
					return err
				}
				gateErr := gate(rep, threshold, failSev, base)
				if len(loadErrs) > 0 {
					return unloaded(loadErrs, len(rep.Results), gateErr)
				}
				return gateErr
			},
		}
		sf.bind(cmd)
		of.bind(cmd, "text")
		cmd.Flags().StringVar(&profile, "profile", "", "risk profile: public-read, default, sensitive, financial-rw (default \"default\")")
		cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default ./.rampart.yaml when present)")
		cmd.Flags().IntVar(&minScore, "min-score", 0, "exit 1 when a definition scores below N (0-100)")
		cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 when a finding is at or above SEVERITY (info, low, medium, high, critical)")
		cmd.Flags().StringVar(&baselinePath, "baseline", "", "previous JSON report: thresholds apply only to findings not in it")
		return cmd
	})
}

// unloaded is the usage error (exit 2) of an audit some of whose
// definitions could not be loaded while the others were reported: it names
// each file that failed, and any threshold the reported ones failed.
func unloaded(loadErrs []error, reported int, gateErr error) error {
	msgs := make([]string, 0, len(loadErrs)+2)
	for _, err := range loadErrs {
		msgs = append(msgs, err.Error())
	}
	msgs = append(msgs, fmt.Sprintf("%d definition(s) not audited; the report covers the other %d", len(loadErrs), reported))
	if gateErr != nil {
		msgs = append(msgs, gateErr.Error())
	}
	return usageErr(errors.New(strings.Join(msgs, "\n")))
}

// warnSuppressed says on standard error how many high and critical
// findings the definition's x-rampart-ignore suppressions hide. The report
// lists them under `suppressed`, but a CI log shows the exit code and the
// score: a single `"*": accepted risk` at the root used to turn 29
// findings into a passing 100 without a word.
func warnSuppressed(env *Env, res *report.SpecResult) {
	bySev := map[report.Severity]int{}
	for _, f := range res.Suppressed {
		bySev[f.Severity]++
	}
	var parts []string
	for _, s := range []report.Severity{report.SeverityCritical, report.SeverityHigh} {
		if n := bySev[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return
	}
	fmt.Fprintf(env.Stderr, "rampart: warning: %s: x-rampart-ignore suppresses %s finding(s) of %d (listed under suppressed); inline-ignores and inline-ignores-max-severity in the configuration govern this\n",
		report.EscapeLine(res.Spec), strings.Join(parts, " and "), len(res.Suppressed))
}

// gate applies the CI thresholds and returns a failure (exit 1) naming
// every reason.
func gate(rep *report.Report, minScore int, failOn *report.Severity, base *audit.Baseline) error {
	var reasons []string
	for i := range rep.Results {
		res := &rep.Results[i]
		if minScore >= 0 && res.Score != nil && res.Score.Total < minScore {
			why := fmt.Sprintf("%s scores %d, below the minimum %d", res.Spec, res.Score.Total, minScore)
			if limit := audit.ScoreLimit(res); limit != "" {
				why += " (" + limit + ")"
			}
			reasons = append(reasons, why)
		}
		if failOn == nil {
			continue
		}
		considered := res.Findings
		what := "finding(s)"
		if base != nil {
			considered = base.New(res)
			what = "new finding(s)"
		}
		n := 0
		for _, f := range considered {
			if f.Severity >= *failOn {
				n++
			}
		}
		if n > 0 {
			reasons = append(reasons, fmt.Sprintf("%s has %d %s at or above %s", res.Spec, n, what, *failOn))
		}
	}
	if len(reasons) > 0 {
		return failed("audit failed: " + strings.Join(reasons, "; "))
	}
	return nil
}
