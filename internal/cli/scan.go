package cli

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/spf13/cobra"
)

func init() {
	register(func(env *Env) *cobra.Command {
		var sf specFlags
		var of outputFlags
		var (
			target, configPath, failOn string
			rateN                      float64
			maxRequests                int
			maxResponseBytes           int64
			maxDuration, timeout       time.Duration
			safe, showSecrets, quiet   bool
			strictObjects              bool
			aggressive, insecure       bool
			noProbes                   bool
			noPlainHTTP                bool
			callbackURL, caCert        string
			httpURL                    string
			rateLimitBurst             int
		)
		cmd := &cobra.Command{
			Use:   "scan SPEC --target URL",
			Short: "Test a running API: conformance, authentication, authorization, stateful flows, attack probes, transport",
			Long: `Sends real requests to the API at --target, built from the definition alone:
a happy path per operation, one out-of-contract mutation per request, response
conformance checks, authentication probes (no credentials, malformed token,
alg:none, expired and weak-secret JWTs) and BOLA/BFLA probes across the
identities of --config; then stateful checks (read after create, use after
delete, leakage, resource hierarchy, existence leaks), attack probes (SQL, NoSQL,
command and path injection, mass assignment, SSRF, data exposure, user
enumeration, resource consumption), security headers and CORS, the config's
scenarios, and for https targets the TLS versions, suites and certificate.
Only the target's origin and the config's auth_origins are ever contacted
(plus the TLS checks' plain-HTTP probe of the same host); redirects are not
followed. See docs/scan.md.`,
			Example: `  rampart scan api.yaml --target http://127.0.0.1:8000
  rampart scan api.yaml --target https://staging.example.com --config scan.yaml --format sarif -o scan.sarif
  rampart scan api.yaml --target http://127.0.0.1:8000 --safe --rate 5 --max-duration 2m`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := of.validate(); err != nil {
					return err
				}
				if err := sf.validate(); err != nil {
					return err
				}
				threshold, err := report.ParseSeverity(failOn)
				if err != nil {
					return usageErr(fmt.Errorf("--fail-on: %w", err))
				}
				// Written so that NaN fails too; a negative limit or
				// timeout would otherwise read as "none" and be ignored.
				if !(rateN > 0) {
					return usageErr(errors.New("--rate must be positive"))
				}
				if f := cmd.Flags(); f.Changed("max-response-bytes") && maxResponseBytes < 1 {
					return usageErr(fmt.Errorf("--max-response-bytes %d: the cap must be at least 1 byte", maxResponseBytes))
				}
				if timeout < 0 || maxDuration < 0 || maxRequests < 0 {
					return usageErr(errors.New("--timeout, --max-duration and --max-requests cannot be negative"))
				}
				var cfg *config.Config
				if configPath != "" {
					if cfg, err = config.Load(configPath); err != nil {
						return usageErr(err)
					}
				}
				if target == "" && (cfg == nil || cfg.Target == "") {
					return usageErr(errors.New("--target URL is required (or target in --config)"))
				}
				// Before the definition is even read: a target no request
				// can reach is a usage error, not an unanswering API.
				if target != "" {
					if err := config.CheckBaseURL(target); err != nil {
						return usageErr(fmt.Errorf("--target: %w", err))
					}
				} else if err := config.CheckBaseURL(cfg.Target); err != nil {
					return usageErr(fmt.Errorf("%s: target: %w", configPath, err))
				}
				doc, err := loadSpec(cmd.Context(), env, args[0], &sf)
				if err != nil {
					return err
				}
				if cfg != nil && cfg.Rate > 0 && !cmd.Flags().Changed("rate") {
					rateN = cfg.Rate
				}
				if cfg != nil && cfg.Timeout > 0 && !cmd.Flags().Changed("timeout") {
					timeout = time.Duration(cfg.Timeout)
				}
				if rateLimitBurst < 0 || rateLimitBurst > 1000 {
					return usageErr(errors.New("--rate-limit-burst must be between 0 and 1000"))
				}
				if noPlainHTTP && httpURL != "" {
					return usageErr(errors.New("--http-url names the plain-HTTP request that --no-plain-http leaves out: give one or the other"))
				}
				for name, u := range map[string]string{"--callback-url": callbackURL, "--http-url": httpURL} {
					if u == "" {
						continue
					}
					if err := config.CheckBaseURL(u); err != nil {
						return usageErr(fmt.Errorf("%s: %w", name, err))
					}
				}
				var roots *x509.CertPool
				if caCert != "" {
					pem, err := os.ReadFile(caCert)
					if err != nil {
						return usageErr(fmt.Errorf("--ca-cert: %w", err))
					}
					if roots, err = x509.SystemCertPool(); err != nil || roots == nil {
						roots = x509.NewCertPool()
					}
					if !roots.AppendCertsFromPEM(pem) {
						return usageErr(fmt.Errorf("--ca-cert: %s holds no PEM certificate", caCert))
					}
				}
				opts := scan.Options{Target: target, Config: cfg, Rate: rateN, Timeout: timeout,
					Aggressive: aggressive, CallbackURL: callbackURL, RateLimitBurst: rateLimitBurst, RootCAs: roots,
					Insecure: insecure, HTTPURL: httpURL, NoPlainHTTP: noPlainHTTP, NoProbes: noProbes,
					MaxRequests: maxRequests, MaxResponseBytes: maxResponseBytes, MaxDuration: maxDuration, Safe: safe, ShowSecrets: showSecrets, StrictObjects: strictObjects,
					Logger: slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
				if !quiet && isTerminal(env.Stderr) {
					opts.Progress = func(done, total int, requests int64) {
						fmt.Fprintf(env.Stderr, "\r%s %3d%%  %d requests", bar(done, total, 30), done*100/max(total, 1), requests)
					}
				}
				res, err := scan.Run(cmd.Context(), doc, opts)
				if opts.Progress != nil {
					fmt.Fprint(env.Stderr, "\r\033[K")
				}
				interrupted := err != nil && cmd.Context().Err() != nil && errors.Is(err, cmd.Context().Err())
				if err != nil && (!interrupted || res == nil) {
					if interrupted {
						return err
					}
					return usageErr(err)
				}
				// An interrupted scan still reports what it found and what
				// it could not delete, then ends as interrupted.
				rep := &report.Report{Tool: "rampart", Version: Version, Kind: "scan", Results: []report.SpecResult{res.Spec}, Rules: scan.Rules()}
				of.failOn = &threshold
				if err := of.write(env, rep); err != nil {
					return err
				}
				if !quiet {
					writeScanSummary(env.Stderr, res)
				}
				if interrupted {
					return err
				}
				if res.NeverAnswered {
					// Environment failure, not a clean result: a CI job must
					// not pass on a scan that tested nothing.
					return internalErr(fmt.Errorf("the target %s answered none of the %d requests: nothing was tested", target, res.Requests))
				}
				if res.NothingTested {
					// As above: a mistyped base path must not pass a CI job
					// on a scan whose every happy path failed.
					return internalErr(fmt.Errorf("no operation passed its happy path (%d tried): nothing beyond them was tested; check the target's base path and the identities (the report's scan-happy-path-failed findings say why each failed)", len(res.HappyFailures)))
				}
				worst := 0
				for _, f := range res.Spec.Findings {
					if f.Severity >= threshold {
						worst++
					}
				}
				if worst > 0 {
					return failed(fmt.Sprintf("%d finding(s) at or above %s", worst, threshold))
				}
				return nil
			},
		}
		sf.bind(cmd)
		of.bind(cmd, "text")
		f := cmd.Flags()
		f.StringVar(&target, "target", "", "base URL of the running API (its origin is the only one scanned)")
		f.StringVar(&configPath, "config", "", "scan configuration (identities, overrides, variables): YAML")
		f.StringVar(&failOn, "fail-on", "high", "exit 1 when a finding is at or above this severity: info, low, medium, high, critical")
		f.Float64Var(&rateN, "rate", 20, "maximum requests per second")
		f.IntVar(&maxRequests, "max-requests", 0, "stop after this many requests (0: no limit; cleanup still runs)")
		f.Int64Var(&maxResponseBytes, "max-response-bytes", 0, "read and validate response bodies up to this size (default: the config's max_response_bytes, else 1 MiB; at most 64 MiB)")
		f.DurationVar(&maxDuration, "max-duration", 0, "stop after this long, e.g. 5m (0: no limit)")
		f.DurationVar(&timeout, "timeout", 10*time.Second, "timeout of each request")
		f.BoolVar(&safe, "safe", false, "send only GET/HEAD/OPTIONS requests (skips POST, PUT, PATCH, DELETE)")
		f.BoolVar(&showSecrets, "show-secrets", false, "do not redact credentials in the report (curl commands then run as is)")
		f.BoolVar(&strictObjects, "strict-objects", false, "expect objects without additionalProperties to refuse undeclared properties (the strict-objects policy)")
		f.BoolVar(&aggressive, "aggressive", false, "also send time-based injection and ReDoS probes (slow the target down for seconds)")
		f.StringVar(&callbackURL, "callback-url", "", "URL of a server you watch, for SSRF probes against a remote target (default: a canary on 127.0.0.1)")
		f.IntVar(&rateLimitBurst, "rate-limit-burst", 0, "send this many failed logins in a burst and expect a 429 (0: off)")
		f.StringVar(&caCert, "ca-cert", "", "PEM file of an extra certificate authority to trust for an https target")
		f.BoolVar(&insecure, "insecure", false, "scan an https target whose certificate does not verify (still reported)")
		f.StringVar(&httpURL, "http-url", "", "plain-HTTP URL whose redirect to HTTPS is checked (default: port 80 of the target host)")
		f.BoolVar(&noPlainHTTP, "no-plain-http", false, "leave out the plain-HTTP GET (port 80 of an https target's host) that checks the redirect to HTTPS")
		f.BoolVar(&noProbes, "no-probes", false, "only conformance, authentication and authorization tests (no attack probes, stateful or header checks)")
		f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar or summary table on standard error")
		return cmd
	})
}

func bar(done, total, width int) string {
	if total <= 0 {
		total = 1
	}
	n := done * width / total
	if n > width {
		n = width
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

// writeScanSummary prints the end-of-scan table: what each phase sent,
// findings by severity, and why each failed happy path failed. The reasons
// and the ids of resources left behind quote the target's answers, so
// their control characters are escaped before they reach the terminal.
func writeScanSummary(w io.Writer, res *scan.Result) {
	sev := map[report.Severity]int{}
	for _, f := range res.Spec.Findings {
		sev[f.Severity]++
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "\nScan summary\t")
	s := res.Spec.Summary
	row := func(name, format string, a ...any) {
		fmt.Fprintf(tw, "  %s\t"+format+"\n", append([]any{name}, a...)...)
	}
	row("operations", "%d tested, %d skipped", s["operations_tested"], s["operations_skipped"])
	refreshes := ""
	if n := s["token_refreshes"]; n > 0 {
		refreshes = fmt.Sprintf(", %d token refreshes after a 401", n)
	}
	row("requests", "%d in %s%s", res.Requests, res.Elapsed.Round(time.Millisecond), refreshes)
	row("happy paths", "%d passed, %d failed", s["happy_path_passed"], len(res.HappyFailures))
	row("conformance", "%d mutations, %d undeclared-method checks", s["mutations_sent"], s["method_tests"])
	auth := fmt.Sprintf("%d authentication, %d authorization (BOLA/BFLA)", s["auth_tests"], s["authz_tests"])
	if n := s["expired_jwt_skipped"]; n > 0 {
		auth += fmt.Sprintf("; %d expired-JWT tests skipped (set jwt.expired_token or jwt.signing_key)", n)
	}
	row("auth probes", "%s", auth)
	row("stateful checks", "%d", s["stateful_tests"])
	row("attack probes", "%d, plus %d hidden-endpoint and %d CORS requests", s["attack_probes"], s["hidden_endpoint_tests"], s["cors_tests"])
	if n := s["rate_limit_requests"]; n > 0 {
		row("rate-limit burst", "%d requests", n)
	}
	if s["scenarios_run"]+s["scenarios_skipped"] > 0 {
		row("scenarios", "%d run (%d steps), %d failed, %d skipped", s["scenarios_run"], s["scenario_steps"], s["scenarios_failed"], s["scenarios_skipped"])
	}
	if s["tls_handshakes"]+s["transport_requests"] > 0 {
		row("transport checks", "%d TLS handshakes, %d HTTP requests", s["tls_handshakes"], s["transport_requests"])
	}
	if s["resources_created"] > 0 || len(res.NotCleaned) > 0 {
		row("resources", "%d created, %d deleted, %d left", s["resources_created"], max(s["resources_created"]-len(res.NotCleaned), 0), len(res.NotCleaned))
	}
	row("findings", "%d: %d critical, %d high, %d medium, %d low, %d info", len(res.Spec.Findings),
		sev[report.SeverityCritical], sev[report.SeverityHigh], sev[report.SeverityMedium], sev[report.SeverityLow], sev[report.SeverityInfo])
	tw.Flush()
	if len(res.HappyFailures) > 0 {
		fmt.Fprintln(w, "\nHappy paths that failed:")
		keys := make([]string, 0, len(res.HappyFailures))
		for k := range res.HappyFailures {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %s: %s\n", report.EscapeLine(k), report.EscapeLine(res.HappyFailures[k]))
		}
	}
	if len(res.NotCleaned) > 0 {
		fmt.Fprintln(w, "\nResources not cleaned up:")
		for _, n := range res.NotCleaned {
			fmt.Fprintf(w, "  %s\n", report.EscapeLine(n))
		}
	}
	if res.Stopped != "" {
		fmt.Fprintf(w, "\nStopped early: %s\n", report.EscapeLine(res.Stopped))
	}
}
