package body

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/rampart-sec/rampart/internal/firewall/params"
)

// Reasons for reading errors.
const (
	ReasonTooLarge            = "body-too-large"
	ReasonDecodedTooLarge     = "decoded-body-too-large"
	ReasonUnsupportedEncoding = "unsupported-content-encoding"
	ReasonBadEncoding         = "invalid-content-encoding"
)

// ReadLimited reads at most limit bytes of r. A longer body is an Error with
// ReasonTooLarge; the rest is not read.
func ReadLimited(r io.Reader, limit int64, buf *bytes.Buffer) ([]byte, error) {
	buf.Reset()
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	if n > limit {
		return nil, &Error{ReasonTooLarge, fmt.Sprintf("the body is larger than %d bytes", limit)}
	}
	return buf.Bytes(), nil
}

// KnownCoding reports whether Decompress undoes the content coding (given
// in lower case; "" is none), so that a request in any other coding can be
// refused from its head, before its body is read.
func KnownCoding(coding string) bool {
	switch coding {
	case "", "identity", "gzip", "x-gzip", "deflate":
		return true
	}
	return false
}

// Decompress decodes a body sent with Content-Encoding gzip, deflate (zlib
// or raw, as clients differ) or identity, refusing a decoded size over max
// so that a small compressed body cannot expand into gigabytes.
func Decompress(data []byte, encoding string, max int64) ([]byte, error) {
	enc := strings.ToLower(strings.TrimSpace(encoding))
	if enc == "" || enc == "identity" {
		return data, nil
	}
	var r io.Reader
	switch enc {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, &Error{ReasonBadEncoding, "the gzip body is corrupt"}
		}
		r = zr
	case "deflate":
		if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(data))
		}
	default:
		return nil, &Error{ReasonUnsupportedEncoding, "only gzip and deflate content encodings are accepted"}
	}
	var out bytes.Buffer
	n, err := out.ReadFrom(io.LimitReader(r, max+1))
	if n > max {
		return nil, &Error{ReasonDecodedTooLarge, fmt.Sprintf("the decoded body is larger than %d bytes", max)}
	}
	if err != nil {
		return nil, &Error{ReasonBadEncoding, "the compressed body is corrupt"}
	}
	return out.Bytes(), nil
}

// ParseForm parses an application/x-www-form-urlencoded body into ordered
// key/value pairs. Unlike url.ParseQuery it keeps repeated keys in order and
// rejects invalid escapes instead of skipping them; names and values must
// be UTF-8 text without NUL, and a literal ';' may not start another pair
// (params.ParseQuery).
func ParseForm(data string) ([][2]string, error) {
	// The form encoding is the query's: one parser for both, so a body
	// and a query string are read by the same rules.
	pairs, err := params.ParseQuery(data, math.MaxInt)
	switch {
	case errors.Is(err, params.ErrQueryText):
		return nil, &Error{ReasonInvalidUTF8, "the form body has a name or value that is not valid UTF-8 text or holds NUL"}
	case errors.Is(err, params.ErrQuerySemicolon):
		return nil, &Error{ReasonInvalidForm, "the form body has a literal ';' followed by name=, which some servers read as another field (send it encoded, as %3B)"}
	case err != nil:
		return nil, &Error{ReasonInvalidForm, "the form body has an invalid percent-escape"}
	}
	var out [][2]string
	for _, p := range pairs {
		out = append(out, [2]string{p.Key, p.Value})
	}
	return out, nil
}

// Part is one multipart/form-data part.
type Part struct {
	Name        string
	FileName    string
	ContentType string
	Data        []byte
}

// ParseMultipart reads the parts of a multipart/form-data body already held
// in memory (so its size was bounded when it was read), at most maxParts.
func ParseMultipart(data []byte, boundary string, maxParts int) ([]Part, error) {
	if boundary == "" {
		return nil, &Error{ReasonInvalidForm, "the multipart body has no boundary"}
	}
	mr := multipart.NewReader(bytes.NewReader(data), boundary)
	var out []Part
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			// The reader also reports a bare EOF when the body stops
			// inside a part's header, so a body cut short would pass as
			// complete; only a body with its close delimiter is.
			if !bytes.Contains(data, []byte("--"+boundary+"--")) {
				return nil, &Error{ReasonInvalidForm, "the multipart body has no closing boundary"}
			}
			return out, nil
		}
		if err != nil {
			return nil, &Error{ReasonInvalidForm, "the multipart body is malformed"}
		}
		if len(out) >= maxParts {
			return nil, &Error{ReasonTooManyValues, fmt.Sprintf("the multipart body has more than %d parts", maxParts)}
		}
		// RFC 7578 §4.7: Content-Transfer-Encoding is deprecated in
		// form data. A part the firewall would read as raw bytes but an
		// upstream might decode (base64, quoted-printable) is refused:
		// the two would see different values.
		switch strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))) {
		case "", "7bit", "8bit", "binary":
		default:
			return nil, &Error{ReasonInvalidForm, "a multipart part has a Content-Transfer-Encoding other than 7bit, 8bit or binary"}
		}
		name, filename, derr := disposition(p.Header.Values("Content-Disposition"))
		if derr != nil {
			return nil, derr
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, &Error{ReasonInvalidForm, "the multipart body is malformed"}
		}
		out = append(out, Part{Name: name, FileName: filename, ContentType: p.Header.Get("Content-Type"), Data: b})
	}
}

// disposition reads a form-data part's field name and file name from its
// Content-Disposition fields, refusing what parsers read differently:
// net/http's own reader gives a part whose disposition does not parse
// (a duplicate name parameter, say) the name "", which the firewall would
// not check while an upstream reads one of the names; extended parameters
// (name*, filename*: RFC 5987 encoded values) are read by some parsers
// and ignored by others, and RFC 7578 §4.2 forbids them in form data.
func disposition(fields []string) (name, filename string, err error) {
	if len(fields) != 1 {
		return "", "", &Error{ReasonInvalidForm, "a multipart part must have exactly one Content-Disposition"}
	}
	disp, params, perr := mime.ParseMediaType(fields[0])
	if perr != nil || !strings.EqualFold(disp, "form-data") {
		return "", "", &Error{ReasonInvalidForm, "a multipart part's Content-Disposition is not a well-formed form-data disposition"}
	}
	if extendedParam(fields[0]) {
		return "", "", &Error{ReasonInvalidForm, "a multipart part's Content-Disposition has an extended (name*, filename*) parameter, which RFC 7578 forbids and parsers read differently"}
	}
	name, ok := params["name"]
	if !ok || name == "" {
		return "", "", &Error{ReasonInvalidForm, "a multipart part has no field name"}
	}
	return name, params["filename"], nil
}

// extendedParam reports a '*' outside quoted strings: an RFC 2231
// parameter (name*, filename*0...).
func extendedParam(v string) bool {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == '*':
			return true
		}
	}
	return false
}
