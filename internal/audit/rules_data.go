package audit

import (
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rampart-sec/rampart/internal/casefold"
	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/sensitive"
	"github.com/rampart-sec/rampart/internal/spec"
)

// nodeCheck runs the data-validation and exposure rules on one schema node.
type nodeCheck struct {
	r      *run
	g      *graph
	n      *snode
	id     int32
	opKeys []string
	vc     *valueChecker
}

func (c *nodeCheck) hasReq() bool  { return !c.n.req.empty() }
func (c *nodeCheck) hasResp() bool { return !c.n.resp.empty() }

func (c *nodeCheck) dir() direction {
	if c.hasReq() {
		return dirRequest
	}
	return dirResponse
}

// ops is the set of operations reaching the node, in the given directions.
func (c *nodeCheck) ops(req, resp bool) bitset {
	switch {
	case req && resp:
		out := make(bitset, len(c.n.req))
		copy(out, c.n.req)
		out.or(c.n.resp)
		return out
	case req:
		return c.n.req
	}
	return c.n.resp
}

func (c *nodeCheck) add(id string, at spec.NodeRef, msg string, patch ...report.PatchOp) *pending {
	return c.r.addSet(id, at, c.dir(), msg, c.ops(true, true), patch...)
}

// schemaTypes returns the declared types (Swagger 2.0 "file" is a string).
func schemaTypes(m map[string]any) map[string]bool {
	out := map[string]bool{}
	switch t := m["type"].(type) {
	case string:
		if t == "file" {
			t = "string"
		}
		out[t] = true
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				out[s] = true
			}
		}
	}
	return out
}

// boundedFormats are string formats whose values have a bounded length.
var boundedFormats = map[string]bool{
	"date": true, "date-time": true, "time": true, "uuid": true, "ipv4": true, "ipv6": true,
	"int32": true, "int64": true, "duration": false,
}

func isNumber(v any) bool {
	_, ok := numberOf(v)
	return ok
}

func numberOf(v any) (*big.Float, bool) {
	switch x := v.(type) {
	case interface{ String() string }:
		f, _, err := big.ParseFloat(x.String(), 10, 64, big.ToNearestEven)
		return f, err == nil
	case float64:
		return big.NewFloat(x), true
	case int:
		return new(big.Float).SetInt64(int64(x)), true
	}
	return nil, false
}

var (
	maxInt64 = new(big.Float).SetInt64(1<<63 - 1)
	minInt64 = new(big.Float).SetInt64(-1 << 63)
)

func (c *nodeCheck) run() {
	n, m := c.n, c.n.m
	at := n.at
	_, hasRef := m["$ref"]
	types := schemaTypes(m)
	composed := m["allOf"] != nil || m["anyOf"] != nil || m["oneOf"] != nil || m["not"] != nil
	// Bounds are judged on what the value must satisfy, which allOf
	// members and composing schemas add to (effective); the rest on the
	// schema as written.
	eff := c.g.effective(c.id)
	_, hasEnum := eff["enum"]
	_, hasConst := eff["const"]
	fixed := hasEnum || hasConst
	legacy := c.r.doc.Family == spec.Swagger20 || c.r.doc.Family == spec.OpenAPI30

	// A Swagger 2.0 form parameter without type is data-param-no-schema,
	// as the other parameters are: one defect, one finding.
	_, formParam := c.r.formParamNames[at]
	if len(types) == 0 && !hasRef && !composed && !fixed && n.untyped && !c.isBooleanish() && !formParam {
		var patch []report.PatchOp
		if t := inferType(m); t != "" {
			patch = append(patch, report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "type"), Value: t})
		}
		c.add("data-schema-no-type", at, "The schema has no type, so any JSON value is accepted.", patch...)
	}
	c.checkKeywords(at)
	if p, ok := m["pattern"].(string); ok {
		c.checkPattern(ref(at.File, at.Pointer, "pattern"), p, "pattern")
	}
	for _, re := range sortedKeys(asMap(m["patternProperties"])) {
		c.checkPattern(ref(at.File, at.Pointer, "patternProperties", re), re, "patternProperties key")
	}
	if types["string"] && !fixed {
		c.checkString(eff, at)
	}
	if (types["integer"] || types["number"]) && !fixed {
		c.checkNumber(eff, at, types, legacy)
	}
	if types["array"] && !fixed {
		if !isNumber(eff["maxItems"]) {
			c.add("data-array-no-maxitems", at, "The array accepts any number of items (no maxItems).",
				report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "maxItems"), Value: 100})
		}
		if eff["items"] == nil && eff["prefixItems"] == nil && !hasRef {
			c.add("data-array-no-items", at, "The array does not define its items, so items of any type are accepted.")
		}
	}
	isObject := types["object"] || (len(types) == 0 && (m["properties"] != nil || m["additionalProperties"] != nil))
	if isObject && !hasRef && !fixed {
		c.checkObject(m, at, composed, isNumber(eff["maxProperties"]))
	}
	if composed && !hasRef && !fixed && (types["object"] || len(types) == 0) {
		c.checkComposedRequired(m, at)
		c.checkClosedComposition(m, at)
	}
	if _, ok := m["discriminator"].(map[string]any); ok && !hasRef {
		c.checkDiscriminator(m, at)
	}
	if !hasRef {
		c.checkValues(m, at, legacy)
	}
	if name, ok := c.r.formParamNames[at]; ok {
		// A Swagger 2.0 form parameter is a property of the form body.
		c.checkName(name, at, m, false)
	}
}

// checkKeywords reports the keys of an OpenAPI 3.1+ schema that JSON
// Schema ignores (spec.IgnoredKeywords), where they are written, with the
// rename as a patch when the keyword meant is clear.
func (c *nodeCheck) checkKeywords(at spec.NodeRef) {
	for _, ik := range c.r.doc.IgnoredKeywords(c.n.m) {
		key := ref(at.File, at.Pointer, ik.Key)
		var patch []report.PatchOp
		switch {
		case ik.Key == "nullable" || ik.Key == "x-nullable":
			if t, ok := c.n.m["type"].(string); ok && asBool(c.n.m[ik.Key]) {
				patch = []report.PatchOp{
					{Op: "replace", Path: spec.JoinPointer(at.Pointer, "type"), Value: []any{t, "null"}},
					{Op: "remove", Path: key.Pointer},
				}
			}
		case ik.Meant != "" && ik.Meant != "properties" && ik.Meant != "items" && !strings.HasPrefix(ik.Meant, "$") && c.n.m[ik.Meant] == nil:
			// Not $id, $dynamicRef or items: renamed, they would
			// change what references resolve to or mean.
			patch = []report.PatchOp{{Op: "move", From: key.Pointer, Path: spec.JoinPointer(at.Pointer, ik.Meant)}}
		}
		if p := c.add("data-keyword-ignored", key, ik.Why, patch...); p != nil && !ik.Constrains {
			p.delta = -1
		}
	}
}

// isBooleanish: schemas that only annotate (description, readOnly ...) next
// to nothing else are still schemas without type; but a node that is only
// "nullable: true" beside a composition handled elsewhere is not.
func (c *nodeCheck) isBooleanish() bool { return false }

func (c *nodeCheck) checkString(m map[string]any, at spec.NodeRef) {
	format := asString(m["format"])
	// A Swagger 2.0 file parameter is an upload, as a binary string is
	// (the engines read it as one): its size is what to bound, and it has
	// no characters to hold to a pattern.
	file := m["type"] == "file"
	binary := file || format == "binary" || format == "byte" || format == "base64" || m["contentEncoding"] != nil || m["contentMediaType"] != nil
	pattern, hasPattern := m["pattern"].(string)
	bounded := isNumber(m["maxLength"]) || boundedFormats[format] || (hasPattern && patternMaxLen(pattern) >= 0)
	if !bounded {
		switch {
		case file && c.hasReq():
			c.r.addSet("data-string-no-maxlength", at, dirRequest, "The file upload accepts files of any size: set maxLength or a body size limit.", c.ops(true, false),
				report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "maxLength"), Value: 10485760})
		case binary && c.hasReq():
			c.r.addSet("data-string-no-maxlength", at, dirRequest, "The binary (or base64) string accepts uploads of any size: set maxLength (in bytes for binary, encoded characters for base64) or a body size limit.", c.ops(true, false),
				report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "maxLength"), Value: 10485760})
		case binary:
			// Downloads of any size are the point of a binary response.
		default:
			c.add("data-string-no-maxlength", at, "The string accepts any length (no maxLength, enum, bounded format or bounded anchored pattern).",
				report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "maxLength"), Value: 255})
		}
	}
	if !binary && !hasPattern && format == "" && !c.r.pathParamNodes[at] {
		c.add("data-string-no-pattern", at, "The string accepts any characters (no pattern, format or enum).")
	}
	// Said where the format is written: the members of an allOf are one
	// value, reported once.
	if own := asString(c.n.m["format"]); c.hasReq() && urlFormat(own) {
		c.r.addSet("exp-url-input", at, dirRequest, fmt.Sprintf("A request value is a URL (format %s); if the server fetches it, it can be aimed at internal addresses.", own), c.ops(true, false))
	}
}

func (c *nodeCheck) checkNumber(m map[string]any, at spec.NodeRef, types map[string]bool, legacy bool) {
	integer := types["integer"] && !types["number"]
	bound := func(key, exKey string) (ok bool, note string) {
		v, has := m[key]
		if ex, hasEx := m[exKey]; hasEx && isNumber(ex) {
			v, has = ex, true
		}
		if !has {
			return false, ""
		}
		f, isNum := numberOf(v)
		if !isNum {
			return false, ""
		}
		if integer && (f.Cmp(maxInt64) > 0 || f.Cmp(minInt64) < 0) {
			return false, fmt.Sprintf("%s %v is beyond the int64 range and bounds nothing", key, v)
		}
		return true, ""
	}
	hasMin, minNote := bound("minimum", "exclusiveMinimum")
	hasMax, maxNote := bound("maximum", "exclusiveMaximum")
	if !hasMin || !hasMax {
		var missing []string
		var patch []report.PatchOp
		if !hasMin {
			missing = append(missing, "minimum")
			patch = append(patch, report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "minimum"), Value: 0})
		}
		if !hasMax {
			missing = append(missing, "maximum")
			max := any(1000000)
			if asString(m["format"]) == "int32" {
				max = 2147483647
			}
			patch = append(patch, report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "maximum"), Value: max})
		}
		msg := fmt.Sprintf("The number has no %s.", strings.Join(missing, " or "))
		for _, note := range []string{minNote, maxNote} {
			if note != "" {
				msg += " Its " + note + "."
				patch = nil // the bound exists but is wrong: no mechanical fix
			}
		}
		c.add("data-number-unbounded", at, msg, patch...)
	}
	if asString(m["format"]) == "" {
		f := "double"
		if integer {
			f = "int64"
		}
		c.add("data-number-no-format", at, "The number has no format (int32, int64, float, double).",
			report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "format"), Value: f})
	}
}

func (c *nodeCheck) checkObject(m map[string]any, at spec.NodeRef, composed, maxProps bool) {
	ap, hasAP := m["additionalProperties"]
	_, hasUP := m["unevaluatedProperties"]
	props := asMap(m["properties"])
	openAP := hasAP && (ap == true || (asMap(ap) != nil && len(asMap(ap)) == 0))
	if apm := asMap(ap); (len(apm) > 0 || openAP) && !maxProps {
		c.add("data-object-no-maxproperties", at, "The object is a map (additionalProperties) with no limit on its number of entries (no maxProperties).",
			report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "maxProperties"), Value: 100})
	}
	switch {
	case openAP:
		c.add("data-object-open", ref(at.File, at.Pointer, "additionalProperties"), "The object accepts any undeclared property (additionalProperties is true or {}).",
			report.PatchOp{Op: "replace", Path: spec.JoinPointer(at.Pointer, "additionalProperties"), Value: false})
	case !hasAP && !hasUP && !c.r.doc.StrictObjects() && (len(props) > 0 || composed) && c.n.nonMember:
		c.add("data-object-open", at, "The object does not set additionalProperties and the strict-objects policy is off, so it accepts undeclared properties.",
			report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "additionalProperties"), Value: false})
	}
	if len(props) == 0 && !hasAP && m["patternProperties"] == nil && !composed {
		c.add("data-object-no-properties", at, "The object declares no properties: it is a free-form object that nothing validates.")
	}
	// A composition member's required list may name what sibling members
	// declare (allOf: [$ref Base, {required: [name]}]): the composing
	// schema accepts those, unless the member closes itself.
	byItself := c.n.nonMember || ap == false
	if req := asSlice(m["required"]); len(req) > 0 && byItself && !composed && !openAP && (!hasAP || ap == false) && m["patternProperties"] == nil {
		// An inline property schema beside a member that declares the
		// property too (allOf: [$ref Firewall], properties: {rules:
		// {required: [inbound_policy]}}) validates the same value as the
		// member's schema, which may declare the name.
		overlaid, _, overlayOpen := c.r.doc.OverlaidNames(at)
		var missing []string
		for _, x := range req {
			if s, ok := x.(string); ok {
				if _, declared := props[s]; !declared && !overlaid[s] {
					missing = append(missing, s)
				}
			}
		}
		if len(missing) > 0 && !overlayOpen {
			var kept []any
			for _, x := range req {
				if s, _ := x.(string); !contains(missing, s) {
					kept = append(kept, x)
				}
			}
			// Fix: stop requiring what is not declared (or declare it).
			var patch report.PatchOp
			if len(kept) == 0 {
				patch = report.PatchOp{Op: "remove", Path: spec.JoinPointer(at.Pointer, "required")}
			} else {
				patch = report.PatchOp{Op: "replace", Path: spec.JoinPointer(at.Pointer, "required"), Value: kept}
			}
			c.add("data-required-undeclared", ref(at.File, at.Pointer, "required"), fmt.Sprintf("required lists %s, not declared in properties.", quoteList(missing)), patch)
		}
	}
	var names casefold.Set
	for _, b := range sortedKeys(props) {
		if a, variant := names.Variant(b); variant {
			c.add("data-property-case-variants", ref(at.File, at.Pointer, "properties", b),
				fmt.Sprintf("Properties %q and %q differ only in case: case-insensitive binders read them as one field.", a, b))
			break
		}
	}
	for _, name := range sortedKeys(props) {
		pat := ref(at.File, at.Pointer, "properties", name)
		c.checkName(name, pat, asMap(props[name]), true)
		// The object's own example may give the property's value:
		// {example: {mechanic_api: "http://localhost:8000/..."}}.
		if c.hasReq() {
			if u := objectExampleURL(m, name); u != "" && !urlNotFetched(name) && c.r.urlCarrier(pat, asMap(props[name])) {
				c.r.addSet("exp-url-input", pat, dirRequest, urlExampleMsg(name, u), c.ops(true, false))
			}
		}
	}
}

// checkName runs the rules that judge a value by its name (mass
// assignment, URL input, sensitive data) on the property or Swagger 2.0
// form parameter `name` whose schema is pv at pat. patchable is false for
// form parameters: readOnly and writeOnly are not parameter fields.
func (c *nodeCheck) checkName(name string, pat spec.NodeRef, pv map[string]any, patchable bool) {
	if c.hasReq() {
		if class := serverManaged(name); class != "" && !c.flag(pat, pv, "readOnly") {
			var patch []report.PatchOp
			if patchable {
				patch = c.readOnlyPatch(pat, pv)
			}
			p := c.r.addSet("data-mass-assignment", pat, dirRequest,
				fmt.Sprintf("Requests accept %q, which looks server-managed (%s), and it is not readOnly.", name, class), c.ops(true, false), patch...)
			if p != nil && class == "bookkeeping" {
				p.delta = -1
			}
		}
		if urlName(name) && c.r.mayHoldText(pat, pv) {
			c.r.addSet("exp-url-input", pat, dirRequest, fmt.Sprintf("Request property %q looks like a URL; if the server fetches it, it can be aimed at internal addresses.", name), c.ops(true, false))
		} else if u := c.r.urlExample(pat, pv); u != "" && !urlNotFetched(name) {
			c.r.addSet("exp-url-input", pat, dirRequest, urlExampleMsg(name, u), c.ops(true, false))
		}
	}
	if c.hasResp() {
		if class := sensitiveName(name); class != "" && !c.flag(pat, pv, "writeOnly") && !c.r.onlyBoolean(pat, pv) {
			var patch []report.PatchOp
			if patchable {
				patch = c.flagPatch(pat, pv, "writeOnly")
			}
			p := c.r.addSet("exp-sensitive-data", pat, dirResponse, fmt.Sprintf("Responses return %q, which looks like %s.", name, class), c.ops(false, true), patch...)
			if p != nil && class == "a token" {
				p.delta = -1
			}
		}
	}
}

// flag reports whether a property schema sets readOnly/writeOnly, directly,
// through its $ref, or through an allOf wrapper.
func (c *nodeCheck) flag(at spec.NodeRef, m map[string]any, key string) bool {
	for hop := 0; hop < 16 && m != nil; hop++ {
		if b, ok := m[key].(bool); ok {
			return b
		}
		for i, mem := range asSlice(m["allOf"]) {
			if c.flag(ref(at.File, at.Pointer, "allOf", itoa(i)), asMap(mem), key) {
				return true
			}
		}
		s, ok := m["$ref"].(string)
		if !ok {
			return false
		}
		t := c.g.resolve(at, s)
		if !t.ok {
			return false
		}
		at, m = t.at, asMap(t.v)
	}
	return false
}

// readOnlyPatch marks a property readOnly. Before 3.1 a $ref's siblings are
// ignored, so a referenced property is wrapped in allOf.
func (c *nodeCheck) readOnlyPatch(at spec.NodeRef, pv map[string]any) []report.PatchOp {
	return c.flagPatch(at, pv, "readOnly")
}

// flagPatch sets readOnly or writeOnly on a property; on a 2.0/3.0 $ref,
// whose siblings are ignored, through an allOf wrapper.
func (c *nodeCheck) flagPatch(at spec.NodeRef, pv map[string]any, key string) []report.PatchOp {
	if key == "writeOnly" && c.r.doc.Family == spec.Swagger20 {
		return nil // Swagger 2.0 has no writeOnly
	}
	if r, ok := pv["$ref"].(string); ok && (c.r.doc.Family == spec.Swagger20 || c.r.doc.Family == spec.OpenAPI30) {
		return []report.PatchOp{{Op: "replace", Path: at.Pointer, Value: map[string]any{"allOf": []any{map[string]any{"$ref": r}}, key: true}}}
	}
	return []report.PatchOp{{Op: "add", Path: spec.JoinPointer(at.Pointer, key), Value: true}}
}

// inferType names the type a typeless schema's keywords imply, or "".
func inferType(m map[string]any) string {
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := m[k]; ok {
				return true
			}
		}
		return false
	}
	switch {
	case has("properties", "additionalProperties", "patternProperties", "required", "minProperties", "maxProperties"):
		return "object"
	case has("items", "prefixItems", "minItems", "maxItems", "uniqueItems"):
		return "array"
	case has("maxLength", "minLength", "pattern"):
		return "string"
	case has("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
		return "number"
	}
	return ""
}

func normName(s string) string { return sensitive.Normalize(s) }

var bookkeepingNames = map[string]bool{
	"id": true, "uuid": true, "createdat": true, "updatedat": true, "deletedat": true, "createdby": true,
	"updatedby": true, "createdon": true, "modifiedat": true, "lastmodified": true, "datecreated": true,
}

// serverManaged classifies property names servers usually own. The
// privileged names are the scanner's mass-assignment candidates too
// (package sensitive), so the two engines agree.
func serverManaged(name string) string {
	switch {
	case sensitive.Privileged(name):
		return "privilege or ownership"
	case bookkeepingNames[normName(name)]:
		return "bookkeeping"
	}
	return ""
}

// sensitiveName classifies property names that suggest secrets or personal
// data, from the list the scanner uses on real responses.
func sensitiveName(name string) string {
	class, _ := sensitive.Match(name)
	return string(class)
}

// checkComposedRequired flags, in a composed object the strict-objects
// policy closes, a name the schema requires that neither it nor any
// subschema declares (gerermesaffaires' Profile requires File beside an
// allOf that declares IDFile): the firewall admits it with any value.
func (c *nodeCheck) checkComposedRequired(m map[string]any, at spec.NodeRef) {
	_, hasAP := m["additionalProperties"]
	_, hasUP := m["unevaluatedProperties"]
	if !c.n.nonMember || hasAP || hasUP || !c.r.doc.StrictObjects() {
		return
	}
	if missing := c.r.doc.RequiredUndeclared(at, m); len(missing) > 0 {
		c.add("data-required-undeclared", ref(at.File, at.Pointer, "required"), fmt.Sprintf("required lists %s, which neither the object nor its subschemas declare: under the strict-objects policy the firewall admits it with any value, unvalidated.", quoteList(missing)))
	}
}

// checkDiscriminator reports what a discriminator cannot do, now that
// the engines enforce it (spec.Discriminator): select a branch no value
// names (an inline schema the mapping leaves out, matched by its shape
// alone), or accept a value the mapping names for a schema that is no
// branch (every value carrying it is refused).
func (c *nodeCheck) checkDiscriminator(m map[string]any, at spec.NodeRef) {
	disc, ok := c.r.doc.Discriminator(at, m)
	if !ok {
		return
	}
	var unnamed []string
	for i, v := range disc.Values {
		if len(v) == 0 {
			unnamed = append(unnamed, fmt.Sprintf("%s/%d", disc.Keyword, i))
		}
	}
	if len(unnamed) > 0 {
		c.add("data-discriminator-unmapped", ref(at.File, at.Pointer, "discriminator"),
			fmt.Sprintf("No value of %q selects %s: an inline branch the mapping does not name is matched by its shape alone.", disc.Property, strings.Join(unnamed, ", ")))
	}
	if len(disc.Unmatched) > 0 {
		c.add("data-discriminator-unmapped", ref(at.File, at.Pointer, "discriminator", "mapping"),
			fmt.Sprintf("The mapping names %s for schemas that are none of the %s branches: values carrying them are refused.", quoteList(disc.Unmatched), disc.Keyword))
	}
}

// checkClosedComposition flags `additionalProperties: false` beside an
// allOf/anyOf/oneOf whose members declare names the schema's own
// properties do not: read as JSON Schema, no value may carry those names
// (additionalProperties does not see into the members). The firewall and
// the scanner read it as `unevaluatedProperties: false`, what such a
// contract means; other validators do not, so the contract should say it.
func (c *nodeCheck) checkClosedComposition(m map[string]any, at spec.NodeRef) {
	if m["additionalProperties"] != false {
		return
	}
	extra, open := c.r.doc.MembersOnlyNames(at, m)
	if open || len(extra) == 0 {
		return
	}
	msg := fmt.Sprintf("additionalProperties: false beside a composition refuses %s, which the members declare: strict JSON Schema validators refuse every value carrying them.", quoteList(extra))
	if f := c.r.doc.Family; f != spec.Swagger20 && f != spec.OpenAPI30 {
		c.add("data-closed-composition", ref(at.File, at.Pointer, "additionalProperties"), msg,
			report.PatchOp{Op: "remove", Path: spec.JoinPointer(at.Pointer, "additionalProperties")},
			report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "unevaluatedProperties"), Value: false})
		return
	}
	c.add("data-closed-composition", ref(at.File, at.Pointer, "additionalProperties"), msg)
}

// mayHoldText reports whether the schema m at `at` (after its $refs) can
// hold a string, directly or as an array's items: only then can a value
// named like a URL be one. A boolean followRedirect or an integer
// callback_count is not; an object named webhook is judged by its own
// properties. A schema that does not say (no type) may. An upload is
// not text: a Swagger 2.0 file (schemaTypes reads it as a string for the
// rules about its size), an OpenAPI 3 binary or base64 string.
func (r *run) mayHoldText(at spec.NodeRef, m map[string]any) bool {
	m, known := r.itemLeaf(at, m)
	if !known {
		return true
	}
	if m["type"] == "file" || m["format"] == "binary" || m["format"] == "byte" || m["contentEncoding"] != nil {
		// An upload or encoded bytes (2.0's file, OpenAPI 3's binary
		// or base64 string, 3.1's contentEncoding), not text.
		return false
	}
	types := schemaTypes(m)
	return len(types) == 0 || types["string"]
}

// onlyBoolean reports whether the schema m at `at` (after its $refs) can
// only be true, false (or null): has_password or api_key_enabled says
// whether a secret exists and cannot carry one.
func (r *run) onlyBoolean(at spec.NodeRef, m map[string]any) bool {
	for depth := 0; depth < 16 && m != nil; depth++ {
		if _, ok := m["$ref"]; !ok {
			break
		}
		t, v, ok := r.doc.Deref(at, m)
		if !ok {
			return false
		}
		at, m = t, asMap(v)
	}
	types := schemaTypes(m)
	if len(types) == 0 {
		return false
	}
	for t := range types {
		if t != "boolean" && t != "null" {
			return false
		}
	}
	return true
}

// urlFormat reports the string formats that hold a URL.
func urlFormat(f string) bool {
	switch f {
	case "uri", "url", "iri", "uri-reference", "iri-reference":
		return true
	}
	return false
}

// absoluteURL returns the scheme and host of a value that is an absolute
// http(s) URL (or an array whose first item is one), "" otherwise. Only
// they are quoted: a path or query in an example may hold a credential.
func absoluteURL(v any) string {
	if a, ok := v.([]any); ok && len(a) > 0 {
		v = a[0]
	}
	s, ok := v.(string)
	if !ok {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return ""
	}
	switch sc := strings.ToLower(u.Scheme); sc {
	case "http", "https":
		return sc + "://" + u.Host
	}
	return ""
}

// urlExample returns the absolute URL (scheme and host) that the schema m
// at `at` gives as its example, default, one of its examples or (on a
// Swagger 2.0 parameter) x-example, following $refs and an array's items:
// a value written as a URL is one, whatever its name (crAPI's mechanic_api
// is "http://localhost:8000/workshop/api/mechanic/receive_report"). ""
// when it gives none, when the value cannot be text, or when the schema
// has a URL format, which exp-url-input reports where it is written.
func (r *run) urlExample(at spec.NodeRef, m map[string]any) string {
	if !r.mayHoldText(at, m) {
		return ""
	}
	for depth := 0; depth < 16 && m != nil; depth++ {
		if _, ok := m["$ref"]; ok {
			t, v, ok := r.doc.Deref(at, m)
			if !ok {
				return ""
			}
			at, m = t, asMap(v)
			continue
		}
		if urlFormat(asString(m["format"])) {
			return ""
		}
		for _, k := range []string{"example", "default", "x-example"} {
			if u := absoluteURL(m[k]); u != "" {
				return u
			}
		}
		for _, e := range asSlice(m["examples"]) {
			if u := absoluteURL(e); u != "" {
				return u
			}
		}
		items, ok := m["items"]
		if !ok || !schemaTypes(m)["array"] {
			return ""
		}
		at, m = ref(at.File, at.Pointer, "items"), asMap(items)
	}
	return ""
}

// urlCarrier reports whether the property schema m at `at` can hold a URL
// that exp-url-input has not already reported where a URL format is
// written.
func (r *run) urlCarrier(at spec.NodeRef, m map[string]any) bool {
	if !r.mayHoldText(at, m) {
		return false
	}
	for depth := 0; depth < 16 && m != nil; depth++ {
		if _, ok := m["$ref"]; !ok {
			break
		}
		t, v, ok := r.doc.Deref(at, m)
		if !ok {
			return true
		}
		at, m = t, asMap(v)
	}
	return !urlFormat(asString(m["format"]))
}

// objectExampleURL returns the absolute URL an object schema's example
// (or one of its 3.1 examples) gives its property name, or "".
func objectExampleURL(m map[string]any, name string) string {
	if u := absoluteURL(asMap(m["example"])[name]); u != "" {
		return u
	}
	for _, e := range asSlice(m["examples"]) {
		if u := absoluteURL(asMap(e)[name]); u != "" {
			return u
		}
	}
	return ""
}

// notFetchedWords name values written as URLs that a server compares
// rather than fetches: CORS origins and allowed domains
// ("allowedOrigins", "originDomains"), URL patterns of allow and block
// lists, the Referer a client sends, and identifiers that are URIs
// ("$schema", "$id", a namespace). A URL example makes them no URL input.
var notFetchedWords = []string{"origin", "origins", "domain", "domains", "pattern", "patterns",
	"whitelist", "allowlist", "blacklist", "blocklist", "referer", "referrer", "schema", "id", "namespace"}

func urlNotFetched(name string) bool {
	for _, w := range sensitive.Words(name) {
		if slices.Contains(notFetchedWords, w) {
			return true
		}
	}
	return false
}

func urlExampleMsg(name, u string) string {
	return fmt.Sprintf("Request value %q is a URL (its example is %s/...); if the server fetches it, it can be aimed at internal addresses.", name, u)
}

// checkRequestExampleURLs reports the properties of an operation's request
// bodies whose value in the media type's example (or one of its examples)
// is an absolute http(s) URL: crAPI's contact_mechanic documents its SSRF
// field mechanic_api only there. Properties are followed through $refs,
// composition members, nested objects and arrays' items.
func (r *run) checkRequestExampleURLs(op *spec.Operation) {
	if op.RequestBody == nil {
		return
	}
	for _, mt := range sortedMedia(op.RequestBody.Content) {
		if mt.Schema == nil {
			continue
		}
		at, m := r.schemaNode(mt.Schema)
		for _, ex := range r.examplesAt(mt.Ref) {
			r.exampleURLs(op, at, m, ex.value, 0)
		}
	}
}

// exampleURLs walks an example value beside the schema m at `at`.
func (r *run) exampleURLs(op *spec.Operation, at spec.NodeRef, m map[string]any, value any, depth int) {
	if depth > 8 || m == nil {
		return
	}
	for hop := 0; hop < 16; hop++ {
		if _, ok := m["$ref"]; !ok {
			break
		}
		t, v, ok := r.doc.Deref(at, m)
		if !ok {
			return
		}
		at, m = t, asMap(v)
	}
	switch val := value.(type) {
	case map[string]any:
		for _, name := range sortedKeys(val) {
			pat, pv := r.propertyOf(at, m, name, 0)
			if pv == nil {
				continue
			}
			if u := absoluteURL(val[name]); u != "" {
				// A name that says URL is reported by its name, in the
				// schema walk.
				if !urlName(name) && !urlNotFetched(name) && r.urlCarrier(pat, pv) {
					r.add("exp-url-input", pat, dirRequest, urlExampleMsg(name, u), []string{op.Key()})
				}
				continue
			}
			r.exampleURLs(op, pat, pv, val[name], depth+1)
		}
	case []any:
		if items := asMap(m["items"]); items != nil && len(val) > 0 {
			r.exampleURLs(op, ref(at.File, at.Pointer, "items"), items, val[0], depth+1)
		}
	}
}

// propertyOf finds where the object schema m at `at` (already past its
// $refs) declares the property name: in its properties or in those of its
// allOf, anyOf and oneOf members.
func (r *run) propertyOf(at spec.NodeRef, m map[string]any, name string, depth int) (spec.NodeRef, map[string]any) {
	if depth > 8 || m == nil {
		return at, nil
	}
	if pv, ok := asMap(m["properties"])[name]; ok {
		return ref(at.File, at.Pointer, "properties", name), asMap(pv)
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		for i, mem := range asSlice(m[kw]) {
			mat, mv, ok := r.doc.Deref(ref(at.File, at.Pointer, kw, itoa(i)), mem)
			if !ok {
				continue
			}
			if pat, pv := r.propertyOf(mat, asMap(mv), name, depth+1); pv != nil {
				return pat, pv
			}
		}
	}
	return at, nil
}

var urlNameRe = regexp.MustCompile(`(?i)(^|_|-|[a-z])(url|uri|callback|webhook|redirect|endpoint)s?$`)

func urlName(name string) bool {
	return urlNameRe.MatchString(name) || strings.EqualFold(name, "url") || strings.EqualFold(name, "uri")
}

func (c *nodeCheck) checkPattern(at spec.NodeRef, p, what string) {
	if inner, flags, ok := spec.DelimitedPattern(p); ok && what == "pattern" {
		msg := fmt.Sprintf("The pattern %s is written as a JavaScript literal: in JSON Schema the slashes and flags are part of it, so it matches nothing and strict validators refuse every value. rampart enforces %s.", quotePattern(p), quotePattern(inner))
		if strings.ContainsAny(flags, "ims") {
			// ECMA-262 patterns take no inline flags: no mechanical fix.
			c.add("data-pattern-delimited", at, msg+" Its flags cannot be written in a JSON Schema pattern.")
		} else {
			c.add("data-pattern-delimited", at, msg, report.PatchOp{Op: "replace", Path: at.Pointer, Value: inner})
		}
		p = inner // the other checks read what is enforced
	}
	_, exact, err := c.r.doc.CompilePattern(p)
	if err != nil {
		c.add("data-pattern-unsupported", at, fmt.Sprintf("The %s %s cannot be compiled by Go's RE2 engine (%v); the firewall cannot enforce it.", what, quotePattern(p), reErr(err)))
		if risky, why := redosRisk(p); risky {
			c.add("data-pattern-redos", at, fmt.Sprintf("The %s %s %s.", what, quotePattern(p), why))
		}
		return
	}
	if _, _, bounded := spec.RelaxedBounds(p); !exact && !(bounded && what == "pattern") {
		re2, _ := spec.RE2Pattern(p)
		c.add("data-pattern-unsupported", at, fmt.Sprintf("The %s %s repeats more than the 1000 times Go's RE2 engine can count; the firewall enforces %s, without the upper bound.", what, quotePattern(p), quotePattern(re2)))
	}
	if load, heavy := spec.HeavyPattern(p); heavy {
		c.add("data-pattern-cost", at, fmt.Sprintf("The %s %s %s: matching a long string costs its length times that.", what, quotePattern(p), load.Why()))
	}
	if what == "pattern" && !anchored(p) {
		fixed := p
		if !strings.HasPrefix(fixed, "^") {
			fixed = "^(?:" + fixed
		} else {
			fixed = "^(?:" + fixed[1:]
		}
		if strings.HasSuffix(p, "$") && !strings.HasSuffix(p, `\$`) {
			fixed = fixed[:len(fixed)-1]
		}
		fixed += ")$"
		c.add("data-pattern-unanchored", at, fmt.Sprintf("The pattern %s is not anchored at both ends (^...$), so strings that merely contain a match are accepted.", quotePattern(p)),
			report.PatchOp{Op: "replace", Path: at.Pointer, Value: fixed})
	}
	if risky, why := redosRisk(p); risky {
		c.add("data-pattern-redos", at, fmt.Sprintf("The %s %s %s.", what, quotePattern(p), why))
	}
}

// quotePattern quotes a pattern for a finding's message, cut to its first
// 150 characters when longer: a pattern of several kilobytes (an
// alternation of every allowed word) would otherwise fill the report. The
// finding's location, and its patch, hold the pattern whole.
func quotePattern(p string) string {
	const keep = 150
	if utf8.RuneCountInString(p) <= keep+10 {
		return fmt.Sprintf("%q", p)
	}
	r := []rune(p)
	return fmt.Sprintf("%q... (%d characters)", string(r[:keep]), len(r))
}

func reErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
