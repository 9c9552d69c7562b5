package spec

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// builder turns the generic tree into the normalised model.
type builder struct {
	doc      *Document
	fs       *fileSet
	seenRefs map[string]bool
	synthN   int
	// expanded holds the path items whose operations' callbacks have been
	// followed. Each path item's callbacks are followed once per document:
	// a path item reached again (through another callback, or back through
	// one that encloses it) has its operations built for that callback but
	// its own callbacks are not followed again. Following them on every
	// chain would build one operation per chain, and chains multiply: a
	// 2 KB definition whose callbacks branch twice on each of 26 levels
	// names 2^26 of them.
	expanded map[NodeRef]bool
	// problems are what building found (a reference's ignored members).
	problems []Problem
	// siblingsSeen holds the references whose members were checked.
	siblingsSeen map[NodeRef]bool
}

// refSiblings reports the members written beside the $ref of a reference
// object v at `at` (a parameter, request body, response, header, security
// scheme or callback: not a schema, whose siblings transform.go handles,
// nor a path item): OpenAPI ignores them (3.1 lets summary and description
// override the target's), so `required: true` beside a parameter's $ref
// leaves the parameter optional. kind names the object ("parameter").
func (b *builder) refSiblings(at NodeRef, v any, kind string) {
	m, ok := v.(map[string]any)
	if !ok || b.doc.Family == Swagger20 {
		return // 2.0's meta-schema refuses them: the structure check says so
	}
	ref, isRef := m["$ref"].(string)
	if !isRef || len(m) == 1 {
		return
	}
	if b.siblingsSeen == nil {
		b.siblingsSeen = map[NodeRef]bool{}
	}
	if b.siblingsSeen[at] {
		return
	}
	b.siblingsSeen[at] = true
	for _, k := range sortedKeys(m) {
		if k == "$ref" || strings.HasPrefix(k, "x-") {
			continue
		}
		if (k == "summary" || k == "description") && b.doc.Family != Swagger20 && b.doc.Family != OpenAPI30 {
			continue
		}
		b.problems = append(b.problems, Problem{Code: "ref-sibling-ignored",
			Loc:     b.fs.locate(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, k)}),
			Message: fmt.Sprintf("%s beside the $ref of a %s is ignored (a reference's other members are): write it in %s, which the reference stands for", k, kind, ref)})
	}
}

// HTTPMethods are the operation keys of a path item, in report order.
var HTTPMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace", "query"}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func asBool(v any) bool {
	b, _ := v.(bool)
	return b
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func extensions(m map[string]any) map[string]any {
	var out map[string]any
	for k, v := range m {
		if strings.HasPrefix(k, "x-") {
			if out == nil {
				out = map[string]any{}
			}
			out[k] = v
		}
	}
	return out
}

// deref follows a chain of {$ref} objects to the node it ends at.
func (b *builder) deref(at NodeRef, v any) (NodeRef, any, bool) {
	for hop := 0; hop <= maxRefHops; hop++ {
		ref, isRef := refOf(v)
		if !isRef {
			return at, v, true
		}
		if hop == maxRefHops {
			break // maxRefHops references followed, and another
		}
		var ok bool
		if at, v, ok = b.refTarget(at, ref); !ok {
			return at, nil, false
		}
	}
	return at, nil, false
}

// refOf returns the reference of a {$ref} object.
func refOf(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	ref, ok := m["$ref"].(string)
	return ref, ok
}

// refTarget resolves one reference written in the object at `at` to the
// node it names and that node's value.
func (b *builder) refTarget(at NodeRef, ref string) (NodeRef, any, bool) {
	target, err := b.fs.resolveRefAt(at, ref)
	if err != nil {
		return at, nil, false
	}
	tv, ok := b.fs.value(target)
	if !ok {
		return at, nil, false
	}
	return target, tv, true
}

// maxRefHops is the longest chain of references to references deref
// follows (a $ref whose target is a $ref, and so on).
const maxRefHops = 64

// refLoops reports whether the chain of references that starts with ref,
// written in the object at holder, comes back to a node it has been
// through (deref gave up on it: a loop, or a chain over maxRefHops).
func (b *builder) refLoops(holder NodeRef, ref string) bool {
	seen := map[NodeRef]bool{}
	at, v := holder, any(map[string]any{"$ref": ref})
	for range maxRefHops + 1 {
		r, isRef := refOf(v)
		if !isRef {
			return false
		}
		var ok bool
		if at, v, ok = b.refTarget(at, r); !ok {
			return false
		}
		if seen[at] {
			return true
		}
		seen[at] = true
	}
	return false
}

func (b *builder) build(top map[string]any) {
	d := b.doc
	root := NodeRef{File: b.fs.rootKey}
	if info := asMap(top["info"]); info != nil {
		d.Title = asString(info["title"])
		d.APIVersion = scalarString(info["version"])
	}
	d.Extensions = extensions(top)
	d.SecuritySchemes = map[string]*SecurityScheme{}
	if d.Family == Swagger20 {
		b.buildV2Globals(top)
	} else {
		d.Servers = b.servers(top["servers"], NodeRef{File: root.File, Pointer: "/servers"})
		comps := asMap(top["components"])
		schemes := asMap(comps["securitySchemes"])
		for _, name := range sortedKeys(schemes) {
			at := NodeRef{File: root.File, Pointer: JoinPointer("/components/securitySchemes", name)}
			b.refSiblings(at, schemes[name], "security scheme")
			at, v, ok := b.deref(at, schemes[name])
			if m := asMap(v); ok && m != nil {
				d.SecuritySchemes[name] = b.securitySchemeV3(name, m, at)
			}
		}
	}
	if sec, ok := top["security"]; ok {
		d.Security = b.requirements(sec, NodeRef{File: root.File, Pointer: "/security"})
	}
	paths := asMap(top["paths"])
	for _, p := range sortedKeys(paths) {
		if strings.HasPrefix(p, "x-") {
			continue
		}
		at := NodeRef{File: root.File, Pointer: JoinPointer("/paths", p)}
		d.Operations = append(d.Operations, b.pathItem(p, at, paths[p], top)...)
	}
	hooks := asMap(top["webhooks"])
	for _, name := range sortedKeys(hooks) {
		at := NodeRef{File: root.File, Pointer: JoinPointer("/webhooks", name)}
		d.Webhooks = append(d.Webhooks, b.pathItem(name, at, hooks[name], top)...)
	}
}

func (b *builder) servers(v any, at NodeRef) []Server {
	var out []Server
	for i, s := range asSlice(v) {
		m := asMap(s)
		if m == nil {
			continue
		}
		srv := Server{URL: asString(m["url"]), Ref: NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, fmt.Sprint(i))}}
		if vars := asMap(m["variables"]); vars != nil {
			srv.Variables = map[string]ServerVariable{}
			for name, vv := range vars {
				vm := asMap(vv)
				sv := ServerVariable{Default: scalarString(vm["default"])}
				for _, e := range asSlice(vm["enum"]) {
					sv.Enum = append(sv.Enum, scalarString(e))
				}
				srv.Variables[name] = sv
			}
		}
		out = append(out, srv)
	}
	return out
}

func (b *builder) securitySchemeV3(name string, m map[string]any, at NodeRef) *SecurityScheme {
	s := &SecurityScheme{
		Name:             name,
		Type:             asString(m["type"]),
		Scheme:           strings.ToLower(asString(m["scheme"])),
		BearerFormat:     asString(m["bearerFormat"]),
		In:               asString(m["in"]),
		ParamName:        asString(m["name"]),
		OpenIDConnectURL: asString(m["openIdConnectUrl"]),
		Extensions:       extensions(m),
		Ref:              at,
	}
	if flows := asMap(m["flows"]); flows != nil {
		s.Flows = map[string]*OAuthFlow{}
		for _, fname := range sortedKeys(flows) {
			fm := asMap(flows[fname])
			if fm == nil {
				continue
			}
			s.Flows[fname] = flowFrom(fm, NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, "flows", fname)})
		}
	}
	return s
}

func flowFrom(fm map[string]any, at NodeRef) *OAuthFlow {
	f := &OAuthFlow{
		AuthorizationURL: asString(fm["authorizationUrl"]),
		TokenURL:         asString(fm["tokenUrl"]),
		RefreshURL:       asString(fm["refreshUrl"]),
		Scopes:           map[string]string{},
		Ref:              at,
	}
	for k, v := range asMap(fm["scopes"]) {
		f.Scopes[k] = scalarString(v)
	}
	for _, v := range asSlice(fm["scopes"]) {
		// scopes: [read, write], the descriptions left out: the
		// structure check reports the list; the names are the scopes.
		if name, ok := v.(string); ok {
			f.Scopes[name] = ""
		}
	}
	return f
}

func (b *builder) requirements(v any, at NodeRef) []SecurityRequirement {
	out := []SecurityRequirement{}
	items := asSlice(v)
	if m, ok := v.(map[string]any); ok && len(m) > 0 {
		// `security: {bearer: []}`, the list left out: read as the one
		// requirement it was meant to be, not as `security: []` (anyone).
		// The structure check reports it.
		req := SecurityRequirement{Ref: at}
		for _, name := range sortedKeys(m) {
			sr := SchemeRequirement{Name: name}
			for _, sc := range asSlice(m[name]) {
				sr.Scopes = append(sr.Scopes, scalarString(sc))
			}
			req.Schemes = append(req.Schemes, sr)
		}
		return append(out, req)
	}
	for i, r := range items {
		m := asMap(r)
		if name, ok := r.(string); ok && name != "" {
			// `- bearer`, the scope list left out: read as the scheme it
			// names, not as `{}` (anyone). The structure check reports it.
			m = map[string]any{name: []any{}}
		}
		req := SecurityRequirement{Ref: NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, fmt.Sprint(i))}}
		for _, name := range sortedKeys(m) {
			sr := SchemeRequirement{Name: name}
			for _, sc := range asSlice(m[name]) {
				sr.Scopes = append(sr.Scopes, scalarString(sc))
			}
			req.Schemes = append(req.Schemes, sr)
		}
		out = append(out, req)
	}
	return out
}

// pathItem builds the operations of one path item.
func (b *builder) pathItem(path string, at NodeRef, v any, top map[string]any) []*Operation {
	at, v, ok := b.deref(at, v)
	item := asMap(v)
	if !ok || item == nil {
		return nil
	}
	// A callback's path item may be one that encloses it (a $ref back to
	// it, directly or through other files), or one that other callbacks
	// reach too: its operations are built, its callbacks are followed only
	// the first time (expanded), or the walk would never end or would
	// multiply.
	if b.expanded == nil {
		b.expanded = map[NodeRef]bool{}
	}
	followCallbacks := !b.expanded[at]
	b.expanded[at] = true
	common := b.parameters(item["parameters"], NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, "parameters")})
	pathServers := b.servers(item["servers"], NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, "servers")})
	var ops []*Operation
	methods := HTTPMethods
	if b.doc.Family != OpenAPI32 {
		methods = methods[:len(methods)-1]
	}
	type entry struct {
		method string
		node   any
		at     NodeRef
	}
	var entries []entry
	for _, m := range methods {
		if node, ok := item[m]; ok {
			entries = append(entries, entry{m, node, NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, m)}})
		}
	}
	// OpenAPI 3.2 additionalOperations: methods outside the fixed list.
	if extra := asMap(item["additionalOperations"]); extra != nil && b.doc.Family == OpenAPI32 {
		for _, m := range sortedKeys(extra) {
			entries = append(entries, entry{m, extra[m], NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, "additionalOperations", m)}})
		}
	}
	for _, e := range entries {
		om := asMap(e.node)
		if om == nil {
			continue
		}
		op := &Operation{
			Method:         strings.ToUpper(e.method),
			Path:           path,
			OperationID:    asString(om["operationId"]),
			Summary:        asString(om["summary"]),
			Deprecated:     asBool(om["deprecated"]),
			Extensions:     extensions(om),
			PathExtensions: extensions(item),
			Ref:            e.at,
			PathRef:        at,
			Servers:        pathServers,
		}
		for _, t := range asSlice(om["tags"]) {
			op.Tags = append(op.Tags, scalarString(t))
		}
		if s := b.servers(om["servers"], NodeRef{File: e.at.File, Pointer: JoinPointer(e.at.Pointer, "servers")}); len(s) > 0 {
			op.Servers = s
		}
		own := b.parameters(om["parameters"], NodeRef{File: e.at.File, Pointer: JoinPointer(e.at.Pointer, "parameters")})
		params := mergeParams(common, own)
		if sec, ok := om["security"]; ok {
			op.Security = b.requirements(sec, NodeRef{File: e.at.File, Pointer: JoinPointer(e.at.Pointer, "security")})
			op.SecurityDeclared = true
		} else {
			op.Security = b.doc.Security
		}
		if cbs := asMap(om["callbacks"]); cbs != nil {
			op.Callbacks = true
		}
		if cbs := asMap(om["callbacks"]); cbs != nil && followCallbacks {
			for _, name := range sortedKeys(cbs) {
				cat := NodeRef{File: e.at.File, Pointer: JoinPointer(e.at.Pointer, "callbacks", name)}
				b.refSiblings(cat, cbs[name], "callback")
				cat, cv, ok := b.deref(cat, cbs[name])
				exprs := asMap(cv)
				if !ok || exprs == nil {
					continue
				}
				for _, expr := range sortedKeys(exprs) {
					if strings.HasPrefix(expr, "x-") {
						continue
					}
					for _, cb := range b.pathItem(expr, NodeRef{File: cat.File, Pointer: JoinPointer(cat.Pointer, expr)}, exprs[expr], top) {
						cb.CallbackOf = strings.ToUpper(e.method) + " " + path + " " + name
						b.doc.Callbacks = append(b.doc.Callbacks, cb)
					}
				}
			}
		}
		if b.doc.Family == Swagger20 {
			b.operationV2(op, om, params, top)
		} else {
			op.Parameters = params.regular
			if rb, ok := om["requestBody"]; ok {
				op.RequestBody = b.requestBody(rb, NodeRef{File: e.at.File, Pointer: JoinPointer(e.at.Pointer, "requestBody")})
			}
			op.Responses = b.responses(om["responses"], NodeRef{File: e.at.File, Pointer: JoinPointer(e.at.Pointer, "responses")})
		}
		ops = append(ops, op)
	}
	return ops
}

// paramList keeps regular parameters and, for Swagger 2.0, the body and
// formData parameters the normaliser turns into a request body.
type paramList struct {
	regular []*Parameter
	body    *rawParam
	form    []*rawParam
}

type rawParam struct {
	m  map[string]any
	at NodeRef
}

func mergeParams(common, own paramList) paramList {
	out := paramList{body: common.body, form: append([]*rawParam(nil), common.form...)}
	idx := map[string]int{}
	for _, p := range common.regular {
		idx[p.In+"\x00"+p.Name] = len(out.regular)
		out.regular = append(out.regular, p)
	}
	for _, p := range own.regular {
		if i, ok := idx[p.In+"\x00"+p.Name]; ok {
			out.regular[i] = p
			continue
		}
		out.regular = append(out.regular, p)
	}
	if own.body != nil {
		out.body = own.body
	}
	for _, f := range own.form {
		replaced := false
		for i, c := range out.form {
			if asString(c.m["name"]) == asString(f.m["name"]) {
				out.form[i], replaced = f, true
			}
		}
		if !replaced {
			out.form = append(out.form, f)
		}
	}
	return out
}

func (b *builder) parameters(v any, at NodeRef) paramList {
	var out paramList
	for i, pv := range asSlice(v) {
		pat := NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, fmt.Sprint(i))}
		b.refSiblings(pat, pv, "parameter")
		pat, pv, ok := b.deref(pat, pv)
		m := asMap(pv)
		if !ok || m == nil {
			continue
		}
		in := asString(m["in"])
		if b.doc.Family == Swagger20 {
			switch in {
			case "body":
				out.body = &rawParam{m, pat}
				continue
			case "formData":
				out.form = append(out.form, &rawParam{m, pat})
				continue
			}
		}
		out.regular = append(out.regular, b.parameter(m, pat))
	}
	return out
}

func (b *builder) parameter(m map[string]any, at NodeRef) *Parameter {
	p := &Parameter{
		Name:          asString(m["name"]),
		In:            asString(m["in"]),
		Required:      asBool(m["required"]),
		AllowReserved: asBool(m["allowReserved"]),
		AllowEmpty:    asBool(m["allowEmptyValue"]),
		Deprecated:    asBool(m["deprecated"]),
		Extensions:    extensions(m),
		Ref:           at,
	}
	if b.doc.Family == Swagger20 {
		p.Style, p.Explode = v2Style(p.In, asString(m["collectionFormat"]))
		if _, ok := m["type"]; ok {
			p.Schema = b.synthetic(v2SchemaFromItem(m), at)
		}
		return p
	}
	p.Style = asString(m["style"])
	if p.Style == "" {
		switch p.In {
		case "query", "cookie":
			p.Style = "form"
		default:
			p.Style = "simple"
		}
	}
	if e, ok := m["explode"].(bool); ok {
		p.Explode = e
	} else {
		p.Explode = p.Style == "form"
	}
	if s, ok := m["schema"]; ok {
		p.Schema = &Schema{Ref: NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, "schema")}, Value: s}
	}
	if c := asMap(m["content"]); c != nil {
		p.Content = b.content(c, NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, "content")})
	}
	return p
}

func (b *builder) content(c map[string]any, at NodeRef) map[string]*MediaType {
	out := make(map[string]*MediaType, len(c))
	for _, name := range sortedKeys(c) {
		mat := NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, name)}
		mat, mv, ok := b.deref(mat, c[name])
		mm := asMap(mv)
		mt := &MediaType{Name: name, Ref: mat}
		if ok && mm != nil {
			if s, ok := mm["schema"]; ok {
				mt.Schema = &Schema{Ref: NodeRef{File: mat.File, Pointer: JoinPointer(mat.Pointer, "schema")}, Value: s}
			}
			if enc := asMap(mm["encoding"]); enc != nil {
				mt.Encoding = map[string]Encoding{}
				for k, ev := range enc {
					em := asMap(ev)
					e := Encoding{ContentType: asString(em["contentType"]), Style: asString(em["style"])}
					if x, ok := em["explode"].(bool); ok {
						e.Explode = &x
					}
					mt.Encoding[k] = e
				}
			}
		}
		out[name] = mt
	}
	return out
}

func (b *builder) requestBody(v any, at NodeRef) *RequestBody {
	b.refSiblings(at, v, "request body")
	at, v, ok := b.deref(at, v)
	m := asMap(v)
	if !ok || m == nil {
		return nil
	}
	return &RequestBody{
		Required: asBool(m["required"]),
		Content:  b.content(asMap(m["content"]), NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, "content")}),
		Ref:      at,
	}
}

func (b *builder) responses(v any, at NodeRef) []*Response {
	m := asMap(v)
	var out []*Response
	for _, code := range sortedKeys(m) {
		if strings.HasPrefix(code, "x-") {
			continue
		}
		rat := NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, code)}
		b.refSiblings(rat, m[code], "response")
		rat, rv, ok := b.deref(rat, m[code])
		rm := asMap(rv)
		if !ok || rm == nil {
			out = append(out, &Response{Code: code, Ref: rat})
			continue
		}
		r := &Response{Code: code, Description: asString(rm["description"]), Ref: rat}
		if hs := asMap(rm["headers"]); hs != nil {
			r.Headers = map[string]*Header{}
			for _, hn := range sortedKeys(hs) {
				hat := NodeRef{File: rat.File, Pointer: JoinPointer(rat.Pointer, "headers", hn)}
				b.refSiblings(hat, hs[hn], "header")
				hat, hv, ok := b.deref(hat, hs[hn])
				hm := asMap(hv)
				if !ok || hm == nil {
					continue
				}
				h := &Header{Name: hn, Required: asBool(hm["required"]), Ref: hat}
				if b.doc.Family == Swagger20 {
					if _, ok := hm["type"]; ok {
						h.Schema = b.synthetic(v2SchemaFromItem(hm), hat)
					}
				} else if s, ok := hm["schema"]; ok {
					h.Schema = &Schema{Ref: NodeRef{File: hat.File, Pointer: JoinPointer(hat.Pointer, "schema")}, Value: s}
				} else if c := asMap(hm["content"]); c != nil {
					for _, mt := range b.content(c, NodeRef{File: hat.File, Pointer: JoinPointer(hat.Pointer, "content")}) {
						h.Schema = mt.Schema
					}
				}
				r.Headers[strings.ToLower(hn)] = h
			}
		}
		if b.doc.Family != Swagger20 {
			if c := asMap(rm["content"]); c != nil {
				r.Content = b.content(c, NodeRef{File: rat.File, Pointer: JoinPointer(rat.Pointer, "content")})
			}
			if links := asMap(rm["links"]); links != nil {
				r.Links = map[string]NodeRef{}
				for ln := range links {
					r.Links[ln] = NodeRef{File: rat.File, Pointer: JoinPointer(rat.Pointer, "links", ln)}
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// synthetic registers a schema the loader built (Swagger 2.0 items).
func (b *builder) synthetic(v any, at NodeRef) *Schema {
	b.synthN++
	return &Schema{Ref: at, Value: v, Synthetic: true, id: b.synthN}
}

// maxRefSuggestions bounds the unresolved references given a suggestion:
// each compares its name with those of its section, and a hostile
// definition may have thousands of both.
const maxRefSuggestions = 200

// refMoves are where one version of OpenAPI keeps what another keeps
// elsewhere: a 3.x definition's #/definitions/Pet is its
// #/components/schemas/Pet, and the other way round in 2.0.
var refMoves = map[bool][][2]string{
	true: { // 3.x
		{"/definitions/", "/components/schemas/"},
		{"/parameters/", "/components/parameters/"},
		{"/responses/", "/components/responses/"},
		{"/securityDefinitions/", "/components/securitySchemes/"},
	},
	false: { // 2.0
		{"/components/schemas/", "/definitions/"},
		{"/components/parameters/", "/parameters/"},
		{"/components/responses/", "/responses/"},
	},
}

// refSuggestion returns the reference that ref, which resolves to nothing
// at target, most likely means: the same name under the section another
// OpenAPI version keeps it in, or a name of the same section in another
// case or one or two letters off; "" when there is none.
func (b *builder) refSuggestion(ref string, target NodeRef) string {
	prefix, _, _ := strings.Cut(ref, "#")
	name := func(ptr string) string { return prefix + "#" + ptr }
	// Another version's section.
	for _, mv := range refMoves[b.doc.Family != Swagger20] {
		if rest, ok := strings.CutPrefix(target.Pointer, mv[0]); ok {
			moved := mv[1] + rest
			if _, ok := b.fs.value(NodeRef{File: target.File, Pointer: moved}); ok {
				return name(moved)
			}
			target.Pointer = moved // and look for the name there
		}
	}
	i := strings.LastIndexByte(target.Pointer, '/')
	if i < 0 {
		return ""
	}
	parent, want := target.Pointer[:i], UnescapeToken(target.Pointer[i+1:])
	pv, ok := b.fs.value(NodeRef{File: target.File, Pointer: parent})
	m := asMap(pv)
	if !ok || m == nil {
		return ""
	}
	best := NearestName(want, sortedKeys(m))
	if best == "" {
		return ""
	}
	return name(JoinPointer(parent, best))
}

// checkAllRefs walks every file reached and reports $refs that resolve to
// nothing, or only to themselves.
func (b *builder) checkAllRefs() []Problem {
	var problems []Problem
	// A chain too long to follow is reported where it starts: not again
	// at each $ref along it, which another $ref of the chain targets.
	type longChain struct {
		holder, target NodeRef
		problem        Problem
	}
	var long []longChain
	seen := map[string]bool{}
	suggested := 0
	for i := 0; i < len(b.fs.order); i++ { // order grows as files load
		key := b.fs.order[i]
		f := b.fs.get(key)
		walkRefs(f.tree, "", func(ptr, ref string) {
			at := NodeRef{File: key, Pointer: ptr}
			// The object that holds the $ref: its $id (3.1+) is in scope.
			holder := NodeRef{File: key, Pointer: strings.TrimSuffix(ptr, "/$ref")}
			id := key + "#" + ptr
			if seen[id] {
				return
			}
			seen[id] = true
			target, err := b.fs.resolveRefAt(holder, ref)
			if err != nil {
				problems = append(problems, Problem{Code: "unresolved-ref", Message: err.Error(), Loc: b.fs.locate(at), Error: true})
				return
			}
			if _, err := b.fs.load(target.File); err != nil {
				problems = append(problems, Problem{Code: "unresolved-ref", Message: fmt.Sprintf("$ref %q: %v", ref, err), Loc: b.fs.locate(at), Error: true})
				return
			}
			if _, ok := b.fs.value(target); !ok {
				msg := fmt.Sprintf("$ref %q resolves to nothing", ref)
				if suggested++; suggested <= maxRefSuggestions {
					if alt := b.refSuggestion(ref, target); alt != "" {
						msg += fmt.Sprintf(": did you mean %q?", alt)
					}
				}
				problems = append(problems, Problem{Code: "unresolved-ref", Message: msg, Loc: b.fs.locate(at), Error: true})
				return
			}
			if _, _, ok := b.deref(holder, map[string]any{"$ref": ref}); ok {
				if b.inPlaceCycle(holder, target) {
					problems = append(problems, Problem{Code: "circular-ref", Message: fmt.Sprintf("$ref %q leads back to the schema holding it through allOf, anyOf, oneOf, not, if/then/else or other references alone, so the same value would be validated against it again and again", ref), Loc: b.fs.locate(at), Error: true})
				}
			} else {
				if b.refLoops(holder, ref) {
					problems = append(problems, Problem{Code: "circular-ref", Message: fmt.Sprintf("$ref %q resolves only to itself (a chain of references with no schema)", ref), Loc: b.fs.locate(at), Error: true})
				} else {
					long = append(long, longChain{holder, target, Problem{Code: "ref-chain-too-long", Message: fmt.Sprintf("$ref %q starts a chain of more than %d references that lead only to other references; rampart follows at most %d", ref, maxRefHops, maxRefHops), Loc: b.fs.locate(at), Error: true}})
				}
			}
		})
	}
	targets := map[NodeRef]bool{}
	for _, c := range long {
		targets[c.target] = true
	}
	for _, c := range long {
		if !targets[c.holder] {
			problems = append(problems, c.problem)
		}
	}
	return append(problems, b.fs.idProblems()...)
}

// walkRefs calls fn for every {$ref: string} in a tree, skipping example
// values, which may legitimately contain a "$ref" key. Under a map of
// names (properties, responses, ...) a key is a name, not a keyword: the
// default response and a property called "enum" are walked.
func walkRefs(v any, ptr string, fn func(ptr, ref string)) {
	w := refWalker{base: ptr, fn: fn}
	w.walk(v, false)
}

// refWalker keeps the tokens of the node being walked and builds a
// pointer only for a $ref: building one per node costs memory quadratic in
// a path key's length (a path of thousands of templated segments is as
// long in every pointer below it).
type refWalker struct {
	base string
	toks []string
	fn   func(ptr, ref string)
}

func (w *refWalker) walk(v any, names bool) {
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["$ref"].(string); ok && !names {
			w.toks = append(w.toks, "$ref")
			w.fn(JoinPointer(w.base, w.toks...), r)
			w.toks = w.toks[:len(w.toks)-1]
		}
		for k, c := range x {
			if !names && isValueKeyword(k) {
				continue
			}
			w.toks = append(w.toks, k)
			w.walk(c, !names && nameMaps[k])
			w.toks = w.toks[:len(w.toks)-1]
		}
	case []any:
		for i, c := range x {
			w.toks = append(w.toks, strconv.Itoa(i))
			w.walk(c, false)
			w.toks = w.toks[:len(w.toks)-1]
		}
	}
}

// isValueKeyword reports keys whose values are data, not definition.
func isValueKeyword(k string) bool {
	switch k {
	case "example", "examples", "default", "enum", "const", "x-examples":
		return true
	}
	return false
}

// v2Style maps a Swagger 2.0 collectionFormat to a 3.x style and explode.
func v2Style(in, cf string) (string, bool) {
	base := "simple"
	if in == "query" || in == "formData" {
		base = "form"
	}
	switch cf {
	case "multi":
		return "form", true
	case "ssv":
		return "spaceDelimited", false
	case "pipes":
		return "pipeDelimited", false
	case "tsv":
		return "tabDelimited", false
	}
	return base, false
}

// v2SchemaFromItem builds a JSON schema from a Swagger 2.0 parameter or
// header (whose schema keywords sit on the object itself).
func v2SchemaFromItem(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		switch k {
		case "name", "in", "required", "description", "collectionFormat", "allowEmptyValue", "schema":
			continue
		case "items":
			if im := asMap(v); im != nil {
				if _, isRef := im["$ref"]; !isRef {
					out[k] = v2SchemaFromItem(im)
					continue
				}
			}
		case "type":
			if v == "file" {
				out["type"] = "string"
				out["format"] = "binary"
				continue
			}
		}
		out[k] = v
	}
	return out
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].Loc, ps[j].Loc
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return ps[i].Code < ps[j].Code
	})
}

var _ = json.Number("")

func sortStrings(s []string) { sort.Strings(s) }
