package audit

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Inline suppressions. Any node of the definition may carry
//
//	x-rampart-ignore:
//	  data-string-no-maxlength: free text, bounded by the database column
//
// or the list form [{rule: id, reason: text}]; rule "*" matches every rule.
// A suppression covers findings at the node and below it, in the same
// file. A reason is required: an entry without one suppresses nothing and
// is reported.
//
// The configuration decides how far a suppression reaches (apply): none
// with `inline-ignores: deny`, and by default no critical finding
// (DefaultInlineIgnoresMaxSeverity). A suppression that does not apply
// leaves the finding in place and says so in its message.

const ignoreKey = "x-rampart-ignore"

type ignorer struct {
	doc     *spec.Document
	cache   map[spec.NodeRef]map[string]string
	invalid []invalidIgnore
	seenBad map[spec.NodeRef]bool
}

type invalidIgnore struct {
	at  spec.NodeRef
	msg string
}

func newIgnorer(doc *spec.Document) *ignorer {
	return &ignorer{doc: doc, cache: map[spec.NodeRef]map[string]string{}, seenBad: map[spec.NodeRef]bool{}}
}

// scanAll parses every x-rampart-ignore in the definition's files, so a
// malformed one is reported even when nothing below it has a finding. The
// tree walk only runs for files whose text mentions the key.
func (ig *ignorer) scanAll() {
	sources := ig.doc.Sources()
	for _, key := range ig.doc.FileKeys() {
		src := sources[ig.doc.DisplayName(key)]
		if !bytes.Contains(src, []byte(ignoreKey)) {
			continue
		}
		var walk func(v any, ptr string)
		walk = func(v any, ptr string) {
			switch x := v.(type) {
			case map[string]any:
				if _, ok := x[ignoreKey]; ok {
					ig.entries(spec.NodeRef{File: key, Pointer: ptr})
				}
				for k, c := range x {
					if k == "example" || k == "examples" || k == "enum" || k == "default" || k == "const" {
						continue
					}
					walk(c, spec.JoinPointer(ptr, k))
				}
			case []any:
				for i, c := range x {
					walk(c, spec.JoinPointer(ptr, itoa(i)))
				}
			}
		}
		walk(ig.doc.FileTree(key), "")
	}
	sort.Slice(ig.invalid, func(i, j int) bool {
		a, b := ig.invalid[i].at, ig.invalid[j].at
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Pointer < b.Pointer
	})
}

// suppressed returns the reason when a finding of rule id at `at` is
// suppressed by the node or one of its ancestors.
func (ig *ignorer) suppressed(at spec.NodeRef, id string) (string, bool) {
	p := at.Pointer
	if i := strings.Index(p, "#"); i >= 0 { // synthetic keys (problems without a pointer)
		p = p[:i]
	}
	for {
		entries := ig.entries(spec.NodeRef{File: at.File, Pointer: p})
		if reason, ok := entries[id]; ok {
			return reason, true
		}
		if reason, ok := entries["*"]; ok {
			return reason, true
		}
		if p == "" {
			return "", false
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return "", false
		}
		p = p[:i]
	}
}

func (ig *ignorer) entries(at spec.NodeRef) map[string]string {
	if e, ok := ig.cache[at]; ok {
		return e
	}
	var out map[string]string
	v, ok := ig.doc.Value(at)
	m := asMap(v)
	if raw, has := m[ignoreKey]; ok && has {
		out = ig.parse(spec.NodeRef{File: at.File, Pointer: spec.JoinPointer(at.Pointer, ignoreKey)}, raw)
	}
	ig.cache[at] = out
	return out
}

// apply suppresses f, a finding of rule f.Rule defined at `at`, when an
// x-rampart-ignore covers it and the configuration lets it: f.Suppressed
// takes the reason and apply returns true. A suppression the
// configuration refuses leaves f a finding whose message says which
// suppression was refused and why, so the author sees that it was read.
func (ig *ignorer) apply(f *report.Finding, at spec.NodeRef, cfg *Config) bool {
	reason, ok := ig.suppressed(at, f.Rule)
	if !ok {
		return false
	}
	if why := cfg.inlineRefusal(f.Severity); why != "" {
		f.Message = strings.TrimSpace(fmt.Sprintf("%s (x-rampart-ignore %q not applied: %s.)", f.Message, reason, why))
		return false
	}
	f.Suppressed = reason
	return true
}

// parse reads one x-rampart-ignore value. Every malformed entry is named,
// in one audit-ignore-invalid finding at the extension (its fingerprint is
// the extension's place): reporting the first alone hid the others until
// it was fixed.
func (ig *ignorer) parse(at spec.NodeRef, raw any) map[string]string {
	out := map[string]string{}
	var problems []string
	bad := func(msg string) { problems = append(problems, msg) }
	defer func() {
		if len(problems) > 0 && !ig.seenBad[at] {
			ig.seenBad[at] = true
			ig.invalid = append(ig.invalid, invalidIgnore{at, strings.Join(problems, " ")})
		}
	}()
	accept := func(id, reason string) {
		ok := true
		if _, known := rules[id]; !known && id != "*" {
			bad(fmt.Sprintf("x-rampart-ignore names unknown rule %q.", id))
			ok = false
		}
		if strings.TrimSpace(reason) == "" {
			bad(fmt.Sprintf("x-rampart-ignore for %q has no reason; a reason is required.", id))
			ok = false
		}
		if ok {
			out[id] = strings.TrimSpace(reason)
		}
	}
	switch x := raw.(type) {
	case map[string]any:
		for _, id := range sortedKeys(x) {
			accept(id, asString(x[id]))
		}
	case []any:
		for _, e := range x {
			m := asMap(e)
			if m == nil {
				bad("x-rampart-ignore list entries must be {rule, reason} mappings.")
				continue
			}
			extra := false
			for _, k := range sortedKeys(m) {
				if k != "rule" && k != "reason" {
					// A misspelt key ("reasons") or a condition rampart
					// does not apply ("until") would read as if it held:
					// the entry suppresses nothing.
					bad(fmt.Sprintf("x-rampart-ignore entry for %q has unknown key %q (an entry has rule and reason only).", asString(m["rule"]), k))
					extra = true
				}
			}
			if !extra {
				accept(asString(m["rule"]), asString(m["reason"]))
			}
		}
	default:
		bad("x-rampart-ignore must map rule ids to reasons, or list {rule, reason} entries.")
	}
	return out
}
