package audit

import (
	"context"
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Options choose how a definition is audited.
type Options struct {
	// Profile is a risk profile name (see Profiles); "" means "default".
	Profile string
	// Config is the parsed .rampart.yaml, or nil.
	Config *Config
}

// direction of a finding: where the weakness is reachable from.
type direction int

const (
	dirNone     direction = iota // not about a schema direction
	dirRequest                   // reachable from at least one request
	dirResponse                  // reachable from responses only
)

// pending is a finding being collected; findings with the same rule and
// defining location merge into one, listing every operation they affect.
type pending struct {
	rule  *Rule
	at    spec.NodeRef
	loc   *spec.Location // set when the location is already known (problems)
	msg   string
	dir   direction
	delta int    // severity adjustment within the rule (e.g. digest vs basic)
	ops   bitset // indexes into run.opKeys
	patch []report.PatchOp
	// subject is the one operation msg names, if any: a finding merged
	// from several operations must not single out the first of them.
	subject string
	// missing is, for a structural problem, the properties it only says
	// are missing (see spec.Problem.Missing).
	missing []string
}

// run is the state of one audit.
type run struct {
	ctx     context.Context
	doc     *spec.Document
	profile *Profile
	cfg     *Config
	pending map[string]*pending
	order   []*pending
	opKeys  []string
	opIndex map[string]int
	sorted  []int // operation indexes in key order
	rank    []int // position of each operation in key order
	manual  []string
	stats   map[string]int
	// pathParamNodes are path parameter schemas, judged by their own rule.
	pathParamNodes map[spec.NodeRef]bool
	// formParamNames names the Swagger 2.0 formData parameters by where
	// they are written: their names are judged like property names.
	formParamNames map[spec.NodeRef]string
	// adminUnshared are the secured admin operations whose security no
	// secured ordinary operation requires (see adminCharges).
	adminUnshared []int
	// adminCredentials are the anonymous credential operations under an
	// admin path, charged exp-admin-shared-security without a finding
	// (see checkAdminPaths).
	adminCredentials []int
	// credentials are the anonymous credential operations (see
	// checkCredentials), judged by their limits instead of their
	// security.
	credentials map[*spec.Operation]*credentialOp
	// schemaInvalid: a schema the operations use breaks the JSON Schema
	// meta-schema (checkSchemaValidity), which makes the definition
	// invalid as surely as a structural problem the loader found.
	schemaInvalid bool
	// targetDefects caches checkSchemaValidity's compilation of a
	// schema reached through $ref, by location and view.
	targetDefects map[any][]spec.SchemaDefect
	canceled      error
}

// Audit audits one loaded definition. It honours ctx: a cancelled context
// returns ctx.Err() promptly.
func Audit(ctx context.Context, doc *spec.Document, opts Options) (*report.SpecResult, error) {
	prof, err := ProfileByName(opts.Profile)
	if err != nil {
		return nil, err
	}
	if opts.Profile == "" && opts.Config != nil && opts.Config.Profile != "" {
		if prof, err = ProfileByName(opts.Config.Profile); err != nil {
			return nil, err
		}
	}
	r := &run{ctx: ctx, doc: doc, profile: prof, cfg: opts.Config, pending: map[string]*pending{}, stats: map[string]int{}}
	r.opIndex = map[string]int{}
	for i, op := range doc.AllOperations() {
		r.opKeys = append(r.opKeys, op.Key())
		if _, dup := r.opIndex[op.Key()]; !dup {
			r.opIndex[op.Key()] = i
		}
	}
	steps := []func(){
		r.checkProblems,
		r.checkSecurity,
		r.checkTransport,
		r.checkOperations,
		r.checkSchemas,
		r.checkSchemaProblems,
		r.checkExamples,
		r.checkIgnoredParams,
		r.checkBodyOnBodylessMethod,
		r.checkLinks,
		r.checkRampartExtensions,
		r.checkValidationCost,
		r.checkProfile,
		r.dropCoveredProblems,
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		step()
	}
	if r.canceled != nil {
		return nil, r.canceled
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.result(), nil
}

// enabled reports whether a rule runs under the profile and configuration.
func (r *run) enabled(id string) bool {
	rule, ok := rules[id]
	if !ok {
		return false
	}
	if len(rule.Profiles) > 0 && !contains(rule.Profiles, r.profile.Name) {
		return false
	}
	if r.profile.Disabled[id] {
		return false
	}
	if r.cfg != nil {
		if on, set := r.cfg.ruleEnabled(id); set {
			return on
		}
	}
	return true
}

// add records a finding of rule id at a node. Findings of one rule at one
// node merge: operations are unioned and the request direction wins.
func (r *run) add(id string, at spec.NodeRef, d direction, msg string, ops []string, patch ...report.PatchOp) *pending {
	p := r.addSet(id, at, d, msg, nil, patch...)
	if p != nil {
		if len(ops) == 1 && p.msg == msg && strings.Contains(msg, ops[0]) {
			p.subject = ops[0]
		}
		for _, o := range ops {
			if i, ok := r.opIndex[o]; ok {
				p.ops.set(i)
			}
		}
	}
	return p
}

// addSet is add with the operations as a set of indexes into opKeys.
func (r *run) addSet(id string, at spec.NodeRef, d direction, msg string, ops bitset, patch ...report.PatchOp) *pending {
	if !r.enabled(id) {
		return nil
	}
	key := id + "\x00" + at.File + "\x00" + at.Pointer
	p, ok := r.pending[key]
	if !ok {
		p = &pending{rule: rules[id], at: at, msg: msg, dir: d, ops: make(bitset, (len(r.opKeys)+63)/64+1), patch: patch}
		r.pending[key] = p
		r.order = append(r.order, p)
	} else if d == dirRequest && p.dir == dirResponse {
		p.dir, p.msg, p.subject = d, msg, ""
	}
	if ops != nil {
		p.ops.or(ops)
	}
	return p
}

// severity resolves a finding's severity: the rule's (by direction), the
// rule's own adjustment, then the profile, then the configuration.
func (r *run) severity(p *pending) report.Severity {
	rule := p.rule
	sev := rule.Severity
	if rule.Directional && p.dir == dirResponse {
		sev = rule.ResponseSeverity
	}
	sev = clampSev(int(sev) + p.delta)
	if s, ok := r.profile.Severity[rule.ID]; ok {
		sev = s
	}
	if s, ok := r.profile.RequestSeverity[rule.ID]; ok && p.dir != dirResponse {
		sev = s
	}
	if r.cfg != nil {
		if s, ok := r.cfg.severity(rule.ID); ok {
			sev = s
		}
	}
	return sev
}

func clampSev(n int) report.Severity {
	if n < int(info) {
		return info
	}
	if n > int(critical) {
		return critical
	}
	return report.Severity(n)
}

// result turns the pending findings into the report, applying exclusions,
// inline suppressions and the score.
func (r *run) result() *report.SpecResult {
	doc := r.doc
	res := &report.SpecResult{
		Spec:         doc.Path,
		OpenAPI:      doc.Version,
		Title:        doc.Title,
		Valid:        doc.Valid() && !r.schemaInvalid,
		Profile:      r.profile.Name,
		Findings:     make([]report.Finding, 0, len(r.order)), // one per problem at most: no regrowth of a large slice
		ManualChecks: append(append([]string(nil), r.profile.ManualChecks...), r.manual...),
		Source:       doc.Sources(),
		Summary:      map[string]int{},
	}
	ign := newIgnorer(doc)
	ign.scanAll()
	// Excluded operations leave the sets before they are listed: a finding
	// some other operation still reaches must stay, even when the excluded
	// ones fill the first places of its list.
	var excluded bitset
	if r.cfg != nil {
		for i, k := range r.opKeys {
			if r.cfg.excluded(k) {
				if excluded == nil {
					excluded = make(bitset, (len(r.opKeys)+63)/64+1)
				}
				excluded.set(i)
			}
		}
	}
	var charges []charge
	allOps := doc.AllOperations()
	broken := map[int]report.Severity{} // see requirementCharges
	anonOrdinary := false               // see adminCharges
	for _, p := range r.order {
		set := p.ops
		if excluded != nil && !set.empty() {
			set = set.without(excluded)
			if set.empty() {
				res.Summary["excluded"]++
				continue
			}
		}
		ops, total := r.opList(set)
		msg := p.msg
		if total > 1 && p.subject != "" {
			msg = generalize(msg, p.subject, total)
		}
		if total > len(ops) && len(ops) == maxListedOps {
			msg += fmt.Sprintf(" Reached by %d operations; the first %d are listed.", total, maxListedOps)
		}
		var loc spec.Location
		if p.loc != nil {
			loc = *p.loc
		} else {
			loc = doc.Locate(p.at)
		}
		f := report.Finding{
			Rule:       p.rule.ID,
			Severity:   r.severity(p),
			Title:      p.rule.Title,
			Message:    msg,
			Location:   report.Location{File: loc.File, Pointer: loc.Pointer, Line: loc.Line, Column: loc.Column},
			OWASP:      p.rule.OWASP,
			CWE:        p.rule.CWE,
			FixHint:    p.rule.Fix,
			Patch:      p.patch,
			Operations: ops,
		}
		if total > len(ops) {
			// The list is cut at maxListedOps: the writers say how many
			// are not shown from this.
			f.OperationCount = total
		}
		f.ComputeFingerprintIn(doc.Path)
		if ign.apply(&f, p.at, r.cfg) {
			res.Suppressed = append(res.Suppressed, f)
			continue
		}
		res.Findings = append(res.Findings, f)
		if anonymousRules[p.rule.ID] {
			set.each(func(i int) {
				charges = append(charges, r.authCharges(allOps[i])...)
				if i < len(doc.Operations) && !isAdminPath(allOps[i].Path) {
					anonOrdinary = true
				}
			})
		}
		if requirementRules[p.rule.ID] {
			set.each(func(i int) {
				if s, ok := broken[i]; !ok || f.Severity > s {
					broken[i] = f.Severity
				}
			})
		}
	}
	charges = append(charges, r.requirementCharges(broken)...)
	limited, ordinary := r.limitedCredentialCharges(excluded)
	charges = append(charges, limited...)
	if anonOrdinary || ordinary {
		charges = append(charges, r.adminCharges(r.adminUnshared, excluded)...)
	}
	charges = append(charges, r.adminCharges(r.adminCredentials, excluded)...)
	for _, bad := range ign.invalid {
		if !r.enabled("audit-ignore-invalid") {
			break
		}
		loc := doc.Locate(bad.at)
		f := report.Finding{Rule: "audit-ignore-invalid", Severity: r.severity(&pending{rule: rules["audit-ignore-invalid"]}),
			Title: rules["audit-ignore-invalid"].Title, Message: bad.msg, FixHint: rules["audit-ignore-invalid"].Fix,
			Location: report.Location{File: loc.File, Pointer: loc.Pointer, Line: loc.Line, Column: loc.Column}}
		f.ComputeFingerprintIn(doc.Path)
		res.Findings = append(res.Findings, f)
	}
	report.SortFindings(res.Findings)
	report.SortFindings(res.Suppressed)
	sc := scoreWith(res.Findings, charges)
	res.Score = &sc
	res.Summary["operations"] = len(doc.Operations)
	if len(doc.Webhooks) > 0 {
		res.Summary["webhooks"] = len(doc.Webhooks)
	}
	for k, v := range r.stats {
		res.Summary[k] = v
	}
	if len(res.Summary) == 0 {
		res.Summary = nil
	}
	return res
}

// generalize rewrites a message naming one operation for a finding that
// several operations reach: the operations are listed in the finding, so
// the message counts them instead of naming whichever was seen first.
func generalize(msg, subject string, n int) string {
	if rest, ok := strings.CutPrefix(msg, subject); ok {
		return fmt.Sprintf("Each of %d operations", n) + rest
	}
	return strings.Replace(msg, subject, fmt.Sprintf("%d operations", n), 1)
}

// maxListedOps caps the operations listed per finding: a schema shared by
// every operation of a large API would otherwise repeat the whole
// operation list in each of its findings.
const maxListedOps = 100

// opList returns the first maxListedOps operations of a set, in key order,
// and the size of the set.
func (r *run) opList(b bitset) ([]string, int) {
	if r.sorted == nil {
		r.sorted = make([]int, len(r.opKeys))
		for i := range r.sorted {
			r.sorted[i] = i
		}
		sort.SliceStable(r.sorted, func(a, c int) bool { return r.opKeys[r.sorted[a]] < r.opKeys[r.sorted[c]] })
		r.rank = make([]int, len(r.opKeys))
		for pos, i := range r.sorted {
			r.rank[i] = pos
		}
	}
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	var out []string
	if n <= 4*maxListedOps {
		// Few operations: sort just those. Scanning every operation in
		// order for each finding is quadratic on definitions with
		// thousands of operations.
		idx := make([]int, 0, n)
		b.each(func(i int) { idx = append(idx, i) })
		sort.Slice(idx, func(a, c int) bool { return r.rank[idx[a]] < r.rank[idx[c]] })
		for _, i := range idx {
			if len(out) == maxListedOps {
				break
			}
			out = append(out, r.opKeys[i])
		}
		return out, n
	}
	// Many: walk in order; the first maxListedOps come quickly.
	for _, i := range r.sorted {
		if len(out) == maxListedOps {
			break
		}
		if b[i/64]&(1<<(i%64)) != 0 {
			out = append(out, r.opKeys[i])
		}
	}
	return out, n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func ref(file, ptr string, tokens ...string) spec.NodeRef {
	return spec.NodeRef{File: file, Pointer: spec.JoinPointer(ptr, tokens...)}
}

var (
	asMap    = spec.AsMap
	asSlice  = spec.AsSlice
	asString = spec.AsString
	asBool   = spec.AsBool
)

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}
