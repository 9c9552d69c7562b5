package spec

import (
	"strings"
)

// Swagger 2.0 normalisation: host/basePath/schemes become servers,
// securityDefinitions become security schemes in the 3.x vocabulary, body and
// formData parameters become a request body, and response schemas are
// spread over the produced media types.

var v2FlowNames = map[string]string{
	"implicit":    "implicit",
	"password":    "password",
	"application": "clientCredentials",
	"accessCode":  "authorizationCode",
}

func (b *builder) buildV2Globals(top map[string]any) {
	d := b.doc
	rootFile := b.fs.rootKey
	host := asString(top["host"])
	basePath := asString(top["basePath"])
	schemes := asSlice(top["schemes"])
	ref := NodeRef{File: rootFile, Pointer: "/host"}
	if _, ok := top["schemes"]; ok {
		ref = NodeRef{File: rootFile, Pointer: "/schemes"}
	}
	if host != "" || basePath != "" {
		if len(schemes) == 0 {
			// No schemes: clients use the scheme the definition was served
			// with. Model it as scheme-relative so the audit can flag it.
			d.Servers = append(d.Servers, Server{URL: joinHost("", host, basePath), Ref: ref})
		}
		for _, s := range schemes {
			d.Servers = append(d.Servers, Server{URL: joinHost(scalarString(s), host, basePath), Ref: ref})
		}
	}
	defs := asMap(top["securityDefinitions"])
	for _, name := range sortedKeys(defs) {
		at := NodeRef{File: rootFile, Pointer: JoinPointer("/securityDefinitions", name)}
		at, v, ok := b.deref(at, defs[name])
		m := asMap(v)
		if !ok || m == nil {
			continue
		}
		s := &SecurityScheme{
			Name:       name,
			Type:       asString(m["type"]),
			In:         asString(m["in"]),
			ParamName:  asString(m["name"]),
			Extensions: extensions(m),
			Ref:        at,
		}
		switch s.Type {
		case "basic":
			s.Type, s.Scheme = "http", "basic"
		case "oauth2":
			flow := v2FlowNames[asString(m["flow"])]
			if flow != "" {
				s.Flows = map[string]*OAuthFlow{flow: flowFrom(m, at)}
			}
		}
		d.SecuritySchemes[name] = s
	}
}

func joinHost(scheme, host, basePath string) string {
	u := host + basePath
	if scheme == "" {
		if host == "" {
			return basePath
		}
		return "//" + u
	}
	return scheme + "://" + u
}

func (b *builder) operationV2(op *Operation, om map[string]any, params paramList, top map[string]any) {
	op.Parameters = params.regular
	consumes := mediaList(om["consumes"], top["consumes"], "application/json")
	produces := mediaList(om["produces"], top["produces"], "application/json")
	if _, ok := om["schemes"]; ok {
		var servers []Server
		for _, s := range asSlice(om["schemes"]) {
			servers = append(servers, Server{URL: joinHost(scalarString(s), asString(top["host"]), asString(top["basePath"])), Ref: NodeRef{File: op.Ref.File, Pointer: JoinPointer(op.Ref.Pointer, "schemes")}})
		}
		op.Servers = servers
	}
	switch {
	case params.body != nil:
		rb := &RequestBody{Required: asBool(params.body.m["required"]), Content: map[string]*MediaType{}, Ref: params.body.at}
		var schema *Schema
		if s, ok := params.body.m["schema"]; ok {
			schema = &Schema{Ref: NodeRef{File: params.body.at.File, Pointer: JoinPointer(params.body.at.Pointer, "schema")}, Value: s}
		}
		for _, mt := range consumes {
			rb.Content[mt] = &MediaType{Name: mt, Schema: schema, Ref: params.body.at}
		}
		op.RequestBody = rb
	case len(params.form) > 0:
		props := map[string]any{}
		var required []any
		hasFile := false
		for _, f := range params.form {
			name := asString(f.m["name"])
			props[name] = v2SchemaFromItem(f.m)
			if asBool(f.m["required"]) {
				required = append(required, name)
			}
			if asString(f.m["type"]) == "file" {
				hasFile = true
			}
		}
		obj := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			obj["required"] = required
		}
		rb := &RequestBody{Content: map[string]*MediaType{}, Ref: params.form[0].at}
		for _, f := range params.form {
			if asBool(f.m["required"]) {
				rb.Required = true
			}
		}
		var forms []string
		for _, mt := range consumes {
			if strings.HasPrefix(mt, "multipart/form-data") || strings.HasPrefix(mt, "application/x-www-form-urlencoded") {
				forms = append(forms, mt)
			}
		}
		if len(forms) == 0 {
			forms = []string{"application/x-www-form-urlencoded"}
			if hasFile {
				forms = []string{"multipart/form-data"}
			}
		}
		schema := b.synthetic(obj, params.form[0].at)
		for _, mt := range forms {
			rb.Content[mt] = &MediaType{Name: mt, Schema: schema, Ref: params.form[0].at}
		}
		op.RequestBody = rb
	}
	op.Responses = b.responses(om["responses"], NodeRef{File: op.Ref.File, Pointer: JoinPointer(op.Ref.Pointer, "responses")})
	// Spread each response schema over the produced media types.
	rm := asMap(om["responses"])
	for _, r := range op.Responses {
		_, rv, ok := b.deref(r.Ref, rm[r.Code])
		if !ok {
			continue
		}
		m := asMap(rv)
		s, has := m["schema"]
		if !has {
			continue
		}
		schema := &Schema{Ref: NodeRef{File: r.Ref.File, Pointer: JoinPointer(r.Ref.Pointer, "schema")}, Value: s}
		r.Content = map[string]*MediaType{}
		for _, mt := range produces {
			r.Content[mt] = &MediaType{Name: mt, Schema: schema, Ref: r.Ref}
		}
	}
}

func mediaList(own, global any, def string) []string {
	var out []string
	src := own
	if src == nil {
		src = global
	}
	for _, v := range asSlice(src) {
		if s := asString(v); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = []string{def}
	}
	return out
}
