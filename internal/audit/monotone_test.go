package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/sharedtest"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Removing security from operations must never raise the score: an
// operation anyone can call is worse than the same operation secured, even
// when the secured one lacks its 401 and 403 responses.

// treeOf decodes a definition's generic tree (numbers kept as written).
func treeOf(t testing.TB, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// scoreTree audits a tree as the definition at key (relative $refs resolve
// next to it) under each profile.
func scoreTree(t testing.TB, tree map[string]any, key string, profiles []string) map[string]report.Score {
	t.Helper()
	data, err := json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := spec.LoadBytes(context.Background(), data, filepath.Base(key), key, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]report.Score{}
	for _, p := range profiles {
		res, err := Audit(context.Background(), doc, Options{Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		out[p] = *res.Score
	}
	return out
}

type opRef struct{ path, method string }

// inlineOps lists the operations written inline under paths.
func inlineOps(tree map[string]any) []opRef {
	var out []opRef
	paths, _ := tree["paths"].(map[string]any)
	for _, p := range sortedKeys(paths) {
		item, _ := paths[p].(map[string]any)
		if _, isRef := item["$ref"]; isRef {
			continue
		}
		for _, m := range spec.HTTPMethods {
			if _, ok := item[m].(map[string]any); ok {
				out = append(out, opRef{p, m})
			}
		}
	}
	return out
}

func opNode(tree map[string]any, o opRef) map[string]any {
	return tree["paths"].(map[string]any)[o.path].(map[string]any)[o.method].(map[string]any)
}

// anonymous makes one operation callable without credentials: it drops the
// operation's own security when nothing global applies, and declares
// `security: []` otherwise.
func anonymous(tree map[string]any, o opRef) {
	op := opNode(tree, o)
	if global, ok := tree["security"].([]any); !ok || len(global) == 0 {
		delete(op, "security")
		return
	}
	op["security"] = []any{}
}

func clone(t testing.TB, tree map[string]any) map[string]any {
	data, err := json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	return treeOf(t, data)
}

func checkNotHigher(t *testing.T, what string, before, after map[string]report.Score) {
	t.Helper()
	for p, b := range before {
		if a := after[p]; a.Total > b.Total {
			t.Errorf("%s raised the %s score from %d (security %d, data %d) to %d (security %d, data %d)",
				what, p, b.Total, b.Security, b.Data, a.Total, a.Security, a.Data)
		}
	}
}

var allProfiles = []string{"default", "public-read", "sensitive", "financial-rw"}

// The reported defect: two anonymous reads reach the cap of
// sec-op-no-security, so a third one cost nothing while its 401 and 403
// findings went away and the score rose. Reads, writes and an admin
// operation lose their security one after the other; no step may raise the
// score, under any profile.
func TestRemovingSecurityNeverRaisesScore(t *testing.T) {
	var paths strings.Builder
	for _, op := range []struct{ path, method string }{
		{"/a", "get"}, {"/b", "get"}, {"/c", "get"}, {"/d", "get"}, {"/e", "post"}, {"/f", "delete"},
		{"/admin/users", "get"}, {"/g", "get"}, {"/h", "get"}, {"/i", "put"},
	} {
		fmt.Fprintf(&paths, `
  %s:
    %s:
      security: [{key: []}]
      responses:
        '200': {description: ok}`, op.path, op.method)
	}
	text := `openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'https://api.example.com'}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Api-Key}
paths:` + paths.String() + `
  /users:
    get:
      security: [{key: []}]
      responses:
        '200': {description: ok}
        '401': {description: no credentials}
        '403': {description: not allowed}
`
	key := filepath.Join(t.TempDir(), "api.yaml")
	doc, err := spec.LoadBytes(context.Background(), []byte(text), "api.yaml", key, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tree := clone(t, doc.Root())
	first := scoreTree(t, tree, key, allProfiles)
	prev := first
	ops := inlineOps(tree)
	for i, o := range ops {
		delete(opNode(tree, o), "security")
		cur := scoreTree(t, tree, key, allProfiles)
		checkNotHigher(t, fmt.Sprintf("removing security from %d operation(s), the last %s %s", i+1, strings.ToUpper(o.method), o.path), prev, cur)
		prev = cur
	}
	if prev["default"].Total >= first["default"].Total {
		t.Errorf("every operation anonymous scores %d, as much as every operation secured (%d)", prev["default"].Total, first["default"].Total)
	}
}

// Adding a finding never raises the score: whatever the findings already
// there, one more (of any rule and severity) deducts nothing or more.
func TestAddingAFindingNeverRaisesScore(t *testing.T) {
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	sevs := []report.Severity{info, low, medium, high, critical}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 2000; round++ {
		var findings []report.Finding
		for n := rng.IntN(60); n > 0; n-- {
			findings = append(findings, report.Finding{Rule: ids[rng.IntN(len(ids))], Severity: sevs[rng.IntN(len(sevs))]})
		}
		before := ComputeScore(findings)
		extra := report.Finding{Rule: ids[rng.IntN(len(ids))], Severity: sevs[rng.IntN(len(sevs))]}
		after := ComputeScore(append(findings, extra))
		if after.Total > before.Total || after.Security > before.Security || after.Data > before.Data {
			t.Fatalf("adding %s (%s) to %d findings raised the score from %+v to %+v", extra.Rule, extra.Severity, len(findings), before, after)
		}
	}
}

// sampleOps picks at most n operations spread over the list.
func sampleOps(ops []opRef, n int) []opRef {
	if len(ops) <= n {
		return ops
	}
	out := make([]opRef, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, ops[i*len(ops)/n])
	}
	return out
}

// Over the bundled examples and the shared real-world definitions: making
// any one operation anonymous, then several, then all of them, never
// raises the score, under any profile. (Deleting an operation's own
// security where a global requirement applies gives it the global one: that
// is not removing security, and may rightly raise the score.)
func TestRemovingSecurityNeverRaisesScoreOnExamples(t *testing.T) {
	t.Run("examples", func(t *testing.T) {
		files, _ := filepath.Glob("../../examples/*")
		checkAnonymityOnFiles(t, files)
	})
	t.Run("shared", func(t *testing.T) {
		dir := sharedtest.Path(t, "specs")
		var files []string
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !e.IsDir() && !strings.HasSuffix(e.Name(), ".md") {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
		checkAnonymityOnFiles(t, files)
	})
}

func checkAnonymityOnFiles(t *testing.T, files []string) {
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			key, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := spec.Load(context.Background(), key, spec.Options{})
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(key)
			if err != nil {
				t.Fatal(err)
			}
			large := fi.Size() > 1<<20 // a few seconds per audit
			if large && testing.Short() {
				t.Skip("large definition")
			}
			// Every operation, one at a time; two on the largest.
			profiles, n := allProfiles, len(doc.Operations)
			if large {
				profiles, n = []string{"default"}, 2
			}
			tree := clone(t, doc.Root())
			base := scoreTree(t, tree, key, profiles)
			ops := inlineOps(tree)
			for _, o := range sampleOps(ops, n) {
				one := clone(t, tree)
				anonymous(one, o)
				checkNotHigher(t, "making "+strings.ToUpper(o.method)+" "+o.path+" anonymous", base, scoreTree(t, one, key, profiles))
			}
			if large {
				return
			}
			prev, cur := base, clone(t, tree)
			for i, o := range sampleOps(ops, 4) {
				anonymous(cur, o)
				s := scoreTree(t, cur, key, profiles)
				checkNotHigher(t, fmt.Sprintf("making %d operations anonymous", i+1), prev, s)
				prev = s
			}
			all := clone(t, tree)
			delete(all, "security")
			for _, o := range ops {
				delete(opNode(all, o), "security")
			}
			checkNotHigher(t, "removing every security requirement", base, scoreTree(t, all, key, profiles))
		})
	}
}

// The report lists the charges the score counts beside the findings, so
// the score can be reproduced from the report alone: each charge counted
// like a finding of its rule gives the same score.
func TestScoreReproducibleFromReport(t *testing.T) {
	for _, f := range []string{"../../examples/petstore-3.1.yaml", "../../examples/inventory-2.0.yaml"} {
		doc, err := spec.Load(context.Background(), f, spec.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range allProfiles {
			res, err := Audit(context.Background(), doc, Options{Profile: p})
			if err != nil {
				t.Fatal(err)
			}
			findings := append([]report.Finding(nil), res.Findings...)
			for _, c := range res.Score.Charges {
				if c.Operation == "" || (c.Rule != "resp-missing-401" && c.Rule != "resp-missing-403") {
					t.Fatalf("%s %s: unexpected charge %+v", f, p, c)
				}
				findings = append(findings, report.Finding{Rule: c.Rule, Severity: c.Severity})
			}
			got := ComputeScore(findings)
			if got.Total != res.Score.Total || got.Security != res.Score.Security || got.Data != res.Score.Data {
				t.Errorf("%s %s: score %d/%d/%d, from the report %d/%d/%d", f, p,
					res.Score.Total, res.Score.Security, res.Score.Data, got.Total, got.Security, got.Data)
			}
		}
	}
	// petstore-3.1's GET /pets is anonymous and declares neither 401 nor 403.
	doc, err := spec.Load(context.Background(), "../../examples/petstore-3.1.yaml", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Audit(context.Background(), doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []report.ScoreCharge{{Rule: "resp-missing-401", Severity: report.SeverityLow, Operation: "GET /pets"}, {Rule: "resp-missing-403", Severity: report.SeverityLow, Operation: "GET /pets"}}
	if !reflect.DeepEqual(res.Score.Charges, want) {
		t.Fatalf("charges %+v, want %+v", res.Score.Charges, want)
	}
}

// weakenHead starts the definitions of TestWeakeningNeverRaisesScore: an
// API key and an OAuth scheme are defined, so anonymous operations are
// reported one by one (sec-no-security covers none of them).
const weakenHead = `openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'https://api.example.com'}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Api-Key}
    oauth:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://auth.example.com/authorize
          tokenUrl: https://auth.example.com/token
          scopes: {read: read, admin: administer}
`

// weakenOp writes one operation under paths; security is YAML flow text,
// or "" for none.
func weakenOp(path, method, security string) string {
	s := fmt.Sprintf("  %s:\n    %s:\n", path, method)
	if security != "" {
		s += "      security: " + security + "\n"
	}
	return s + "      responses:\n        '200': {description: ok}\n"
}

// weakenLogin writes a login under paths: a body of a user name and a
// password, and a 429 response when limited. security is as for weakenOp.
func weakenLogin(path, security string, limited bool) string {
	s := fmt.Sprintf("  %s:\n    post:\n", path)
	if security != "" {
		s += "      security: " + security + "\n"
	}
	s += "      requestBody:\n        content:\n          application/json:\n            schema: {type: object, properties: {username: {type: string}, password: {type: string}}}\n"
	s += "      responses:\n        '200': {description: ok}\n"
	if limited {
		s += "        '429': {description: slow down, headers: {Retry-After: {schema: {type: integer}}}}\n"
	}
	return s
}

// Edits that leave an operation less protected (anonymous, or open to
// more callers) never raise the score. Each case is one such edit on a
// definition built to expose a way the score could rise.
func TestWeakeningNeverRaisesScore(t *testing.T) {
	noPublicRead := []string{"default", "sensitive", "financial-rw"}
	cases := []struct {
		name     string
		global   string // top-level security, "" for none
		ops      string
		edit     func(d map[string]any)
		profiles []string // allProfiles when nil
	}{
		// A broken requirement: the finding about it goes with it.
		{
			name:   "global requirement naming an undefined scheme deleted",
			global: "[{nokey: []}]",
			ops:    weakenOp("/a", "get", "") + weakenOp("/b", "get", ""),
			edit:   func(d map[string]any) { set(d, "/security", nil) },
		},
		{
			name:   "read naming an undefined scheme switched off with security: []",
			global: "[{key: []}]",
			ops:    weakenOp("/a", "get", "[{nokey: []}]") + weakenOp("/b", "get", ""),
			edit:   func(d map[string]any) { set(d, "/paths/~1a/get/security", []any{}) },
		},
		{
			name: "read naming an undefined scheme, no global requirement, requirement deleted",
			ops:  weakenOp("/a", "get", "[{nokey: []}]") + weakenOp("/b", "get", "[{key: []}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1a/get/security", nil) },
		},
		{
			// Two anonymous writes already reach the cap of
			// sec-write-no-security.
			name: "write naming an undefined scheme deleted while anonymous writes are at their cap",
			ops: weakenOp("/a", "post", "[{nokey: []}]") + weakenOp("/b", "post", "") + weakenOp("/c", "put", "") +
				weakenOp("/d", "get", "[{key: []}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1a/post/security", nil) },
		},
		{
			name: "two broken alternatives on one read deleted",
			ops:  weakenOp("/a", "get", "[{nokey: []}, {otherkey: []}]") + weakenOp("/b", "get", "[{key: []}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1a/get/security", nil) },
		},
		{
			name: "a broken alternative beside a valid one, requirement deleted",
			ops:  weakenOp("/a", "get", "[{key: []}, {nokey: []}]") + weakenOp("/b", "get", "[{key: []}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1a/get/security", nil) },
		},
		{
			name: "requirement naming an undefined scope deleted",
			ops:  weakenOp("/a", "get", "[{oauth: [write]}]") + weakenOp("/b", "get", "[{oauth: [read]}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1a/get/security", nil) },
		},
		{
			name: "requirement listing scopes on an API key (3.0) deleted",
			ops:  weakenOp("/a", "get", "[{key: [reader]}]") + weakenOp("/b", "get", "[{key: []}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1a/get/security", nil) },
		},
		{
			// Two anonymous reads already reach the cap of sec-op-no-security.
			name: "undefined scope deleted while anonymous reads are at their cap",
			ops: weakenOp("/a", "get", "[{oauth: [write]}]") + weakenOp("/b", "get", "") + weakenOp("/c", "get", "") +
				weakenOp("/d", "get", "[{oauth: [read]}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1a/get/security", nil) },
		},
		{
			// The reads the global requirement was switched off for move from
			// sec-empty-override to sec-op-no-security, which the {} reads
			// already hold at its cap.
			name:   "global requirement deleted where reads opt out with [] and with {}",
			global: "[{key: []}]",
			ops: weakenOp("/a", "get", "[]") + weakenOp("/b", "get", "[]") + weakenOp("/c", "get", "[{}]") +
				weakenOp("/d", "get", "[{}]"),
			edit: func(d map[string]any) { set(d, "/security", nil) },
		},
		{
			name:   "broken global requirement deleted where reads opt out with {}",
			global: "[{nokey: []}]",
			ops: weakenOp("/a", "get", "") + weakenOp("/b", "get", "[{}]") + weakenOp("/c", "get", "[{}]") +
				weakenOp("/d", "get", "[{key: []}]"),
			edit: func(d map[string]any) { set(d, "/security", nil) },
		},
		// exp-admin-shared-security: the admin operations share their
		// security with the one ordinary operation that loses it.
		{
			name: "only ordinary read sharing the admin security made anonymous",
			ops: weakenOp("/admin/users", "get", "[{key: []}]") + weakenOp("/admin/keys", "delete", "[{key: []}]") +
				weakenOp("/a", "get", "[{key: []}]") + weakenOp("/b", "get", "[{oauth: [read]}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1a/get/security", nil) },
			// public-read means reads to be anonymous: making one so is no
			// weakening there (docs/audit.md).
			profiles: noPublicRead,
		},
		{
			// Two anonymous writes already reach the cap of
			// sec-write-no-security.
			name: "only ordinary write sharing the admin security made anonymous",
			ops: weakenOp("/admin/users", "get", "[{oauth: [admin]}]") + weakenOp("/a", "post", "[{oauth: [admin]}]") +
				weakenOp("/b", "get", "[{oauth: [read]}]") + weakenOp("/c", "post", "") + weakenOp("/d", "put", ""),
			edit: func(d map[string]any) { set(d, "/paths/~1a/post/security", nil) },
		},
		{
			// Two anonymous writes already reach the cap of
			// sec-write-no-security.
			name:   "only ordinary operation inheriting the global security switches it off",
			global: "[{key: []}]",
			ops: weakenOp("/admin/users", "get", "") + weakenOp("/admin/keys", "put", "") +
				weakenOp("/a", "patch", "") + weakenOp("/b", "get", "[{oauth: [read]}]") +
				weakenOp("/c", "post", "[]") + weakenOp("/d", "put", "[]"),
			edit: func(d map[string]any) { set(d, "/paths/~1a/patch/security", []any{}) },
		},
		// A credential operation is anonymous by design and reported only
		// when nothing limits it (sec-credential-unlimited); anonymous, it
		// must still cost no less than secured.
		{
			// Limited, it has no finding: its missing 401 and 403 are
			// charged as they would be reported were it secured.
			name: "login declaring a 429 made anonymous",
			ops:  weakenLogin("/auth/login", "[{key: []}]", true) + weakenOp("/a", "get", "[{key: []}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1auth~1login/post/security", nil) },
		},
		{
			// Two unlimited logins already reach the cap of
			// sec-credential-unlimited; the third one's resp-missing-429,
			// which it no longer gets, is charged.
			name: "login without a limit made anonymous while unlimited logins are at their cap",
			ops: weakenLogin("/auth/login", "[{key: []}]", false) + weakenLogin("/v1/login", "", false) +
				weakenLogin("/v2/login", "", false) + weakenOp("/a", "get", "[{key: []}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1auth~1login/post/security", nil) },
		},
		{
			// A broken requirement on a login is charged as the anonymous
			// login it may amount to: sec-credential-unlimited, whose cap
			// two unlimited logins already reach, not sec-write-no-security.
			name: "login naming an undefined scheme deleted while unlimited logins are at their cap",
			ops: weakenLogin("/auth/login", "[{nokey: []}]", false) + weakenLogin("/v1/login", "", false) +
				weakenLogin("/v2/login", "", false) + weakenOp("/a", "get", "[{key: []}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1auth~1login/post/security", nil) },
		},
		{
			name: "only ordinary operation sharing the admin security is a limited login made anonymous",
			ops: weakenOp("/admin/users", "get", "[{key: []}]") + weakenLogin("/auth/login", "[{key: []}]", true) +
				weakenOp("/b", "get", "[{oauth: [read]}]"),
			edit: func(d map[string]any) { set(d, "/paths/~1auth~1login/post/security", nil) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := weakenHead
			if tc.global != "" {
				text += "security: " + tc.global + "\n"
			}
			text += "paths:\n" + tc.ops
			key := filepath.Join(t.TempDir(), "api.yaml")
			doc, err := spec.LoadBytes(context.Background(), []byte(text), "api.yaml", key, spec.Options{})
			if err != nil {
				t.Fatal(err)
			}
			profiles := tc.profiles
			if profiles == nil {
				profiles = allProfiles
			}
			tree := clone(t, doc.Root())
			before := scoreTree(t, tree, key, profiles)
			tc.edit(tree)
			after := scoreTree(t, tree, key, profiles)
			for _, p := range profiles {
				t.Logf("%s: %d -> %d", p, before[p].Total, after[p].Total)
			}
			checkNotHigher(t, tc.name, before, after)
		})
	}
}

// A broken security requirement costs what the operation would cost if
// anyone could call it, at no more than the broken requirement's own
// severity: less than the same operation properly secured, and never less
// than it anonymous. The report's charges reproduce the score.
func TestBrokenRequirementChargedAsAnonymous(t *testing.T) {
	scored := []string{"default", "sensitive", "financial-rw"}
	cases := []struct {
		name                       string
		global                     string
		broken, secured, anonymous string // the operation /a, in each state
		method                     string
		charge                     report.ScoreCharge // under the default profile
	}{
		{"read naming an undefined scheme", "", "[{nokey: []}]", "[{key: []}]", "", "get",
			report.ScoreCharge{Rule: "sec-op-no-security", Severity: report.SeverityMedium, Operation: "GET /a"}},
		{"read under a global requirement naming an undefined scheme", "[{nokey: []}]", "", "[{key: []}]", "[]", "get",
			report.ScoreCharge{Rule: "sec-empty-override", Severity: report.SeverityMedium, Operation: "GET /a"}},
		{"write naming an undefined scheme", "", "[{nokey: []}]", "[{key: []}]", "", "post",
			report.ScoreCharge{Rule: "sec-write-no-security", Severity: report.SeverityHigh, Operation: "POST /a"}},
		{"write naming an undefined scope", "", "[{oauth: [write]}]", "[{oauth: [read]}]", "", "delete",
			report.ScoreCharge{Rule: "sec-write-no-security", Severity: report.SeverityMedium, Operation: "DELETE /a"}},
		{"read listing scopes on an API key (3.0)", "[{key: [reader]}]", "", "[{key: []}]", "[]", "get",
			report.ScoreCharge{Rule: "sec-empty-override", Severity: report.SeverityMedium, Operation: "GET /a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			results := map[string]map[string]*report.SpecResult{}
			for state, sec := range map[string]string{"broken": tc.broken, "secured": tc.secured, "anonymous": tc.anonymous} {
				text := weakenHead
				if tc.global != "" {
					text += "security: " + tc.global + "\n"
				}
				text += "paths:\n" + weakenOp("/a", tc.method, sec) + weakenOp("/b", "get", "[{oauth: [read]}]")
				if state == "secured" && tc.global != "" {
					text = strings.Replace(text, "security: "+tc.global, "security: [{key: []}]", 1)
				}
				doc, err := spec.LoadBytes(context.Background(), []byte(text), "api.yaml", filepath.Join(t.TempDir(), "api.yaml"), spec.Options{})
				if err != nil {
					t.Fatal(err)
				}
				results[state] = map[string]*report.SpecResult{}
				for _, p := range allProfiles {
					res, err := Audit(context.Background(), doc, Options{Profile: p})
					if err != nil {
						t.Fatal(err)
					}
					results[state][p] = res
					findings := append([]report.Finding(nil), res.Findings...)
					for _, c := range res.Score.Charges {
						findings = append(findings, report.Finding{Rule: c.Rule, Severity: c.Severity})
					}
					if got := ComputeScore(findings); got.Total != res.Score.Total || got.Security != res.Score.Security || got.Data != res.Score.Data {
						t.Errorf("%s %s: score %+v, from the report %+v", state, p, *res.Score, got)
					}
				}
			}
			for _, p := range allProfiles {
				b, s, a := results["broken"][p].Score.Total, results["secured"][p].Score.Total, results["anonymous"][p].Score.Total
				t.Logf("%s: secured %d, broken %d, anonymous %d", p, s, b, a)
				if b < a {
					t.Errorf("%s: broken scores %d, below anonymous (%d)", p, b, a)
				}
				// The points show the cost where a total cap (a high
				// finding the three states share) absorbs it.
				bp, sp := results["broken"][p].Score, results["secured"][p].Score
				if slices.Contains(scored, p) && (b > s || bp.Security+bp.Data >= sp.Security+sp.Data) {
					t.Errorf("%s: broken scores %d (%d points), not below secured (%d, %d points)", p, b, bp.Security+bp.Data, s, sp.Security+sp.Data)
				}
			}
			if got := results["broken"]["default"].Score.Charges; !slices.Contains(got, tc.charge) {
				t.Errorf("charges %+v lack %+v", got, tc.charge)
			}
		})
	}
}
