// Package body decodes request and response bodies into the generic JSON
// values the compiled schemas validate (map[string]any, []any, string,
// json.Number, bool, nil), with limits applied while decoding so that a
// hostile body is refused before any validation work is spent on it.
package body

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/rampart-sec/rampart/internal/casefold"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Limits bound the work a JSON body can cause.
type Limits struct {
	// MaxDepth is the deepest nesting of objects and arrays (default 64).
	MaxDepth int
	// MaxElements is the total number of values (default 100000).
	MaxElements int
	// MaxNumberLen is the longest number literal, in characters (default
	// spec.MaxNumberLen, which says why).
	MaxNumberLen int
	// RefusePrototypeKeys refuses the object keys "__proto__", and
	// "prototype" directly inside "constructor": the keys through which a
	// JavaScript upstream that merges the body into an object (lodash
	// merge, Object.assign loops, Hoek) gets its prototypes polluted. Set
	// for request bodies.
	RefusePrototypeKeys bool
	// RefuseCaseVariantKeys refuses an object with two keys that differ
	// only in case ("role" and "Role"): Go's encoding/json, ASP.NET Core
	// and Jackson configured case-insensitive bind both to one field, the
	// last one usually winning, while the schema validated each as its
	// own property. Set for request bodies.
	RefuseCaseVariantKeys bool
	// RefuseNUL refuses strings and keys holding U+0000, as query, form
	// and cookie values are refused: valid JSON, but C libraries and
	// some databases end the string there (file.pdf\u0000.jpg), and
	// others fail on it. Set for request bodies.
	RefuseNUL bool
}

// Default limits.
const (
	DefaultMaxDepth     = 64
	DefaultMaxElements  = 100_000
	DefaultMaxNumberLen = spec.MaxNumberLen
)

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	if l.MaxNumberLen <= 0 {
		l.MaxNumberLen = DefaultMaxNumberLen
	}
	return l
}

// Error is a body that cannot be accepted. Reason is a stable code; Detail
// is safe to show to the client (it never contains body content).
type Error struct {
	Reason string
	Detail string
}

func (e *Error) Error() string { return e.Reason + ": " + e.Detail }

// Reason codes of body errors.
const (
	ReasonInvalidJSON   = "invalid-json"
	ReasonDuplicateKey  = "duplicate-key"
	ReasonInvalidUTF8   = "invalid-utf8"
	ReasonTooDeep       = "json-too-deep"
	ReasonTooManyValues = "json-too-many-elements"
	ReasonNumberTooLong = "json-number-too-long"
	ReasonInvalidForm   = "invalid-form"
	ReasonPrototypeKey  = "json-prototype-key"
)

// decoderPool reuses jsontext decoders and their buffers across requests;
// the decoder is the largest per-request allocation otherwise.
var decoderPool = sync.Pool{New: func() any {
	p := &pooled{}
	p.dec = jsontext.NewDecoder(&p.r)
	return p
}}

type pooled struct {
	dec *jsontext.Decoder
	r   bytes.Reader
	// keys interns object keys across the requests this decoder serves:
	// an API's bodies repeat the same few names, and a key found here
	// costs no allocation. Bounded, so bodies full of distinct keys only
	// stop it from growing.
	keys map[string]string
}

const (
	maxInternedKeys = 1024
	maxInternedLen  = 64
)

// intern returns raw (the bytes of an object key without escapes) as a
// string, shared with earlier occurrences.
func (p *pooled) intern(raw []byte) string {
	if k, ok := p.keys[string(raw)]; ok {
		return k
	}
	k := string(raw)
	if len(raw) <= maxInternedLen && len(p.keys) < maxInternedKeys {
		if p.keys == nil {
			p.keys = make(map[string]string, 64)
		}
		p.keys[k] = k
	}
	return k
}

// DecodeJSON parses data into a generic value. Duplicate object keys,
// invalid UTF-8 and trailing data are rejected (jsontext refuses duplicate
// names and invalid UTF-8 by default, which encoding/json silently accepts),
// as are documents deeper or larger than the limits. Numbers are kept as
// json.Number so no precision is lost before validation.
func DecodeJSON(data []byte, lim Limits) (any, error) {
	lim = lim.withDefaults()
	p := decoderPool.Get().(*pooled)
	p.r.Reset(data)
	p.dec.Reset(&p.r)
	defer func() {
		// Drop the reference to the body before pooling.
		p.r.Reset(nil)
		p.dec.Reset(&p.r)
		decoderPool.Put(p)
	}()
	// One copy of the document backs every string and number without
	// escapes: they are substrings of it, not an allocation each.
	b := builder{dec: p.dec, lim: lim, keys: p, src: string(data)}
	v, err := b.value(0, "")
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.ReadToken(); err != io.EOF {
		if err == nil {
			return nil, &Error{ReasonInvalidJSON, "unexpected data after the JSON value"}
		}
		return nil, mapErr(err)
	}
	return v, nil
}

type builder struct {
	dec   *jsontext.Decoder
	lim   Limits
	count int
	keys  *pooled
	src   string // the document, as the decoder's input offsets index it
}

// value reads one value; parent is the key it is the value of ("" in
// arrays and at the root).
func (b *builder) value(depth int, parent string) (any, error) {
	b.count++
	if b.count > b.lim.MaxElements {
		return nil, &Error{ReasonTooManyValues, fmt.Sprintf("the JSON document has more than %d values", b.lim.MaxElements)}
	}
	if k := b.dec.PeekKind(); k == '"' || k == '0' {
		return b.scalar()
	}
	tok, err := b.dec.ReadToken()
	if err != nil {
		return nil, mapErr(err)
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case '{':
		if depth+1 > b.lim.MaxDepth {
			return nil, &Error{ReasonTooDeep, fmt.Sprintf("the JSON document is nested deeper than %d levels", b.lim.MaxDepth)}
		}
		m := make(map[string]any, 8)
		var seen casefold.Set
		for b.dec.PeekKind() != '}' {
			k, err := b.key()
			if err != nil {
				return nil, err
			}
			if b.lim.RefuseNUL && strings.IndexByte(k, 0) >= 0 {
				return nil, &Error{ReasonInvalidUTF8, "a JSON object key holds NUL (\\u0000)"}
			}
			if b.lim.RefuseCaseVariantKeys {
				if _, variant := seen.Variant(k); variant {
					return nil, &Error{ReasonDuplicateKey, fmt.Sprintf("two object keys differ only in case (%q and another): case-insensitive binders read them as one", k)}
				}
			}
			if b.lim.RefusePrototypeKeys && (k == "__proto__" || (k == "prototype" && parent == "constructor")) {
				return nil, &Error{ReasonPrototypeKey, fmt.Sprintf("the object key %q reaches JavaScript prototypes", k)}
			}
			v, err := b.value(depth+1, k)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		if _, err := b.dec.ReadToken(); err != nil {
			return nil, mapErr(err)
		}
		return m, nil
	case '[':
		if depth+1 > b.lim.MaxDepth {
			return nil, &Error{ReasonTooDeep, fmt.Sprintf("the JSON document is nested deeper than %d levels", b.lim.MaxDepth)}
		}
		a := make([]any, 0, 4)
		for b.dec.PeekKind() != ']' {
			v, err := b.value(depth+1, "")
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := b.dec.ReadToken(); err != nil {
			return nil, mapErr(err)
		}
		return a, nil
	}
	return nil, &Error{ReasonInvalidJSON, "unexpected JSON token"}
}

// scalar reads a string or a number. jsontext has checked it (syntax,
// UTF-8) while reading it; without escape sequences it is taken from the
// document as a substring.
func (b *builder) scalar() (any, error) {
	raw, err := b.dec.ReadValue()
	if err != nil {
		return nil, mapErr(err)
	}
	end := int(b.dec.InputOffset())
	start := end - len(raw)
	if raw[0] != '"' {
		if len(raw) > b.lim.MaxNumberLen {
			return nil, &Error{ReasonNumberTooLong, fmt.Sprintf("a JSON number is longer than %d characters", b.lim.MaxNumberLen)}
		}
		return json.Number(b.src[start:end]), nil
	}
	var str string
	if bytes.IndexByte(raw, '\\') < 0 {
		str = b.src[start+1 : end-1]
	} else {
		u, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			return nil, mapErr(err)
		}
		str = string(u)
	}
	if b.lim.RefuseNUL && strings.IndexByte(str, 0) >= 0 {
		return nil, &Error{ReasonInvalidUTF8, "a JSON string holds NUL (\\u0000)"}
	}
	return str, nil
}

// key reads an object key. A key without escape sequences is taken from
// the raw bytes and interned; jsontext has already checked it (UTF-8,
// duplicates) while reading it.
func (b *builder) key() (string, error) {
	raw, err := b.dec.ReadValue()
	if err != nil {
		return "", mapErr(err)
	}
	if len(raw) >= 2 && raw[0] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return b.keys.intern(raw[1 : len(raw)-1]), nil
	}
	k, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return "", mapErr(err)
	}
	return string(k), nil
}

// mapErr turns a jsontext error into a safe Error: the offset is kept, the
// offending bytes are not.
func mapErr(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{ReasonInvalidJSON, "the JSON document is truncated or empty"}
	}
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		switch {
		case errors.Is(se.Err, jsontext.ErrDuplicateName):
			return &Error{ReasonDuplicateKey, fmt.Sprintf("duplicate object key at %s", safePointer(string(se.JSONPointer)))}
		case se.Err != nil && strings.Contains(se.Err.Error(), "invalid UTF-8"):
			return &Error{ReasonInvalidUTF8, fmt.Sprintf("invalid UTF-8 at byte offset %d", se.ByteOffset)}
		}
		return &Error{ReasonInvalidJSON, fmt.Sprintf("malformed JSON at byte offset %d", se.ByteOffset)}
	}
	return &Error{ReasonInvalidJSON, "malformed JSON"}
}

// safePointer bounds a JSON pointer built from client-chosen keys before it
// goes into a message; JSON encoding of the problem escapes the rest.
func safePointer(p string) string {
	if p == "" {
		return "the document root"
	}
	if len(p) > 80 {
		p = p[:80] + "..."
	}
	return fmt.Sprintf("%q", p)
}
