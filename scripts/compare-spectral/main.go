// Command compare-spectral matches the findings of Spectral's OWASP ruleset
// with those of `rampart audit` on the same definitions and prints a
// Markdown table per Spectral rule, with every Spectral finding Rampart does
// not cover and why.
//
//	go run ./scripts/compare-spectral -dir DIR [-root SPECS] [-details FILE] SPEC...
//
// For each SPEC it reads DIR/NAME.spectral.json (`spectral lint -f json`) and
// DIR/NAME.rampart.json (`rampart audit --format json`), NAME being the
// spec's path relative to -root (default: the common folder of all specs) with "/" replaced by
// "_". scripts/compare-spectral.sh produces those files.
//
// Spectral reports a schema weakness where it sees it, which is sometimes a
// use site (a path inside an operation whose schema is a $ref) and sometimes
// the definition; Rampart reports it once, where it is defined. Each Spectral
// path is therefore resolved through every $ref on the way, in the same
// loader the audit uses, before locations are compared.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/spec"
)

// mode says how a Spectral finding's location is compared with a Rampart
// finding's.
type mode int

const (
	// modeNode: the same schema node after following $ref (or, for a
	// Spectral path ending in a keyword such as additionalProperties, the
	// schema that holds it).
	modeNode mode = iota
	// modeOperation: the Rampart finding lists the operation the Spectral
	// path is in (responses and security rules are per operation).
	modeOperation
	// modeTree: one location is inside the other (security schemes,
	// servers).
	modeTree
	// modeNone: Rampart has no counterpart by design; every finding is
	// explained in docs/audit.md.
	modeNone
)

// mapping is the Rampart counterpart of one Spectral rule.
type mapping struct {
	rampart []string
	mode    mode
}

// rules maps each rule of @stoplight/spectral-owasp-ruleset 2.x (without the
// "owasp:" prefix) to the Rampart rules that report the same weakness.
var rules = map[string]mapping{
	"api1:2023-no-numeric-ids":                    {[]string{"exp-numeric-id"}, modeNode},
	"api2:2023-auth-insecure-schemes":             {[]string{"sec-http-basic"}, modeTree},
	"api2:2023-jwt-best-practices":                {nil, modeNone},
	"api2:2023-no-api-keys-in-url":                {[]string{"sec-apikey-query"}, modeTree},
	"api2:2023-no-credentials-in-url":             {[]string{"sec-apikey-query", "sec-credential-in-query"}, modeTree},
	"api2:2023-no-http-basic":                     {[]string{"sec-http-basic"}, modeTree},
	"api2:2023-read-restricted":                   {[]string{"sec-op-no-security", "sec-no-security", "sec-empty-override", "sec-credential-unlimited"}, modeOperation},
	"api2:2023-short-lived-access-tokens":         {nil, modeNone},
	"api2:2023-write-restricted":                  {[]string{"sec-write-no-security", "sec-no-security", "sec-empty-override", "sec-credential-unlimited"}, modeOperation},
	"api3:2023-constrained-additionalProperties":  {[]string{"data-object-open", "data-object-no-maxproperties"}, modeNode},
	"api3:2023-constrained-unevaluatedProperties": {[]string{"data-object-open", "data-object-no-maxproperties"}, modeNode},
	"api3:2023-no-additionalProperties":           {[]string{"data-object-open"}, modeNode},
	"api3:2023-no-unevaluatedProperties":          {[]string{"data-object-open"}, modeNode},
	"api4:2023-array-limit":                       {[]string{"data-array-no-maxitems"}, modeNode},
	"api4:2023-integer-format":                    {[]string{"data-number-no-format"}, modeNode},
	"api4:2023-integer-limit":                     {[]string{"data-number-unbounded"}, modeNode},
	"api4:2023-integer-limit-legacy":              {[]string{"data-number-unbounded"}, modeNode},
	"api4:2023-rate-limit":                        {nil, modeNone},
	"api4:2023-rate-limit-responses-429":          {[]string{"resp-missing-429", "sec-credential-unlimited"}, modeOperation},
	"api4:2023-rate-limit-retry-after":            {[]string{"resp-429-no-retry-after"}, modeOperation},
	"api4:2023-string-limit":                      {[]string{"data-string-no-maxlength"}, modeNode},
	"api4:2023-string-restricted":                 {[]string{"data-string-no-pattern", "data-path-param-unconstrained"}, modeNode},
	"api5:2023-admin-security-unique":             {[]string{"exp-admin-shared-security"}, modeOperation},
	"api7:2023-concerning-url-parameter":          {[]string{"exp-url-input"}, modeOperation},
	"api8:2023-define-cors-origin":                {nil, modeNone},
	"api8:2023-define-error-responses-401":        {[]string{"resp-missing-401"}, modeOperation},
	"api8:2023-define-error-responses-500":        {[]string{"resp-missing-default"}, modeOperation},
	"api8:2023-define-error-validation":           {[]string{"resp-missing-400"}, modeOperation},
	"api8:2023-no-scheme-http":                    {[]string{"tls-http-server"}, modeTree},
	"api8:2023-no-server-http":                    {[]string{"tls-http-server"}, modeTree},
	"api9:2023-inventory-access":                  {nil, modeNone},
	"api9:2023-inventory-environment":             {nil, modeNone},
	// Spectral's YAML parser diagnostics (a tab in dvapi.yaml) come out
	// under the code "parser"; they are not OWASP rules.
	"parser": {nil, modeNone},
	// Spectral's resolver follows $ref inside example values, fetching
	// URLs over the network (GitHub's SCIM examples), and reports the
	// failures as "invalid-ref".
	"invalid-ref": {nil, modeNone},
}

// keywordHolders are the last path segments after which Spectral points at
// a keyword inside a schema rather than at the schema itself.
var keywordHolders = map[string]bool{
	"additionalProperties": true, "unevaluatedProperties": true, "maxProperties": true,
}

type spectralFinding struct {
	Code    string `json:"code"`
	Path    []any  `json:"path"`
	Message string `json:"message"`
	Source  string `json:"source"`
}

type rampartReport struct {
	Results []struct {
		Spec     string           `json:"spec"`
		Findings []rampartFinding `json:"findings"`
	} `json:"results"`
}

type rampartFinding struct {
	Rule     string `json:"rule"`
	Location struct {
		File    string `json:"file"`
		Pointer string `json:"pointer"`
	} `json:"location"`
	Operations []string `json:"operations"`
}

// outcome classifies one Spectral finding.
type outcome int

const (
	covered    outcome = iota // a Rampart finding of a mapped rule is at the same place
	unused                    // the node is in no operation's reach: Rampart audits only what the API uses
	notCovered                // Rampart judges the place differently (see the detail list)
	byDesign                  // the Spectral rule has no Rampart counterpart by design
)

// detail is one Spectral finding that Rampart does not cover.
type detail struct {
	Def, Rule, Pointer, Node, Rampart, Reason, Message string
	Outcome                                            outcome
}

// ruleStats counts one Spectral rule's findings on one definition.
type ruleStats struct {
	Count, Covered, Unused, NotCovered, ByDesign int
}

// comparison is the result for one definition.
type comparison struct {
	Def      string
	Spectral int
	Rampart  int
	Rules    map[string]*ruleStats
	Details  []detail
}

func main() {
	dir := flag.String("dir", "", "folder holding NAME.spectral.json and NAME.rampart.json")
	details := flag.String("details", "", "also write every uncovered Spectral finding to this TSV file")
	root := flag.String("root", "", "name each SPEC by its path relative to this folder (default: the specs' common folder)")
	flag.StringVar(&refRoot, "ref-root", "", "the folder $refs may reach, as the audit was given it with --ref-root (default: each spec's repository or folder)")
	flag.Parse()
	if *dir == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: compare-spectral -dir DIR [-root SPECS] [-details FILE] SPEC...")
		os.Exit(2)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	specs := flag.Args()
	names := defNames(*root, specs)
	var comps []*comparison
	failed := false
	for i, s := range specs {
		c, err := compareFiles(context.Background(), names[i], s,
			filepath.Join(*dir, names[i]+".spectral.json"), filepath.Join(*dir, names[i]+".rampart.json"))
		if err != nil {
			slog.Error("comparison failed", "spec", s, "err", err)
			failed = true
			continue
		}
		comps = append(comps, c)
	}
	writeMarkdown(os.Stdout, comps)
	if *details != "" {
		if err := writeDetails(*details, comps); err != nil {
			slog.Error("writing details", "err", err)
			os.Exit(1)
		}
	}
	if failed {
		os.Exit(1)
	}
}

// defNames names each spec by its path relative to the specs' common folder,
// so a definition inside a sub-folder keeps a readable, unique name.
func defNames(root string, specs []string) []string {
	abs := make([]string, len(specs))
	for i, s := range specs {
		a, err := filepath.Abs(s)
		if err != nil {
			a = s
		}
		abs[i] = a
	}
	common := filepath.Dir(abs[0])
	if root != "" {
		if r, err := filepath.Abs(root); err == nil {
			common = r
		}
	}
	for _, a := range abs {
		for !strings.HasPrefix(a, common+string(filepath.Separator)) && common != filepath.Dir(common) {
			common = filepath.Dir(common)
		}
	}
	out := make([]string, len(abs))
	for i, a := range abs {
		rel, err := filepath.Rel(common, a)
		if err != nil {
			rel = filepath.Base(a)
		}
		out[i] = strings.ReplaceAll(filepath.ToSlash(rel), "/", "_")
	}
	return out
}

// refRoot is the -ref-root flag: the definitions must be read as the audit
// read them, or references it followed would not resolve here.
var refRoot string

func compareFiles(ctx context.Context, name, specPath, spectralPath, rampartPath string) (*comparison, error) {
	var sf []spectralFinding
	if err := readJSON(spectralPath, &sf); err != nil {
		return nil, err
	}
	var rr rampartReport
	if err := readJSON(rampartPath, &rr); err != nil {
		return nil, err
	}
	doc, err := spec.Load(ctx, specPath, spec.Options{MaxFileSize: 100 << 20, RefRoot: refRoot})
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", specPath, err)
	}
	var rf []rampartFinding
	for _, r := range rr.Results {
		rf = append(rf, r.Findings...)
	}
	return compare(name, doc, sf, rf), nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parsing %s: %w", path, err)
	}
	return nil
}

// place is a location in the definition's files, after following $ref.
type place struct {
	file, pointer string
}

// compare classifies every Spectral finding against the Rampart findings.
func compare(name string, doc *spec.Document, sf []spectralFinding, rf []rampartFinding) *comparison {
	c := &comparison{Def: name, Spectral: len(sf), Rampart: len(rf), Rules: map[string]*ruleStats{}}
	// The walk loads every file a $ref reaches (files load lazily), so it
	// comes before the file names are collected.
	reach := reachable(doc)
	keyOf := fileKeys(doc)
	byRule := map[string][]rampartFinding{}
	for _, f := range rf {
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	for _, f := range sf {
		rule := strings.TrimPrefix(f.Code, "owasp:")
		st := c.Rules[rule]
		if st == nil {
			st = &ruleStats{}
			c.Rules[rule] = st
		}
		st.Count++
		m, known := rules[rule]
		file := doc.RootFile()
		if f.Source != "" {
			file = keyOf.key(f.Source)
		}
		raw := pointerOf(f.Path)
		at, ok := resolvePath(doc, file, f.Path)
		if !ok {
			at = place{file, raw}
		}
		d := detail{Def: name, Rule: rule, Pointer: raw, Node: summarize(doc, at), Message: f.Message}
		switch {
		case !known || m.mode == modeNone:
			st.ByDesign++
			d.Outcome = byDesign
		case matches(m, nodePlaces(doc, file, f.Path, at), raw, f.Path, byRule, keyOf):
			st.Covered++
			continue
		case m.mode == modeNode && !reach[at] && !reach[parentPlace(at)]:
			st.Unused++
			d.Outcome = unused
			d.Reason = "component that no operation uses"
		default:
			st.NotCovered++
			d.Outcome = notCovered
			d.Rampart = rampartAt(rf, at, keyOf)
			d.Reason = explain(doc, rule, file, f.Path, f.Message, at)
		}
		c.Details = append(c.Details, d)
	}
	return c
}

// fileNames maps file keys and report display names to file keys.
type fileNames map[string]string

// fileKeys collects the names of every loaded file. A report names a file
// relative to the folder the audit ran in, so the audit and this command
// must run in the same folder (scripts/compare-spectral.sh sees to it).
func fileKeys(doc *spec.Document) fileNames {
	m := fileNames{}
	for _, k := range doc.FileKeys() {
		m[filepath.Clean(k)] = k
		m[doc.DisplayName(k)] = k
	}
	return m
}

// key returns the file key of a name, or the cleaned absolute name when no
// loaded file has it (keys of local files are absolute paths).
func (m fileNames) key(name string) string {
	if k, ok := m[name]; ok {
		return k
	}
	if a, err := filepath.Abs(name); err == nil {
		if k, ok := m[a]; ok {
			return k
		}
		return a
	}
	return name
}

// nodePlaces returns the node a Spectral path resolves to and, when the
// path ends in a keyword such as additionalProperties, the schema holding
// it: Rampart reports an open object at the object.
func nodePlaces(doc *spec.Document, file string, path []any, at place) []place {
	out := []place{at}
	if n := len(path); n > 0 && keywordHolders[fmt.Sprint(path[n-1])] {
		if p, ok := resolvePath(doc, file, path[:n-1]); ok {
			out = append(out, p)
		}
	}
	return out
}

func matches(m mapping, nodes []place, raw string, path []any, byRule map[string][]rampartFinding, keyOf fileNames) bool {
	op := operationOf(path)
	at := nodes[0]
	for _, r := range m.rampart {
		for _, f := range byRule[r] {
			fp := place{keyOf.key(f.Location.File), f.Location.Pointer}
			switch m.mode {
			case modeNode:
				if slices.Contains(nodes, fp) {
					return true
				}
				// Spectral's JSONPath cannot name some property names
				// (@timestamp, +1, $ref): its path then stops at the
				// properties map, and a finding on a property in that map
				// is the same finding.
				if strings.HasSuffix(at.pointer, "/properties") && fp.file == at.file &&
					parentPlace(fp).pointer == at.pointer {
					return true
				}
			case modeOperation:
				// An operation-level finding lists its own operation. A
				// finding at the document root (no security at all) is
				// about every operation, though it lists only the first
				// 100.
				if op != "" && (f.Location.Pointer == "" || slices.Contains(f.Operations, op)) {
					return true
				}
			case modeTree:
				if fp.file == at.file && (within(fp.pointer, at.pointer) || within(at.pointer, fp.pointer) ||
					within(fp.pointer, raw) || within(raw, fp.pointer)) {
					return true
				}
			}
		}
	}
	return false
}

// within reports whether pointer p is q or inside it.
func within(p, q string) bool {
	return p == q || strings.HasPrefix(p, q+"/") || q == ""
}

func parentPlace(p place) place {
	i := strings.LastIndexByte(p.pointer, '/')
	if i < 0 {
		return p
	}
	return place{p.file, p.pointer[:i]}
}

var methods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true,
	"head": true, "patch": true, "trace": true, "query": true}

// operationOf returns "METHOD /path" for a Spectral path inside an
// operation, the form Rampart lists in a finding's operations.
func operationOf(path []any) string {
	if len(path) < 3 || fmt.Sprint(path[0]) != "paths" {
		return ""
	}
	m := strings.ToLower(fmt.Sprint(path[2]))
	if !methods[m] {
		return ""
	}
	return strings.ToUpper(m) + " " + fmt.Sprint(path[1])
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// pointerOf turns a Spectral path (keys and indexes) into a JSON pointer.
func pointerOf(path []any) string {
	var b strings.Builder
	for _, seg := range path {
		b.WriteByte('/')
		switch s := seg.(type) {
		case float64:
			b.WriteString(strconv.Itoa(int(s)))
		default:
			b.WriteString(escape(fmt.Sprint(s)))
		}
	}
	return b.String()
}

// resolvePath walks a Spectral path from a file's root, following $ref
// before each step and at the end, and returns where the node is defined.
func resolvePath(doc *spec.Document, file string, path []any) (place, bool) {
	at := spec.NodeRef{File: file}
	v, ok := doc.Value(at)
	if !ok {
		return place{}, false
	}
	for _, seg := range path {
		at, v, ok = doc.Deref(at, v)
		if !ok {
			return place{}, false
		}
		key := fmt.Sprint(seg)
		if f, isNum := seg.(float64); isNum {
			key = strconv.Itoa(int(f))
		}
		switch n := v.(type) {
		case map[string]any:
			if v, ok = n[key]; !ok {
				return place{}, false
			}
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(n) {
				return place{}, false
			}
			v = n[i]
		default:
			return place{}, false
		}
		at = spec.NodeRef{File: at.File, Pointer: at.Pointer + "/" + escape(key)}
	}
	at, _, ok = doc.Deref(at, v)
	if !ok {
		return place{}, false
	}
	return place{at.File, at.Pointer}, true
}

// reachable returns every node reachable from the operations (paths, and
// 3.1 webhooks) through the tree and $refs: what Rampart audits.
func reachable(doc *spec.Document) map[place]bool {
	seen := map[place]bool{}
	var walk func(at spec.NodeRef, v any)
	walk = func(at spec.NodeRef, v any) {
		p := place{at.File, at.Pointer}
		if seen[p] {
			return
		}
		seen[p] = true
		switch n := v.(type) {
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				if to, err := doc.ResolveRefAt(at, ref); err == nil {
					if tv, ok := doc.Value(to); ok {
						walk(to, tv)
					}
				}
			}
			for k, c := range n {
				walk(spec.NodeRef{File: at.File, Pointer: at.Pointer + "/" + escape(k)}, c)
			}
		case []any:
			for i, c := range n {
				walk(spec.NodeRef{File: at.File, Pointer: at.Pointer + "/" + strconv.Itoa(i)}, c)
			}
		}
	}
	root := doc.Root()
	for _, top := range []string{"paths", "webhooks"} {
		if v, ok := root[top]; ok {
			walk(spec.NodeRef{File: doc.RootFile(), Pointer: "/" + top}, v)
		}
	}
	// Security schemes and servers are used by the operations that name
	// them; Spectral's schema rules never point there.
	return seen
}

// summarize shows the keywords of the node a Spectral finding points at, so
// an uncovered finding can be explained without opening the definition.
func summarize(doc *spec.Document, at place) string {
	v, ok := doc.Value(spec.NodeRef{File: at.file, Pointer: at.pointer})
	if !ok {
		return ""
	}
	m, ok := v.(map[string]any)
	if !ok {
		b, _ := json.Marshal(v)
		return truncate(string(b), 80)
	}
	var parts []string
	for _, k := range []string{"type", "format", "maxLength", "pattern", "enum", "const", "minimum", "maximum",
		"maxItems", "additionalProperties", "maxProperties", "readOnly", "in", "name", "scheme"} {
		if x, ok := m[k]; ok {
			b, _ := json.Marshal(x)
			parts = append(parts, k+"="+truncate(string(b), 40))
		}
	}
	return strings.Join(parts, " ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// rampartAt lists the Rampart rules reported at a place, which usually
// explains a different judgement (e.g. data-string-no-pattern but not
// data-string-no-maxlength on a string with a bounded format).
func rampartAt(rf []rampartFinding, at place, keyOf fileNames) string {
	set := map[string]bool{}
	for _, f := range rf {
		if keyOf.key(f.Location.File) == at.file && f.Location.Pointer == at.pointer {
			set[f.Rule] = true
		}
	}
	return strings.Join(slices.Sorted(maps.Keys(set)), ",")
}

func ruleNames(comps []*comparison) []string {
	set := map[string]bool{}
	for _, c := range comps {
		for r := range c.Rules {
			set[r] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func rampartNames(rule string) string {
	m, ok := rules[rule]
	if !ok {
		return "(unknown rule)"
	}
	if m.mode == modeNone {
		return "none (by design)"
	}
	return "`" + strings.Join(m.rampart, "`, `") + "`"
}

// writeMarkdown prints the overview, the table per rule across definitions
// and the table per definition.
func writeMarkdown(w io.Writer, comps []*comparison) {
	fmt.Fprintln(w, "| Definition | Spectral findings | covered | unused component | judged differently | no counterpart | Rampart findings |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, c := range comps {
		var t ruleStats
		for _, s := range c.Rules {
			t.Covered += s.Covered
			t.Unused += s.Unused
			t.NotCovered += s.NotCovered
			t.ByDesign += s.ByDesign
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d |\n", c.Def, c.Spectral, t.Covered, t.Unused, t.NotCovered, t.ByDesign, c.Rampart)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Spectral rule | Rampart rule(s) | findings | covered | unused component | judged differently | no counterpart | definitions |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---|")
	for _, r := range ruleNames(comps) {
		var t ruleStats
		var defs []string
		for _, c := range comps {
			if s := c.Rules[r]; s != nil {
				t.Count += s.Count
				t.Covered += s.Covered
				t.Unused += s.Unused
				t.NotCovered += s.NotCovered
				t.ByDesign += s.ByDesign
				defs = append(defs, fmt.Sprintf("%s %d", c.Def, s.Count))
			}
		}
		fmt.Fprintf(w, "| `%s` | %s | %d | %d | %d | %d | %d | %s |\n", r, rampartNames(r), t.Count, t.Covered, t.Unused, t.NotCovered, t.ByDesign, strings.Join(defs, ", "))
	}
	writeReasons(w, comps)
	for _, c := range comps {
		fmt.Fprintf(w, "\n### %s\n\n", c.Def)
		fmt.Fprintln(w, "| Spectral rule | findings | Rampart rule(s) | covered | unused | different | none |")
		fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|")
		names := make([]string, 0, len(c.Rules))
		for r := range c.Rules {
			names = append(names, r)
		}
		sort.Strings(names)
		for _, r := range names {
			s := c.Rules[r]
			fmt.Fprintf(w, "| `%s` | %d | %s | %d | %d | %d | %d |\n", r, s.Count, rampartNames(r), s.Covered, s.Unused, s.NotCovered, s.ByDesign)
		}
	}
}

var outcomeNames = map[outcome]string{covered: "covered", unused: "unused", notCovered: "different", byDesign: "none"}

func writeDetails(path string, comps []*comparison) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	fmt.Fprintln(f, "definition\tspectral_rule\toutcome\treason\tspectral_pointer\tnode\trampart_rules_there\tspectral_message")
	for _, c := range comps {
		for _, d := range c.Details {
			fmt.Fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Def, d.Rule, outcomeNames[d.Outcome], d.Reason, d.Pointer, d.Node, d.Rampart, d.Message)
		}
	}
	return nil
}

// boundedFormats bound a string's length on their own (docs/audit.md,
// "Strings").
var boundedFormats = map[string]bool{"date": true, "date-time": true, "time": true, "uuid": true, "ipv4": true, "ipv6": true}

// explain says why Rampart reports nothing of the mapped rules where
// Spectral reports a finding, from what the definition says there. An empty
// answer means the difference has no known reason and needs a look.
func explain(doc *spec.Document, rule, file string, path []any, msg string, at place) string {
	for i, seg := range path {
		switch fmt.Sprint(seg) {
		case "callbacks":
			// Callbacks are audited like operations, but a callback is a
			// request the API sends: rules about the responses it should
			// declare do not apply to it.
			if strings.HasPrefix(rule, "api8:2023-define-error") {
				return "inside a callback, a request the API sends: response rules do not apply"
			}
		case "example", "examples":
			// components/examples is a section, not example data.
			if !(i == 1 && fmt.Sprint(path[0]) == "components") {
				return "inside an example value, not a schema"
			}
		}
	}
	node, _ := doc.Value(spec.NodeRef{File: at.file, Pointer: at.pointer})
	n, _ := node.(map[string]any)
	if strings.HasSuffix(at.pointer, "/properties") && !strings.HasSuffix(at.pointer, "/properties/properties") {
		return "path stops at a properties map, and no property in it has a finding of the mapped rules"
	}
	var op map[string]any
	if operationOf(path) != "" {
		if p, ok := resolvePath(doc, file, path[:3]); ok {
			v, _ := doc.Value(spec.NodeRef{File: p.file, Pointer: p.pointer})
			op, _ = v.(map[string]any)
		}
	}
	responses, _ := op["responses"].(map[string]any)
	switch rule {
	case "api4:2023-string-limit", "api4:2023-string-restricted":
		format, _ := n["format"].(string)
		pattern, _ := n["pattern"].(string)
		switch {
		case boundedFormats[format]:
			return "format " + format + " bounds the length"
		case format == "binary" || format == "byte":
			return "binary content in a response (uploads are judged in requests only)"
		case strings.HasPrefix(pattern, "^") && strings.HasSuffix(pattern, "$"):
			return "anchored pattern with bounded repetitions bounds the length"
		}
	case "api1:2023-no-numeric-ids":
		if _, ok := n["oneOf"]; ok {
			return "integer or string (oneOf): only integer-only path parameters are flagged"
		}
		if in, _ := n["in"].(string); in != "" && in != "path" {
			return "not a path parameter"
		}
		if in := parentParamIn(doc, at); in != "" && in != "path" {
			return "not a path parameter"
		}
	case "api8:2023-define-error-validation":
		if !takesInput(doc, file, path, op) {
			return "operation takes no input to reject"
		}
	case "api8:2023-define-error-responses-401":
		if _, ok := responses["401"]; ok {
			return "401 declared without a body"
		}
		if !secured(doc, op) {
			return "operation is not secured (401 is asked of secured operations)"
		}
	case "api8:2023-define-error-responses-500":
		if _, ok := responses["500"]; ok {
			return "500 declared without a body"
		}
		for _, k := range []string{"default", "5XX", "5xx"} {
			if _, ok := responses[k]; ok {
				return k + " response declared (counts as the 500)"
			}
		}
	case "api3:2023-no-additionalProperties", "api3:2023-constrained-additionalProperties":
		if n["additionalProperties"] == false {
			return "reported at a closed object (additionalProperties: false); the map meant is a typed map inside it"
		}
		if ap, ok := n["additionalProperties"].(map[string]any); ok && len(ap) > 0 {
			return "map whose values have a schema (validated, not open)"
		}
		if strings.HasSuffix(at.pointer, "/additionalProperties") {
			return "map whose values have a schema (validated, not open)"
		}
	case "api2:2023-no-credentials-in-url":
		// Spectral points at the parameter's name.
		v, _ := doc.Value(spec.NodeRef{File: at.file, Pointer: parentPlace(at).pointer})
		param, _ := v.(map[string]any)
		if in, _ := param["in"].(string); in == "path" {
			return "path parameter: an object identifier, not a credential"
		}
	}
	return ""
}

// parentParamIn returns the `in` of the parameter a schema node belongs to
// (3.x parameters hold their schema under `schema`).
func parentParamIn(doc *spec.Document, at place) string {
	if !strings.HasSuffix(at.pointer, "/schema") {
		return ""
	}
	v, _ := doc.Value(spec.NodeRef{File: at.file, Pointer: strings.TrimSuffix(at.pointer, "/schema")})
	m, _ := v.(map[string]any)
	in, _ := m["in"].(string)
	return in
}

// takesInput mirrors the audit's test for resp-missing-400: parameters (the
// operation's or its path item's) or a request body.
func takesInput(doc *spec.Document, file string, path []any, op map[string]any) bool {
	if _, ok := op["requestBody"]; ok {
		return true
	}
	if ps, _ := op["parameters"].([]any); len(ps) > 0 {
		return true
	}
	if item, ok := resolvePath(doc, file, path[:2]); ok {
		v, _ := doc.Value(spec.NodeRef{File: item.file, Pointer: item.pointer})
		m, _ := v.(map[string]any)
		if ps, _ := m["parameters"].([]any); len(ps) > 0 {
			return true
		}
	}
	return false
}

// secured reports whether an operation requires credentials: its own
// security, or the top-level one, with at least one non-empty requirement.
func secured(doc *spec.Document, op map[string]any) bool {
	reqs, ok := op["security"].([]any)
	if !ok {
		reqs, _ = doc.Root()["security"].([]any)
	}
	for _, r := range reqs {
		if m, _ := r.(map[string]any); len(m) > 0 {
			return true
		}
	}
	return false
}

// writeReasons groups the Spectral findings Rampart does not cover by rule
// and reason, with the definitions they occur in.
func writeReasons(w io.Writer, comps []*comparison) {
	type key struct{ rule, outcome, reason string }
	counts := map[key]int{}
	defs := map[key][]string{}
	for _, c := range comps {
		seen := map[key]int{}
		for _, d := range c.Details {
			if d.Outcome == byDesign {
				continue
			}
			r := d.Reason
			if r == "" {
				r = "(unexplained)"
			}
			k := key{d.Rule, outcomeNames[d.Outcome], r}
			counts[k]++
			seen[k]++
		}
		for k, n := range seen {
			defs[k] = append(defs[k], fmt.Sprintf("%s %d", c.Def, n))
		}
	}
	keys := slices.Collect(maps.Keys(counts))
	slices.SortFunc(keys, func(a, b key) int {
		return strings.Compare(a.rule+"\x00"+a.reason, b.rule+"\x00"+b.reason)
	})
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Spectral rule | outcome | reason | findings | definitions |")
	fmt.Fprintln(w, "|---|---|---|---:|---|")
	for _, k := range keys {
		sort.Strings(defs[k])
		fmt.Fprintf(w, "| `%s` | %s | %s | %d | %s |\n", k.rule, k.outcome, k.reason, counts[k], strings.Join(defs[k], ", "))
	}
}
