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
	"unicode/utf8"

	"github.com/rampart-sec/rampart/internal/params"
)

// Reasons for reading errors.
const (
	ReasonTooLarge            = "body-too-large"
	ReasonDecodedTooLarge     = "decoded-body-too-large"
	ReasonUnsupportedEncoding = "unsupported-content-encoding"
	ReasonBadEncoding         = "invalid-content-encoding"
	// ReasonMediaType is a part (or body) in a media type or charset the
	// firewall does not read the way the upstream would (answered 415).
	ReasonMediaType = "unsupported-media-type"
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
	Name     string
	FileName string
	// HasFileName: the disposition has a filename parameter, possibly
	// empty. Browsers send filename="" for a file input left empty;
	// parsers disagree on whether such a part is a file or a field.
	HasFileName bool
	ContentType string
	Data        []byte
}

// ParseMultipart reads the parts of a multipart/form-data body already held
// in memory (so its size was bounded when it was read), at most maxParts.
// Before any part is read, the body's framing is checked (checkFraming):
// delimiters that lenient parsers find where Go's reader does not, or the
// other way round, are refused, so every parser sees the same parts.
func ParseMultipart(data []byte, boundary string, maxParts int) ([]Part, error) {
	if boundary == "" {
		return nil, &Error{ReasonInvalidForm, "the multipart body has no boundary"}
	}
	if err := checkFraming(data, boundary); err != nil {
		return nil, err
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
		// the two would see different values. Two such fields (or two
		// Content-Type fields) are refused too: Go's reader takes the
		// first, others the last or a merge of both.
		if len(p.Header.Values("Content-Transfer-Encoding")) > 1 || len(p.Header.Values("Content-Type")) > 1 {
			return nil, &Error{ReasonInvalidForm, "a multipart part has several Content-Transfer-Encoding or Content-Type fields"}
		}
		switch strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))) {
		case "", "7bit", "8bit", "binary":
		default:
			return nil, &Error{ReasonInvalidForm, "a multipart part has a Content-Transfer-Encoding other than 7bit, 8bit or binary"}
		}
		ct := p.Header.Get("Content-Type")
		if err := partContentType(ct); err != nil {
			return nil, err
		}
		name, filename, hasFileName, derr := disposition(p.Header.Values("Content-Disposition"))
		if derr != nil {
			return nil, derr
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, &Error{ReasonInvalidForm, "the multipart body is malformed"}
		}
		if filename == "" && bytes.IndexByte(b, 0) >= 0 {
			// A field (not a file) is text: C-based parsers and
			// databases end it at NUL, as they would a query value.
			return nil, &Error{ReasonInvalidUTF8, "a multipart field value holds NUL"}
		}
		out = append(out, Part{Name: name, FileName: filename, HasFileName: hasFileName, ContentType: ct, Data: b})
	}
}

// partContentType refuses part media types read differently: a nested
// multipart/mixed (RFC 7578 §4.3 deprecates it; commons-fileupload
// expands its files into parts of their own, Go hands it over as one
// value), a malformed type, a charset
// other than UTF-8 (an upstream that transcodes reads other text than
// the one checked) and RFC 2231 extended parameters (charset*), which
// some parsers decode and others ignore.
func partContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, ps, err := mime.ParseMediaType(ct)
	if err != nil {
		return &Error{ReasonInvalidForm, "a multipart part's Content-Type is malformed"}
	}
	if strings.HasPrefix(mt, "multipart/") {
		return &Error{ReasonInvalidForm, "a multipart part holds a nested multipart body, which parsers expand differently"}
	}
	if ExtendedParam(ct) {
		return &Error{ReasonMediaType, "a multipart part's Content-Type has an extended (charset*) parameter, which parsers read differently"}
	}
	if !UTF8Charset(ps["charset"]) {
		return &Error{ReasonMediaType, "a multipart part's charset is not UTF-8"}
	}
	return nil
}

// UTF8Charset reports whether a charset parameter value ("" when absent)
// names text the firewall reads as the upstream does: UTF-8 or its
// subset US-ASCII.
func UTF8Charset(cs string) bool {
	switch strings.ToLower(cs) {
	case "", "utf-8", "utf8", "us-ascii":
		return true
	}
	return false
}

// checkFraming refuses a multipart body whose delimiters parsers frame
// differently. Every occurrence of "--boundary" must be a delimiter line
// at the start of the body or right after CRLF, followed only by
// transport padding (spaces, tabs) and CRLF, or "--" for the close
// delimiter; and nothing after the close delimiter may hold the boundary.
// Go's reader also takes a delimiter after a bare LF and skips a line
// with other characters after the boundary, while parsers that search
// for the boundary string instead of CRLF-framed delimiter lines find
// it elsewhere or ignore what follows it, and parsers that keep reading
// after the close delimiter find a part hidden in the epilogue: each
// would see other parts than the firewall. The part
// header blocks are checked too (checkHeaderBlock).
func checkFraming(data []byte, boundary string) error {
	dash := "--" + boundary
	closed := false
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte(dash))
		if i < 0 {
			return nil
		}
		i += off
		if closed {
			return &Error{ReasonInvalidForm, "the multipart body has data holding the boundary after its close delimiter"}
		}
		switch {
		case i == 0:
		case i >= 2 && data[i-2] == '\r' && data[i-1] == '\n':
		case data[i-1] == '\n':
			return &Error{ReasonInvalidForm, "a multipart delimiter follows a bare LF instead of CRLF"}
		default:
			return &Error{ReasonInvalidForm, "the multipart boundary appears inside a line (in the preamble or a part), where some parsers read a delimiter"}
		}
		j := i + len(dash)
		if bytes.HasPrefix(data[j:], []byte("--")) {
			closed = true
			j += 2
		}
		for j < len(data) && (data[j] == ' ' || data[j] == '\t') {
			j++
		}
		switch {
		case j == len(data) && closed:
			return nil
		case bytes.HasPrefix(data[j:], []byte("\r\n")):
			j += 2
		case j < len(data) && data[j] == '\n':
			return &Error{ReasonInvalidForm, "a multipart delimiter line ends with a bare LF instead of CRLF"}
		default:
			return &Error{ReasonInvalidForm, "a multipart delimiter line has characters after the boundary"}
		}
		if !closed {
			// The header block lies before the next occurrence of the
			// boundary: bounding it there keeps the work linear when
			// parts have no empty line.
			end := len(data)
			if k := bytes.Index(data[j:], []byte(dash)); k >= 0 {
				end = j + k
			}
			if err := checkHeaderBlock(data[j:end]); err != nil {
				return err
			}
		}
		off = j
	}
}

// checkHeaderBlock checks a part's header block, up to the empty line
// that ends it: lines must end with CRLF (Go's textproto takes a bare LF
// as a line end, so a header hidden after one is read by Go and not by
// parsers that split at CRLF, or the other way round), and no line may be
// folded (obs-fold), which some parsers join and others read as a field.
// A block without its empty line is left to the reader, which refuses it.
func checkHeaderBlock(b []byte) error {
	for start := 0; start < len(b); {
		n := bytes.IndexByte(b[start:], '\n')
		if n < 0 {
			return nil
		}
		line := b[start : start+n]
		if len(line) == 0 || line[len(line)-1] != '\r' {
			return &Error{ReasonInvalidForm, "a multipart part's header has a line ending with a bare LF instead of CRLF"}
		}
		line = line[:len(line)-1]
		if bytes.IndexByte(line, '\r') >= 0 {
			return &Error{ReasonInvalidForm, "a multipart part's header has a bare CR"}
		}
		if bytes.IndexByte(line, 0) >= 0 {
			// A name or filename with NUL: refused as NUL in values is.
			return &Error{ReasonInvalidUTF8, "a multipart part's header holds NUL"}
		}
		if len(line) == 0 {
			return nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			return &Error{ReasonInvalidForm, "a multipart part's header has a folded (continued) line, which parsers join differently"}
		}
		start += n + 1
	}
	return nil
}

// disposition reads a form-data part's field name and file name from its
// Content-Disposition fields, refusing what parsers read differently:
// net/http's own reader gives a part whose disposition does not parse
// (a duplicate name parameter, say) the name "", which the firewall would
// not check while an upstream reads one of the names; extended parameters
// (name*, filename*: RFC 5987 encoded values) are read by some parsers
// and ignored by others, and RFC 7578 §4.2 forbids them in form data.
func disposition(fields []string) (name, filename string, hasFileName bool, err error) {
	if len(fields) != 1 {
		return "", "", false, &Error{ReasonInvalidForm, "a multipart part must have exactly one Content-Disposition"}
	}
	disp, params, perr := mime.ParseMediaType(fields[0])
	if perr != nil || !strings.EqualFold(disp, "form-data") {
		return "", "", false, &Error{ReasonInvalidForm, "a multipart part's Content-Disposition is not a well-formed form-data disposition"}
	}
	if ExtendedParam(fields[0]) {
		return "", "", false, &Error{ReasonInvalidForm, "a multipart part's Content-Disposition has an extended (name*, filename*) parameter, which RFC 7578 forbids and parsers read differently"}
	}
	if strings.IndexByte(fields[0], '\\') >= 0 {
		// Go unescapes name="a\"b" to a"b; parsers that do not unescape
		// end the value at the escaped quote or keep the backslash, and
		// browsers have sent a Windows path's backslashes unescaped.
		// Each reads another name.
		return "", "", false, &Error{ReasonInvalidForm, "a multipart part's Content-Disposition has a backslash, which parsers unescape differently"}
	}
	name, ok := params["name"]
	if !ok || name == "" {
		return "", "", false, &Error{ReasonInvalidForm, "a multipart part has no field name"}
	}
	filename, hasFileName = params["filename"]
	for _, v := range [2]string{name, filename} {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return "", "", false, &Error{ReasonInvalidUTF8, "a multipart part's name or filename is not valid UTF-8 text or holds NUL"}
		}
		if strings.Contains(v, "=?") && strings.Contains(v, "?=") {
			// RFC 2047 encoded words: parsers built on mail libraries
			// may decode them, Go does not.
			return "", "", false, &Error{ReasonInvalidForm, "a multipart part's name or filename is an RFC 2047 encoded word, which some parsers decode and others do not"}
		}
	}
	return name, filename, hasFileName, nil
}

// ExtendedParam reports a '*' outside quoted strings of a header value: an
// RFC 2231 parameter (name*, filename*0..., charset*).
func ExtendedParam(v string) bool {
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

// Boundary reads the boundary of a multipart Content-Type value, refusing
// one that parsers would read differently or that RFC 2046 does not allow:
//   - the word "boundary" more than once (two parameters, or one hidden
//     in another parameter's quoted value, which a parser that searches
//     for "boundary=" finds first; Go refuses duplicates, others keep
//     the first or the last);
//   - an extended boundary* parameter (Go lets it override boundary,
//     most parsers ignore it);
//   - a value that is empty, longer than 70 characters, outside bchars,
//     or ending in a space;
//   - a value not written exactly as a token or a quoted string right
//     after "boundary=" (a backslash escape, a space before the value):
//     parsers unquote and trim differently.
//
// Such requests are answered 400 invalid-form, as a body without a
// boundary is: the content type is one the operation accepts, but its
// body cannot be framed the same way by every parser.
func Boundary(contentType string) (string, error) {
	_, ps, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", &Error{ReasonInvalidForm, "the multipart content type is malformed (a repeated or unparsable parameter)"}
	}
	if ExtendedParam(contentType) || strings.IndexByte(contentType, '\\') >= 0 {
		return "", &Error{ReasonInvalidForm, "the multipart content type's boundary is ambiguous (extended or escaped)"}
	}
	b, ok := ps["boundary"]
	if !ok || b == "" {
		return "", &Error{ReasonInvalidForm, "the multipart body has no boundary"}
	}
	if len(b) > 70 || b[len(b)-1] == ' ' || strings.Trim(b, bchars) != "" {
		return "", &Error{ReasonInvalidForm, "the multipart boundary is longer than 70 characters or has characters RFC 2046 does not allow"}
	}
	// The parameter as written: "boundary=" right after ';' or
	// whitespace, then the value as a token or a quoted string. With it
	// cut out, "boundary" must not appear again (the value itself may
	// hold the word, as browsers' ----WebKitFormBoundary... do).
	lower, lb := strings.ToLower(contentType), strings.ToLower(b)
	at, n := -1, 0
	for _, w := range [2]string{`boundary="` + lb + `"`, "boundary=" + lb} {
		if i := strings.Index(lower, w); i > 0 && strings.IndexByte("; \t", lower[i-1]) >= 0 {
			at, n = i, len(w)
			break
		}
	}
	if at < 0 || strings.Contains(lower[:at]+lower[at+n:], "boundary") {
		return "", &Error{ReasonInvalidForm, "the multipart boundary is repeated, hidden in another parameter, or not written as a plain token or quoted string right after boundary="}
	}
	return b, nil
}

// bchars are the characters of a multipart boundary (RFC 2046 §5.1.1).
const bchars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? "
