package agreement

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall"
	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan"
	scanconfig "github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/sharedtest"
	"github.com/rampart-sec/rampart/internal/spec"
)

// disagreementRules are the scan findings that, through the firewall in
// front of an upstream that accepts everything, can only mean the two
// engines read the contract differently: the scanner's in-contract request
// refused (happy path failed), an out-of-contract one let through
// (negative accepted), or an undeclared method routed.
var disagreementRules = map[string]string{
	scan.RuleHappyPathFailed:  "no in-contract request passed",
	scan.RuleNegativeAccepted: "out-of-contract request let through by the firewall",
	scan.RuleUndeclaredMethod: "undeclared method let through by the firewall",
}

// Disagreement is one place where the scanner and the firewall read a
// contract differently. Class groups alike ones: the firewall's problem
// type for a refused happy path, the mutation for an accepted one.
type Disagreement struct {
	Spec, Operation, Kind, Class, Detail string
}

func (d Disagreement) String() string {
	return fmt.Sprintf("%s: %s: %s: %s", filepath.Base(d.Spec), d.Operation, d.Kind, d.Detail)
}

// acceptAll is the upstream: it answers every request 200 with an empty
// JSON object, so whatever the firewall forwards counts as accepted. The
// caller closes it.
func acceptAll(t testing.TB) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	})}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }
}

// Compare scans the contract at path through the firewall (block mode for
// requests, responses not validated, no authentication configured) and
// returns where the two engines disagree. The scan sends its happy paths,
// its conformance mutations and one undeclared method per path; attack
// probes are left out, since the blacklist refusing them is no
// disagreement.
func Compare(t testing.TB, path string, budget time.Duration) []Disagreement {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), budget+30*time.Second)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	doc, err := spec.Load(ctx, path, spec.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	upstream, closeUpstream := acceptAll(t)
	defer closeUpstream()
	fwCfg := firewall.Config{Spec: path, Upstream: upstream, Listen: "127.0.0.1:0", Admin: "127.0.0.1:0",
		Mode: "block", ResponseMode: "off", WatchInterval: -1}
	fw, err := firewall.New(ctx, fwCfg.WithDefaults(), quiet, io.Discard)
	if err != nil {
		t.Fatalf("%s: starting the firewall: %v", path, err)
	}
	if err := fw.Start(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = fw.Shutdown(sctx)
	}()

	// One identity holds a credential for every scheme, so secured
	// operations are generated too (the firewall does not check them).
	// It looks like a JWT, since some contracts also declare the key's
	// header as a parameter with a JWT pattern.
	const credential = "agreement.token.value"
	creds := map[string]scanconfig.Credential{}
	for name := range doc.SecuritySchemes {
		creds[name] = scanconfig.Credential{Token: credential, Value: credential, Username: "agreement", Password: "agreement-password"}
	}
	cfg := &scanconfig.Config{Identities: []scanconfig.Identity{{Name: "agreement", Roles: []string{"admin"}, Credentials: creds}}}
	if err := cfg.Validate(doc); err != nil {
		cfg = &scanconfig.Config{}
	}
	res, err := scan.Run(ctx, doc, scan.Options{Target: "http://" + fw.Addr(), Config: cfg, Rate: 2000,
		Timeout: 5 * time.Second, MaxDuration: budget, NoProbes: true, Logger: quiet})
	if err != nil {
		t.Fatalf("%s: scan: %v", path, err)
	}
	var out []Disagreement
	for _, f := range res.Spec.Findings {
		kind, ok := disagreementRules[f.Rule]
		if !ok {
			continue
		}
		if f.Rule == scan.RuleHappyPathFailed && strings.HasPrefix(f.Actual, "answered 5") {
			// The firewall's own refusals of a contract it cannot
			// enforce without configuration (mTLS, signed payloads)
			// and of the upstream's "{}" where a response mode the
			// contract sets needs more: not a reading of the request.
			continue
		}
		if f.Rule == scan.RuleHappyPathFailed && classOf(f.Actual) == "ambiguous-path" && allEncodedSlash(f.Exchanges) {
			// The firewall refuses a %2F inside a path parameter unless
			// the operation's allow_encoded_slash is configured: a
			// routing policy (one forwarded path, one reading) that a
			// contract whose values must hold "/" cannot express.
			continue
		}
		detail := f.Message
		if why, ok := res.HappyFailures[f.Operation]; ok {
			detail = why // whole, where the message quotes a part
		}
		out = append(out, Disagreement{Spec: path, Operation: f.Operation, Kind: kind, Class: classOf(f.Actual), Detail: detail})
	}
	t.Logf("%s: %d requests; happy paths %d passed, %d failed; %d mutations", filepath.Base(path), res.Requests,
		res.Spec.Summary["happy_path_passed"], res.Spec.Summary["happy_path_failed"], res.Spec.Summary["mutations_sent"])
	for k, why := range res.HappyFailures {
		t.Logf("%s: happy path of %s failed: %s", filepath.Base(path), k, why)
	}
	if res.Stopped != "" {
		t.Logf("%s: scan stopped early: %s", path, res.Stopped)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// allEncodedSlash reports whether every exchange's path carried an encoded
// slash, the one thing allow_encoded_slash would let through.
func allEncodedSlash(exchanges []report.Exchange) bool {
	for _, x := range exchanges {
		u, err := url.Parse(x.URL)
		if err != nil || !strings.Contains(strings.ToUpper(u.EscapedPath()), "%2F") {
			return false
		}
	}
	return len(exchanges) > 0
}

var problemType = regexp.MustCompile(`urn:rampart:problem:([a-z-]+)`)

// classOf names what a finding's first case was: the firewall's problem
// type ("answered 400: {...urn:rampart:problem:body-missing...}"), else
// the mutation ("200 to query attrs: wrong-type" is "query wrong-type"),
// else the start of the scanner's reason.
func classOf(actual string) string {
	if m := problemType.FindStringSubmatch(actual); m != nil {
		return m[1]
	}
	if rest, ok := strings.CutPrefix(actual, "answered "); ok {
		return "status " + strings.Fields(rest + " ?")[0]
	}
	if i := strings.LastIndex(actual, ": "); i > 0 && strings.Contains(actual, " to ") {
		where := strings.Fields(actual[strings.Index(actual, " to ")+4:])
		return where[0] + " " + actual[i+2:]
	}
	if i := strings.IndexAny(actual, ":("); i > 0 {
		return strings.TrimSpace(actual[:i])
	}
	return actual
}

// contracts lists the definitions of a folder.
func contracts(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.yaml", "*.yml", "*.json"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	sort.Strings(out)
	return out
}

// TestBundledContracts: on the bundled examples and the firewall's own
// test contracts, every request the scanner builds as in-contract passes
// the firewall, and every request it builds as out-of-contract is refused.
func TestBundledContracts(t *testing.T) {
	paths := append(contracts(t, "../../examples"), contracts(t, "../firewall/testdata")...)
	// Shapes found by the corpus run, kept here so they stay agreed.
	paths = append(paths, contracts(t, "testdata")...)
	for _, p := range paths {
		switch filepath.Base(p) {
		case "broken.yaml", "protect-config.yaml":
			continue // not a loadable contract (a fixture of failure cases, a config file)
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			for _, d := range Compare(t, p, 60*time.Second) {
				t.Error(d)
			}
		})
	}
}

// TestSharedContracts does the same over the real-world definitions of
// ../shared/specs. It reports every disagreement and fails on any.
func TestSharedContracts(t *testing.T) {
	dir := sharedtest.Path(t, "specs")
	paths := contracts(t, dir)
	if len(paths) == 0 {
		t.Skipf("no definitions in %s", dir)
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Size() > 2<<20 {
			continue
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			for _, d := range Compare(t, p, 60*time.Second) {
				t.Error(d)
			}
		})
	}
}
