// Package demo runs Rampart's one-command demo: it starts the deliberately
// vulnerable demo API (package vulnapi) on a free loopback port, audits its
// definition, scans it directly, puts the firewall in front of it with the
// demo policy, scans again through the firewall, and compares the two scans.
// Every row of the comparison comes from the two scan results; nothing is
// hard-coded, so switching a protection off changes its row.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampart-sec/rampart/internal/audit"
	"github.com/rampart-sec/rampart/internal/demo/vulnapi"
	"github.com/rampart-sec/rampart/internal/firewall"
	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan"
	scanconfig "github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/spec"
)

//go:embed vulnapi/scan.yaml
var scanConfigYAML []byte

//go:embed policy.yaml
var policyYAML []byte

// SecretEnv is the environment variable through which the demo policy gets
// the demo API's token-signing key.
const SecretEnv = "RAMPART_DEMO_JWT_SECRET"

// Protections the demo policy turns on, by name, so a test (or a curious
// user: --without) can switch one off and see its row change.
var Protections = []string{"authentication", "response-validation", "strict-objects", "blacklist", "rate-limit"}

// Options configure a demo run.
type Options struct {
	// OutDir receives the reports (created if missing).
	OutDir string
	// Out receives the narrative and the comparison table.
	Out io.Writer
	// Without lists protections (from Protections) to leave off.
	Without []string
	// Version is written into the reports.
	Version string
	// Rate is the scanner's request rate (default 200/s: local demo).
	Rate float64
}

// Row is one line of the comparison: a finding of the direct scan and
// whether the scan through the firewall still found it.
type Row struct {
	Rule      string
	Title     string
	Operation string
	Severity  report.Severity
	OWASP     string
	// Blocked is true when the finding is absent from the scan through
	// the firewall.
	Blocked bool
}

// Result is what a demo run produced.
type Result struct {
	AuditScore  report.Score
	AuditCount  int
	Direct      *scan.Result
	Protected   *scan.Result
	Rows        []Row
	NewFindings []report.Finding // found only through the firewall
	Reports     []string
}

// Run executes the demo. It stops every server it started before it
// returns, also when ctx is cancelled (Ctrl-C).
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Rate <= 0 {
		opts.Rate = 200
	}
	for _, w := range opts.Without {
		if !contains(Protections, w) {
			return nil, fmt.Errorf("unknown protection %q (one of %s)", w, strings.Join(Protections, ", "))
		}
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", opts.OutDir, err)
	}
	out := opts.Out
	res := &Result{}

	// 1. The vulnerable API.
	api := vulnapi.New()
	apiSrv, apiAddr, err := serve(api)
	if err != nil {
		return nil, err
	}
	defer apiSrv.Close()
	specPath := filepath.Join(opts.OutDir, "demo-bank-openapi.yaml")
	if err := os.WriteFile(specPath, vulnapi.Spec, 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "1. Started the demo API (intentionally vulnerable) on http://%s\n   Its contract: %s\n\n", apiAddr, specPath)

	doc, err := spec.Load(ctx, specPath, spec.Options{})
	if err != nil {
		return nil, fmt.Errorf("loading the demo contract: %w", err)
	}

	// 2. Audit.
	ar, err := audit.Audit(ctx, doc, audit.Options{})
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if ar.Score != nil {
		res.AuditScore = *ar.Score
	}
	res.AuditCount = len(ar.Findings)
	auditRep := &report.Report{Tool: "rampart", Version: opts.Version, Kind: "audit", Rules: audit.ReportRules(), Results: []report.SpecResult{*ar}}
	if err := writeHTML(opts.OutDir, "audit.html", auditRep, res); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "2. Audited the contract: score %d/100, %d findings (the contract is fine; the implementation is not)\n\n", res.AuditScore.Total, res.AuditCount)

	// 3. Scan directly, as two customers logged in beforehand.
	for _, name := range []string{"alice", "bob"} {
		tok, err := vulnapi.Login("http://"+apiAddr, name)
		if err != nil {
			return nil, err
		}
		if err := os.Setenv("RAMPART_DEMO_"+strings.ToUpper(name)+"_TOKEN", tok); err != nil {
			return nil, err
		}
	}
	cfg, err := scanconfig.Parse(scanConfigYAML)
	if err != nil {
		return nil, fmt.Errorf("demo scan config: %w", err)
	}
	scanOpts := func(target string) scan.Options {
		return scan.Options{Target: target, Config: cfg, Rate: opts.Rate, Timeout: 5 * time.Second,
			MaxDuration: 60 * time.Second, RateLimitBurst: 30, Logger: quietLogger()}
	}
	res.Direct, err = scan.Run(ctx, doc, scanOpts("http://"+apiAddr))
	if err != nil {
		return nil, fmt.Errorf("direct scan: %w", err)
	}
	if err := writeScanHTML(opts, "scan-direct.html", res.Direct, res); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "3. Scanned the API directly: %d requests, %d findings\n\n", res.Direct.Requests, len(res.Direct.Spec.Findings))

	// 4. The firewall in front of it.
	fw, logf, err := startFirewall(ctx, opts, specPath, "http://"+apiAddr, api.SigningKey())
	if err != nil {
		return nil, fmt.Errorf("starting the firewall: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = fw.Shutdown(sctx)
		_ = logf.Close()
	}()
	off := ""
	if len(opts.Without) > 0 {
		off = " (switched off: " + strings.Join(opts.Without, ", ") + ")"
	}
	fmt.Fprintf(out, "4. Started rampart protect on http://%s in front of the API, with the demo policy%s\n\n", fw.Addr(), off)

	// 5. Scan through the firewall.
	res.Protected, err = scan.Run(ctx, doc, scanOpts("http://"+fw.Addr()))
	if err != nil {
		return nil, fmt.Errorf("scan through the firewall: %w", err)
	}
	if err := writeScanHTML(opts, "scan-protected.html", res.Protected, res); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "5. Scanned again through the firewall: %d requests, %d findings\n\n", res.Protected.Requests, len(res.Protected.Spec.Findings))

	res.Rows, res.NewFindings = Compare(res.Direct.Spec.Findings, res.Protected.Spec.Findings)
	WriteTable(out, res.Rows)
	if len(res.NewFindings) > 0 {
		fmt.Fprintf(out, "\nThe scan through the firewall also reported what the direct scan did not (see scan-protected.html):\n")
		for _, line := range summarize(res.NewFindings) {
			fmt.Fprintf(out, "  %s\n", line)
		}
	}
	fmt.Fprintf(out, "\nReports written to %s:\n", opts.OutDir)
	for _, r := range res.Reports {
		fmt.Fprintf(out, "  %s\n", r)
	}
	return res, ctx.Err()
}

// serve starts h on a free loopback port.
func serve(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listening on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, ln.Addr().String(), nil
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startFirewall starts the firewall in-process with the demo policy, minus
// the protections opts.Without names.
func startFirewall(ctx context.Context, opts Options, specPath, upstream string, key []byte) (*firewall.Server, io.Closer, error) {
	policy := DisableProtections(policyYAML, opts.Without)
	policyPath := filepath.Join(opts.OutDir, "demo-policy.yaml")
	if err := os.WriteFile(policyPath, policy, 0o644); err != nil {
		return nil, nil, err
	}
	// The policy names the signing key by environment variable, so the key
	// itself is never written to disk.
	if err := os.Setenv(SecretEnv, string(key)); err != nil {
		return nil, nil, err
	}
	cfg, err := firewall.LoadConfigFile(policyPath)
	if err != nil {
		return nil, nil, err
	}
	cfg.Spec, cfg.Upstream = specPath, upstream
	cfg.Listen, cfg.Admin = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Log = filepath.Join(opts.OutDir, "firewall-audit.log")
	cfg.WatchInterval = -1
	logf, err := os.Create(cfg.Log)
	if err != nil {
		return nil, nil, err
	}
	fw, err := firewall.New(ctx, cfg.WithDefaults(), quietLogger(), logf)
	if err != nil {
		logf.Close()
		return nil, nil, err
	}
	if err := fw.Start(); err != nil {
		logf.Close()
		return nil, nil, err
	}
	return fw, logf, nil
}

// Compare matches the direct scan's findings with the protected scan's by
// rule and operation.
func Compare(direct, protected []report.Finding) ([]Row, []report.Finding) {
	key := func(f report.Finding) string { return f.Rule + "\x00" + f.Operation }
	still := map[string]bool{}
	for _, f := range protected {
		still[key(f)] = true
	}
	seen := map[string]bool{}
	var rows []Row
	for _, f := range direct {
		k := key(f)
		if seen[k] || f.Severity == report.SeverityInfo {
			continue
		}
		seen[k] = true
		rows = append(rows, Row{Rule: f.Rule, Title: f.Title, Operation: f.Operation, Severity: f.Severity, OWASP: f.OWASP, Blocked: !still[k]})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Severity != rows[j].Severity {
			return rows[i].Severity > rows[j].Severity
		}
		if rows[i].Rule != rows[j].Rule {
			return rows[i].Rule < rows[j].Rule
		}
		return rows[i].Operation < rows[j].Operation
	})
	var fresh []report.Finding
	for _, f := range protected {
		if !seen[key(f)] && f.Severity != report.SeverityInfo {
			fresh = append(fresh, f)
		}
	}
	return rows, fresh
}

// WriteTable prints the before/after comparison.
func WriteTable(w io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "FINDING\tOPERATION\tSEVERITY\tOWASP\tFOUND DIRECTLY\tBLOCKED BY THE FIREWALL")
	blocked := 0
	for _, r := range rows {
		b := "no"
		if r.Blocked {
			b = "yes"
			blocked++
		}
		title := r.Title
		if title == "" {
			title = r.Rule
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tyes\t%s\n", title, r.Operation, r.Severity, r.OWASP, b)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d of %d findings blocked by the firewall.\n", blocked, len(rows))
	if blocked < len(rows) {
		fmt.Fprintln(w, "What is not blocked needs a fix in the API itself: the firewall enforces the contract and blocks\nknown attack payloads, but it cannot know who owns an object, nor make an injectable query safe.")
	}
}

func writeHTML(dir, name string, rep *report.Report, res *Result) error {
	p := filepath.Join(dir, name)
	if err := report.WriteFile(p, "html", rep, report.Options{}); err != nil {
		return err // a *report.FileError, which names p
	}
	res.Reports = append(res.Reports, p)
	return nil
}

// writeScanHTML writes a scan's HTML report, and its JSON beside it for
// machines.
func writeScanHTML(opts Options, name string, sr *scan.Result, res *Result) error {
	rep := &report.Report{Tool: "rampart", Version: opts.Version, Kind: "scan", Rules: scan.Rules(), Results: []report.SpecResult{sr.Spec}}
	jsonPath := filepath.Join(opts.OutDir, strings.TrimSuffix(name, ".html")+".json")
	if err := report.WriteFile(jsonPath, "json", rep, report.Options{}); err != nil {
		return err // a *report.FileError, which names jsonPath
	}
	return writeHTML(opts.OutDir, name, rep, res)
}

// DisableProtections returns the policy with the named protections'
// sections switched off. Each protection's section in policy.yaml is
// delimited by "# protection: NAME" and "# end: NAME" lines; switching one
// off replaces the section by the line that turns it off.
func DisableProtections(policy []byte, names []string) []byte {
	out := policy
	for _, n := range names {
		start := []byte("# protection: " + n + "\n")
		end := []byte("# end: " + n + "\n")
		i := bytes.Index(out, start)
		j := bytes.Index(out, end)
		if i < 0 || j < i {
			continue
		}
		off := offSwitch[n]
		out = append(append(append([]byte(nil), out[:i]...), off...), out[j+len(end):]...)
	}
	return out
}

// offSwitch is what replaces a protection's section when it is switched off.
var offSwitch = map[string]string{
	"authentication":      "# authentication switched off\n",
	"response-validation": "response_mode: off\n",
	"strict-objects":      "open_objects: true\n",
	"blacklist":           "# blacklist switched off\n",
	// The credential limit is on by default: switching rate limits off
	// has to say so.
	"rate-limit": "rate_limits:\n  credential_endpoints: {enabled: false}   # rate limits switched off\n",
}

// summarize counts findings by title: "9 x Undeclared response content type (low)".
func summarize(fs []report.Finding) []string {
	count := map[string]int{}
	var order []string
	for _, f := range fs {
		k := fmt.Sprintf("%s (%s)", orRule(f.Title, f.Rule), f.Severity)
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, fmt.Sprintf("%d x %s", count[k], k))
	}
	return out
}

func orRule(title, rule string) string {
	if title == "" {
		return rule
	}
	return title
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
