package scan

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/spec"
)

func isMultipart(media string) bool {
	return essence(media) == "multipart/form-data"
}

func isXML(media string) bool {
	media = essence(media)
	return media == "application/xml" || media == "text/xml" || strings.HasSuffix(media, "+xml")
}

// encodeBody serialises the request body for its media type and returns
// the Content-Type header to send (with the boundary, for multipart).
func (e *engine) encodeBody(r *request) ([]byte, string, error) {
	var mt *spec.MediaType
	if rb := r.op.RequestBody; rb != nil {
		mt = rb.Content[r.media]
	}
	switch {
	case isForm(r.media):
		if text, ok := r.body.(string); ok {
			// A form whose schema is a string (spoonacular's
			// "text=..."): the value is the encoded body itself.
			return []byte(text), r.media, nil
		}
		b, err := formBody(r.body, mt)
		return b, r.media, err
	case isMultipart(r.media):
		return e.multipartBody(r.body, mt)
	case isXML(r.media):
		b, err := e.xmlBody(r.body, mt, r.op.OperationID)
		return b, r.media, err
	case isRaw(r.media):
		// Text or bytes as they are: a string schema's value is the
		// body itself, not a JSON string.
		if _, structured := r.body.(map[string]any); !structured {
			if _, list := r.body.([]any); !list {
				return []byte(serialize(r.body)), r.media, nil
			}
		}
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, "", fmt.Errorf("encoding body: %w", err)
		}
		return b, r.media, nil
	default:
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, "", fmt.Errorf("encoding body: %w", err)
		}
		return b, r.media, nil
	}
}

// formBody is an application/x-www-form-urlencoded body: each property
// serialised as formPairs says, in property order.
func formBody(v any, mt *spec.MediaType) ([]byte, error) {
	m, _ := v.(map[string]any)
	var pairs []string
	for _, k := range sortedKeys(m) {
		kv, err := formPairs(k, formEncoding(mt, k), m[k])
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, kv...)
	}
	return []byte(strings.Join(pairs, "&")), nil
}

func formEncoding(mt *spec.MediaType, prop string) spec.Encoding {
	if mt == nil {
		return spec.Encoding{}
	}
	return mt.Encoding[prop]
}

// styleParam is the query parameter a form property's encoding makes of
// it, when the encoding sets style or explode (OpenAPI: the query
// parameters' meaning and defaults, style form, explode true for form;
// contentType is then ignored), else nil.
func styleParam(name string, enc spec.Encoding) *spec.Parameter {
	if enc.Style == "" && enc.Explode == nil {
		return nil
	}
	p := &spec.Parameter{Name: name, In: "query", Style: enc.Style}
	if p.Style == "" {
		p.Style = "form"
	}
	p.Explode = p.Style == "form"
	if enc.Explode != nil {
		p.Explode = *enc.Explode
	}
	return p
}

// formJSON reports whether a form property without a style travels as
// JSON text: its encoding's contentType (the first of a list) is JSON, or
// it has none and the value is an object, whose default contentType is
// application/json.
func formJSON(enc spec.Encoding, v any) bool {
	if ct := strings.TrimSpace(strings.Split(enc.ContentType, ",")[0]); ct != "" {
		return isJSON(ct)
	}
	_, isObj := v.(map[string]any)
	return isObj
}

// formPairs renders one form body property as escaped name=value pairs:
// with a style or explode in its encoding, as a query parameter of that
// style (deepObject filter[kind]=x, form tags=a,b, pipeDelimited
// pipes=1|2, exploded ids=1&ids=2); otherwise as its contentType says,
// JSON text for JSON (objects by default), and as form does by default
// for the rest: arrays repeated fields, scalars text.
func formPairs(name string, enc spec.Encoding, v any) ([]string, error) {
	if p := styleParam(name, enc); p != nil {
		return queryPairs(p, v), nil
	}
	if formJSON(enc, v) {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("form field %s: %w", name, err)
		}
		return []string{queryEscape(name) + "=" + queryEscape(string(b))}, nil
	}
	return queryPairs(&spec.Parameter{Name: name, In: "query", Style: "form", Explode: true}, v), nil
}

// mediaNode resolves a media type's schema, when it has one.
func (e *engine) mediaNode(mt *spec.MediaType) (gen.Node, bool) {
	if mt == nil || mt.Schema == nil {
		return gen.Node{}, false
	}
	return e.gen.Resolve(mt.Schema.Ref, mt.Schema.Value)
}

// propNode resolves the schema of property name of an object schema.
func (e *engine) propNode(n gen.Node, keys ...string) (gen.Node, bool) {
	return e.propNodeAt(n, 0, keys...)
}

// maxMemberDepth bounds the allOf/anyOf/oneOf levels searched for a
// property (cyclic $refs included).
const maxMemberDepth = 8

func (e *engine) propNodeAt(n gen.Node, depth int, keys ...string) (gen.Node, bool) {
	if n.V == nil {
		return gen.Node{}, false
	}
	if at, raw, ok := n.Child(keys...); ok {
		return e.gen.Resolve(at, raw)
	}
	if len(keys) != 2 || keys[0] != "properties" || depth >= maxMemberDepth {
		return gen.Node{}, false
	}
	// A property an allOf (or anyOf/oneOf) member declares (PeerTube's
	// upload: allOf [$ref: VideoUploadRequestCommon, {videofile}]): the
	// object's schema is its members' together, as the firewall reads
	// it.
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := n.V[key].([]any)
		for i := range list {
			at, raw, _ := n.Child(key, strconv.Itoa(i))
			member, ok := e.gen.Resolve(at, raw)
			if !ok {
				continue
			}
			if p, ok := e.propNodeAt(member, depth+1, keys...); ok {
				return p, true
			}
		}
	}
	return gen.Node{}, false
}

// multipartBody writes one part per property, in the property's encoding
// (OpenAPI Encoding Object): contentType from the encoding, else the
// default for the property's schema; files (format binary or base64, a
// contentMediaType, or a non-text content type) get a file name; arrays
// become repeated parts of the same name.
func (e *engine) multipartBody(v any, mt *spec.MediaType) ([]byte, string, error) {
	m, ok := v.(map[string]any)
	root, _ := e.mediaNode(mt)
	var whole *gen.Node
	if !ok && v != nil {
		// A schema that is no object (Jira's {type: string, format:
		// binary}: "a file") names no parts: its value goes as a part
		// named "file" (repeated for an array), typed by that schema.
		m, whole = map[string]any{"file": v}, &root
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range keys {
		prop, _ := e.propNode(root, "properties", k)
		if whole != nil {
			prop = *whole
		}
		var enc spec.Encoding
		if mt != nil {
			enc = mt.Encoding[k]
		}
		if p := e.styledPart(k, enc, prop); p != nil && whole == nil {
			// One text part per pair of the style's serialisation.
			for _, kv := range splitPairs(queryPairs(p, m[k]), true) {
				h := textproto.MIMEHeader{}
				h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": kv[0]}))
				part, err := w.CreatePart(h)
				if err != nil {
					return nil, "", fmt.Errorf("multipart part %s: %w", k, err)
				}
				if _, err := part.Write([]byte(kv[1])); err != nil {
					return nil, "", fmt.Errorf("multipart part %s: %w", k, err)
				}
			}
			continue
		}
		values := []any{m[k]}
		item := prop
		if arr, isArr := m[k].([]any); isArr && gen.SchemaType(prop.V) == "array" {
			// Arrays are sent as repeated parts, each in the items' type.
			values = arr
			item, _ = e.propNode(prop, "items")
		}
		for _, x := range values {
			ctype := partType(enc.ContentType, item.V, x)
			h := textproto.MIMEHeader{}
			if isFilePart(item.V, ctype) {
				h.Set("Content-Disposition", multipart.FileContentDisposition(k, fileName(k, ctype)))
			} else {
				h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": k}))
			}
			if ctype != "text/plain" {
				h.Set("Content-Type", ctype)
			}
			var content []byte
			if isJSON(ctype) {
				b, err := json.Marshal(x)
				if err != nil {
					return nil, "", fmt.Errorf("multipart part %s: %w", k, err)
				}
				content = b
			} else {
				content = []byte(serialize(x))
			}
			p, err := w.CreatePart(h)
			if err != nil {
				return nil, "", fmt.Errorf("multipart part %s: %w", k, err)
			}
			if _, err := p.Write(content); err != nil {
				return nil, "", fmt.Errorf("multipart part %s: %w", k, err)
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("multipart body: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// styledPart is the query parameter a multipart property's encoding makes
// of it where the contract applies styles to multipart bodies (OpenAPI 3.1
// on: spec.Document.MultipartStyles) and the encoding sets style or
// explode: tags=a,b as one part, one part per item, filter[kind] parts.
// Nil otherwise, and for files, which are uploads whatever the encoding.
func (e *engine) styledPart(k string, enc spec.Encoding, prop gen.Node) *spec.Parameter {
	if !e.doc.MultipartStyles() {
		return nil
	}
	p := styleParam(k, enc)
	if p == nil {
		return nil
	}
	node := prop
	if gen.SchemaType(prop.V) == "array" {
		if item, ok := e.propNode(prop, "items"); ok {
			node = item
		}
	}
	if isFilePart(node.V, partType("", node.V, nil)) {
		return nil
	}
	return p
}

// partType is a part's content type: the encoding's (the first of a list;
// a wildcard is sent as application/octet-stream), else the schema's
// contentMediaType, else the default OpenAPI gives for the schema.
func partType(encoded string, s map[string]any, v any) string {
	if encoded != "" {
		first := strings.TrimSpace(strings.Split(encoded, ",")[0])
		if strings.Contains(first, "*") {
			return "application/octet-stream"
		}
		if mt, _, err := mime.ParseMediaType(first); err == nil {
			return mt
		}
	}
	if cm, ok := s["contentMediaType"].(string); ok && cm != "" {
		return cm
	}
	if f, _ := s["format"].(string); f == "binary" || f == "base64" {
		return "application/octet-stream"
	}
	if _, ok := s["contentEncoding"]; ok {
		return "application/octet-stream"
	}
	switch t := gen.SchemaType(s); {
	case t == "object" || t == "array":
		return "application/json"
	case t == "" && s == nil:
		// A property the schema does not describe: its value's kind decides.
		switch v.(type) {
		case map[string]any, []any:
			return "application/json"
		}
	}
	return "text/plain"
}

func isFilePart(s map[string]any, ctype string) bool {
	if f, _ := s["format"].(string); f == "binary" || f == "base64" {
		return true
	}
	if _, ok := s["contentMediaType"]; ok {
		return true
	}
	return ctype != "text/plain" && !isJSON(ctype)
}

// fileName names an uploaded part after its field, with an extension for
// its type, so servers that check extensions accept it.
func fileName(field, ctype string) string {
	ext := ".bin"
	if exts, err := mime.ExtensionsByType(ctype); err == nil && len(exts) > 0 {
		sort.Strings(exts)
		ext = exts[0]
	}
	return field + ext
}

// xmlBody writes the body as XML from its schema: the root element is
// named by the schema's xml.name, else its component name; properties are
// child elements (attributes when xml.attribute is set); arrays are
// repeated elements, inside a wrapper when xml.wrapped is set. The
// encoding/xml encoder escapes every name and text.
func (e *engine) xmlBody(v any, mt *spec.MediaType, operationID string) ([]byte, error) {
	root, _ := e.mediaNode(mt)
	name := xmlName(root.V, componentName(root.At.Pointer))
	if name == "" {
		// An unnamed object whose one, required property is an object
		// names the document by that property: definitions converted
		// from AWS's models write <CachePolicyConfig> bodies so. Else
		// the operation names it, as those models name their request
		// documents (<AssociateVPCWithHostedZoneRequest>).
		if key, ok := soleRequiredObject(root.V, v); ok {
			prop, _ := e.propNode(root, "properties", key)
			root, name, v = prop, xmlName(prop.V, key), v.(map[string]any)[key]
		} else if xmlNameToken.MatchString(operationID) {
			name = operationID + "Request"
		} else {
			return nil, errors.New("XML body: the schema has neither xml.name nor a component name to name the root element, and the operation no operationId")
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	if err := e.writeXML(enc, name, root, v, 0); err != nil {
		return nil, fmt.Errorf("XML body: %w", err)
	}
	if err := enc.Flush(); err != nil {
		return nil, fmt.Errorf("XML body: %w", err)
	}
	return buf.Bytes(), nil
}

// xmlNameToken matches the operationIds that can name an XML element.
var xmlNameToken = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// soleRequiredObject returns the name of the one property schema s
// declares, when it is required and v holds it as an object (and
// nothing else).
func soleRequiredObject(s map[string]any, v any) (string, bool) {
	props, _ := s["properties"].(map[string]any)
	obj, _ := v.(map[string]any)
	if len(props) != 1 || len(obj) != 1 {
		return "", false
	}
	required, _ := s["required"].([]any)
	for key := range props {
		_, isObj := obj[key].(map[string]any)
		for _, r := range required {
			if r == key && isObj {
				return key, true
			}
		}
	}
	return "", false
}

// componentName is the last segment of a pointer into the schema
// components, which is the element name OpenAPI gives a $ref'ed schema.
func componentName(ptr string) string {
	for _, p := range []string{"/components/schemas/", "/definitions/"} {
		if rest, ok := strings.CutPrefix(ptr, p); ok && !strings.Contains(rest, "/") {
			return spec.UnescapeToken(rest)
		}
	}
	return ""
}

func xmlObj(s map[string]any) map[string]any {
	m, _ := s["xml"].(map[string]any)
	return m
}

func xmlName(s map[string]any, def string) string {
	if n, ok := xmlObj(s)["name"].(string); ok && n != "" {
		return n
	}
	return def
}

func xmlElemName(s map[string]any, local string) xml.Name {
	n := xml.Name{Local: local}
	if ns, ok := xmlObj(s)["namespace"].(string); ok {
		n.Space = ns
	}
	return n
}

func (e *engine) writeXML(enc *xml.Encoder, name string, n gen.Node, v any, depth int) error {
	if depth > 16 {
		return errors.New("nested too deeply")
	}
	el := xml.StartElement{Name: xmlElemName(n.V, name)}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var children []string
		for _, k := range keys {
			p, _ := e.propNode(n, "properties", k)
			if a, _ := xmlObj(p.V)["attribute"].(bool); a {
				if _, isObj := x[k].(map[string]any); !isObj {
					el.Attr = append(el.Attr, xml.Attr{Name: xml.Name{Local: xmlName(p.V, k)}, Value: serialize(x[k])})
					continue
				}
			}
			children = append(children, k)
		}
		if err := enc.EncodeToken(el); err != nil {
			return err
		}
		for _, k := range children {
			p, _ := e.propNode(n, "properties", k)
			if err := e.writeXMLProp(enc, k, p, x[k], depth+1); err != nil {
				return err
			}
		}
		return enc.EncodeToken(el.End())
	case []any:
		// A top-level array: the root wraps its items.
		if err := enc.EncodeToken(el); err != nil {
			return err
		}
		item, _ := e.propNode(n, "items")
		for _, it := range x {
			if err := e.writeXML(enc, xmlName(item.V, name), item, it, depth+1); err != nil {
				return err
			}
		}
		return enc.EncodeToken(el.End())
	default:
		if err := enc.EncodeToken(el); err != nil {
			return err
		}
		if v != nil {
			if err := enc.EncodeToken(xml.CharData(serialize(v))); err != nil {
				return err
			}
		}
		return enc.EncodeToken(el.End())
	}
}

// writeXMLProp writes one property: arrays are repeated elements, named
// by the items' xml.name (else the property's), inside a wrapper element
// only when xml.wrapped is set.
func (e *engine) writeXMLProp(enc *xml.Encoder, key string, p gen.Node, v any, depth int) error {
	name := xmlName(p.V, key)
	arr, isArr := v.([]any)
	if !isArr {
		return e.writeXML(enc, name, p, v, depth)
	}
	item, _ := e.propNode(p, "items")
	itemName := xmlName(item.V, name)
	wrapped, _ := xmlObj(p.V)["wrapped"].(bool)
	var wrapper xml.StartElement
	if wrapped {
		wrapper = xml.StartElement{Name: xmlElemName(p.V, name)}
		if err := enc.EncodeToken(wrapper); err != nil {
			return err
		}
	}
	for _, it := range arr {
		if err := e.writeXML(enc, itemName, item, it, depth+1); err != nil {
			return err
		}
	}
	if wrapped {
		return enc.EncodeToken(wrapper.End())
	}
	return nil
}

// wireView is a body as the server reads it back: unchanged for JSON;
// for a form body, each property as its serialisation (formPairs) reads
// back, which readStyled tells (scalars typed by their schema, a property
// that sends no pair absent); for a multipart body, JSON parts keep their
// types, arrays are repeated parts and every other scalar travels as text
// converted by its property's declared type.
func (e *engine) wireView(media string, mt *spec.MediaType, v any) any {
	m, ok := v.(map[string]any)
	if isJSON(media) || !ok {
		return v
	}
	root, _ := e.mediaNode(mt)
	out := make(map[string]any, len(m))
	for k, x := range m {
		if isForm(media) {
			if back, present := e.readFormField(root, k, formEncoding(mt, k), x); present {
				out[k] = back
			}
			continue
		}
		prop, hasProp := e.propNode(root, "properties", k)
		if p := e.styledPart(k, formEncoding(mt, k), prop); p != nil {
			if back, present := readStyled(e.gen, p, fieldNode(e.gen, root, k), splitPairs(queryPairs(p, x), true)); present {
				out[k] = back
			}
			continue
		}
		if arr, isArr := x.([]any); isArr && len(arr) == 0 && gen.SchemaType(prop.V) == "array" {
			// Repeated parts: an empty array sends none, so the
			// property is absent, not too short.
			continue
		}
		if isMultipart(media) && isJSON(partType(mt.Encoding[k].ContentType, prop.V, x)) {
			out[k] = x
			continue
		}
		if arr, isArr := x.([]any); isArr && gen.SchemaType(prop.V) == "array" {
			item, hasItem := e.propNode(prop, "items")
			list := make([]any, len(arr))
			for i, it := range arr {
				list[i] = serialize(it)
				if hasItem {
					list[i] = coerceNode(e.gen, item, serialize(it))
				}
			}
			out[k] = list
			continue
		}
		out[k] = serialize(x)
		if hasProp {
			out[k] = coerceNode(e.gen, prop, serialize(x))
		}
	}
	return out
}

// readFormField is form property k, sent with value x, as the server
// reads it back; false when it sends nothing (an empty array).
func (e *engine) readFormField(root gen.Node, k string, enc spec.Encoding, x any) (any, bool) {
	node := fieldNode(e.gen, root, k)
	p := styleParam(k, enc)
	switch {
	case p != nil:
	case formJSON(enc, x) && gen.SchemaType(node.V) != "string":
		// Sent as JSON text, read as JSON: the types stay. (Under a
		// string schema the server reads the same text as a string.)
		return x, true
	case gen.SchemaType(node.V) == "object":
		// One field whose text is read as the object's JSON (a scalar
		// sent there is text, not an object whose key is the field).
		return coerceNode(e.gen, node, serialize(x)), true
	default:
		p = &spec.Parameter{Name: k, In: "query", Style: "form", Explode: true}
	}
	return readStyled(e.gen, p, node, splitPairs(queryPairs(p, x), true))
}
