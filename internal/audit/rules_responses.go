package audit

import (
	"fmt"
	"strings"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
)

// checkOperations runs the per-operation rules: responses, parameters,
// path templates and identifiers. Webhooks are requests the API sends, so
// response and authentication expectations do not apply to them.
func (r *run) checkOperations() {
	opIDs := map[string]*spec.Operation{}
	for _, op := range r.doc.Operations {
		if r.ctx.Err() != nil {
			return
		}
		r.checkResponses(op)
		r.checkParameters(op)
		r.checkRequestExampleURLs(op)
		if op.OperationID != "" {
			if first, dup := opIDs[op.OperationID]; dup {
				r.add("struct-duplicate-operation-id", ref(op.Ref.File, op.Ref.Pointer, "operationId"), dirNone,
					fmt.Sprintf("operationId %q of %s is also used by %s.", op.OperationID, op.Key(), first.Key()), []string{op.Key(), first.Key()})
			} else {
				opIDs[op.OperationID] = op
			}
		}
	}
	r.checkAdminPaths()
	r.checkPathOverlaps()
}

func hasCode(op *spec.Operation, codes ...string) bool {
	for _, resp := range op.Responses {
		for _, c := range codes {
			if strings.EqualFold(resp.Code, c) {
				return true
			}
		}
	}
	return false
}

func (r *run) checkResponses(op *spec.Operation) {
	doc := r.doc
	key := []string{op.Key()}
	respAt := ref(op.Ref.File, op.Ref.Pointer, "responses")
	legacy := doc.Family == spec.Swagger20
	addResp := func(id, code, msg string, body map[string]any) {
		r.add(id, respAt, dirNone, msg, key, addResponsePatch(doc, op, code, body))
	}
	success := false
	for _, resp := range op.Responses {
		c := strings.ToUpper(resp.Code)
		if c != "" && (c[0] == '2' || c[0] == '3') {
			success = true
		}
	}
	if !success {
		r.add("resp-no-success", respAt, dirNone, fmt.Sprintf("%s declares no 2xx response.", op.Key()), key)
	}
	if (len(op.Parameters) > 0 || op.RequestBody != nil) && !hasCode(op, "400", "4XX") {
		addResp("resp-missing-400", "400", fmt.Sprintf("%s takes input but declares no 400 response.", op.Key()), map[string]any{"description": "Invalid request"})
	}
	if op.IsSecured() {
		if !hasCode(op, "401", "4XX") {
			addResp("resp-missing-401", "401", fmt.Sprintf("%s is secured but declares no 401 response.", op.Key()), map[string]any{"description": "Missing or invalid credentials"})
		}
		if !hasCode(op, "403", "4XX") {
			addResp("resp-missing-403", "403", fmt.Sprintf("%s is secured but declares no 403 response.", op.Key()), map[string]any{"description": "Not allowed"})
		}
	}
	hasPathParam := false
	for _, p := range op.Parameters {
		if p.In == "path" {
			hasPathParam = true
		}
	}
	if hasPathParam && !hasCode(op, "404", "4XX") {
		addResp("resp-missing-404", "404", fmt.Sprintf("%s has a path parameter but declares no 404 response.", op.Key()), map[string]any{"description": "Not found"})
	}
	retry := retryAfterHeader(doc)
	// sec-credential-unlimited (checkSecurity runs first) already asks an
	// anonymous credential operation for this 429, with the same patch.
	if c := r.credentials[op]; !hasCode(op, "429", "4XX") && (c == nil || !c.reported) {
		addResp("resp-missing-429", "429", fmt.Sprintf("%s declares no 429 (rate limit) response.", op.Key()), tooManyRequests(doc))
	}
	if !hasCode(op, "default", "500", "5XX") {
		addResp("resp-missing-default", "default", fmt.Sprintf("%s declares neither a default nor a 500 response.", op.Key()), map[string]any{"description": "Unexpected error"})
	}
	for _, resp := range op.Responses {
		c := strings.ToUpper(resp.Code)
		if c == "429" {
			ok := false
			for h := range resp.Headers {
				switch strings.ToLower(h) {
				case "retry-after", "ratelimit", "ratelimit-reset", "ratelimit-policy", "x-ratelimit-reset", "x-rate-limit-reset":
					ok = true
				}
			}
			if !ok {
				p := r.add("resp-429-no-retry-after", resp.Ref, dirNone, fmt.Sprintf("The 429 response of %s has no Retry-After or RateLimit header.", op.Key()), key)
				if p != nil && resp.Ref.File == doc.RootFile() && len(resp.Headers) == 0 {
					p.patch = []report.PatchOp{{Op: "add", Path: spec.JoinPointer(resp.Ref.Pointer, "headers"), Value: map[string]any{"Retry-After": retry}}}
				}
			}
		}
		for _, hn := range sortedKeys(resp.Headers) {
			h := resp.Headers[hn]
			if h.Schema == nil {
				r.add("resp-header-no-schema", h.Ref, dirNone, fmt.Sprintf("Header %s of response %s has no schema.", h.Name, resp.Code), key, boundedStringPatch(doc, h.Ref, "schema")...)
			}
		}
		needsBody := c != "" && c[0] == '2' && c != "204" && c != "205" && op.Method != "HEAD"
		if needsBody {
			if len(resp.Content) == 0 {
				what := "no content"
				if legacy {
					what = "no schema"
				}
				r.add("resp-no-schema", resp.Ref, dirNone, fmt.Sprintf("Response %s of %s has %s.", resp.Code, op.Key(), what), key)
			}
			for _, name := range sortedKeys(resp.Content) {
				mt := resp.Content[name]
				if mt.Schema == nil {
					r.add("resp-no-schema", mt.Ref, dirNone, fmt.Sprintf("Response %s of %s declares %s without a schema.", resp.Code, op.Key(), name), key)
				}
			}
		}
		for _, name := range sortedKeys(resp.Content) {
			if strings.Contains(name, "*") {
				at, patch := r.mediaAt(op, "produces", resp.Content, name)
				r.add("data-media-wildcard", at, dirResponse, fmt.Sprintf("Response %s of %s uses the media type %s.", resp.Code, op.Key(), name), key, patch...)
			}
		}
	}
	if op.RequestBody != nil {
		for _, name := range sortedKeys(op.RequestBody.Content) {
			if strings.Contains(name, "*") {
				at, patch := r.mediaAt(op, "consumes", op.RequestBody.Content, name)
				r.add("data-media-wildcard", at, dirRequest, fmt.Sprintf("The request body of %s accepts the media type %s.", op.Key(), name), key, patch...)
			}
		}
	}
}

// addResponsePatch adds a response to an operation. OpenAPI 3.1 makes
// responses optional: without the object, the patch adds it holding the
// response.
func addResponsePatch(doc *spec.Document, op *spec.Operation, code string, body map[string]any) report.PatchOp {
	respAt := spec.JoinPointer(op.Ref.Pointer, "responses")
	opv, _ := doc.Value(op.Ref)
	if _, ok := asMap(opv)["responses"]; !ok {
		return report.PatchOp{Op: "add", Path: respAt, Value: map[string]any{code: body}}
	}
	return report.PatchOp{Op: "add", Path: spec.JoinPointer(respAt, code), Value: body}
}

// tooManyRequests is the 429 response the patches add, with the
// Retry-After header that tells clients when to come back.
func tooManyRequests(doc *spec.Document) map[string]any {
	return map[string]any{"description": "Too many requests", "headers": map[string]any{"Retry-After": retryAfterHeader(doc)}}
}

// retryAfterHeader declares Retry-After in seconds: a schema in 3.x, the
// header object's own keywords in Swagger 2.0.
func retryAfterHeader(doc *spec.Document) map[string]any {
	if doc.Family == spec.Swagger20 {
		return map[string]any{"description": "Seconds to wait before retrying", "type": "integer", "minimum": 0, "maximum": 86400}
	}
	return map[string]any{"description": "Seconds to wait before retrying", "schema": map[string]any{"type": "integer", "minimum": 0, "maximum": 86400}}
}

// mediaAt is where media type name of a content map is written, and the
// patch that makes it concrete. In 3.x that is the content map's entry. A
// Swagger 2.0 content map is spread from the operation's consumes or
// produces list (list), or the definition's when the operation has none:
// the entry of that list is what to fix, once for every operation it
// applies to.
func (r *run) mediaAt(op *spec.Operation, list string, content map[string]*spec.MediaType, name string) (spec.NodeRef, []report.PatchOp) {
	at := content[name].Ref
	if r.doc.Family != spec.Swagger20 {
		return at, concreteMedia(content, at, name)
	}
	where := ref(op.Ref.File, op.Ref.Pointer, list)
	v, ok := r.doc.Value(where)
	if !ok {
		where = spec.NodeRef{File: r.doc.RootFile(), Pointer: "/" + list}
		if v, ok = r.doc.Value(where); !ok {
			return at, nil
		}
	}
	entries := asSlice(v)
	for i, e := range entries {
		if asString(e) != name {
			continue
		}
		eat := ref(where.File, where.Pointer, itoa(i))
		for _, o := range entries {
			if asString(o) == "application/json" {
				return eat, []report.PatchOp{{Op: "remove", Path: eat.Pointer}}
			}
		}
		return eat, []report.PatchOp{{Op: "replace", Path: eat.Pointer, Value: "application/json"}}
	}
	return at, nil
}

// concreteMedia renames a wildcard media type to application/json when the
// content map does not have that one already (3.x content maps only: in
// Swagger 2.0 the media type entries are synthesised from produces and
// consumes).
func concreteMedia(content map[string]*spec.MediaType, at spec.NodeRef, name string) []report.PatchOp {
	if _, has := content["application/json"]; has || !strings.HasSuffix(at.Pointer, spec.JoinPointer("", name)) {
		return nil
	}
	to := strings.TrimSuffix(at.Pointer, spec.JoinPointer("", name)) + spec.JoinPointer("", "application/json")
	return []report.PatchOp{{Op: "move", From: at.Pointer, Path: to}}
}
