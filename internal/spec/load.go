package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
)

// Options bound the loader's work and choose shared policies.
type Options struct {
	// MaxFileSize is the largest file read, root or referenced (default 64 MiB).
	MaxFileSize int64
	// MaxDepth is the deepest nesting accepted in any file (default 512).
	MaxDepth int
	// AllowRemoteRefs lets $refs to http(s) URLs be fetched.
	AllowRemoteRefs bool
	// RefRoot is the directory local file $refs must stay in (--ref-root).
	// Empty means the top of the repository holding the definition, or
	// outside a repository the definition's directory (refroot.go): a $ref
	// is text a pull request can change, and must not read the runner's
	// files into a report.
	RefRoot string
	// OpenObjects turns the strict-objects policy off: an object schema
	// without additionalProperties then accepts undeclared properties, as
	// JSON Schema itself says. By default such objects are closed, which is
	// what a positive security model expects. See compile.go.
	OpenObjects bool
	// Stdin is read when the path is "-" (defaults to os.Stdin).
	Stdin io.Reader
	// Logger receives libopenapi's diagnostics (default: discarded).
	Logger *slog.Logger
}

const (
	DefaultMaxFileSize = 64 << 20
	DefaultMaxDepth    = 512
)

func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// LoadError is input that cannot be read or is not an OpenAPI definition at
// all. Its Error is one line: "file:line: message".
type LoadError struct {
	File string
	Line int
	Msg  string
}

func (e *LoadError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Load reads and models the definition at path ("-" reads standard input).
func Load(ctx context.Context, path string, opts Options) (*Document, error) {
	opts = opts.withDefaults()
	var data []byte
	var err error
	var key string
	if path == "-" {
		data, err = readAllLimited(opts.Stdin, opts.MaxFileSize, "standard input")
		key = stdinKey
	} else {
		data, err = readLimited(path, opts.MaxFileSize)
		if err == nil {
			key, err = filepath.Abs(path)
		}
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, &LoadError{File: path, Msg: "cannot read: " + pe.Err.Error()}
		}
		return nil, &LoadError{File: path, Msg: err.Error()}
	}
	return LoadBytes(ctx, data, path, key, opts)
}

// LoadBytes models a definition already in memory. display names the file in
// messages; key is its absolute path (relative $refs resolve against it).
func LoadBytes(ctx context.Context, data []byte, display, key string, opts Options) (*Document, error) {
	opts = opts.withDefaults()
	if key == "" {
		key = stdinKey
	}
	if display == "-" {
		display = stdinKey
	}
	data = stripBOM(data)
	if int64(len(data)) > opts.MaxFileSize {
		return nil, &LoadError{File: display, Msg: fmt.Sprintf("file is %d bytes, over the %d-byte limit", len(data), opts.MaxFileSize)}
	}
	// Found before anything reads a referenced file: both our loader and
	// libopenapi read them only inside it.
	refDir, err := newRefRoot(opts.RefRoot, key)
	if err != nil {
		return nil, &LoadError{File: display, Msg: err.Error()}
	}
	// libopenapi builds its index and model over the same bytes: it
	// resolves every reference (local and file), detects circular
	// references, and reports structural errors that our walk does not
	// look for. Usually it runs in parallel with our own walk. For very
	// large JSON it runs first, once the streaming checks have passed, so
	// its model is garbage before our trees are built: the two together
	// were most of the peak memory of a 47 MB definition.
	// A definition that may have callbacks waits for our own parse:
	// whether its callbacks loop or branch past what libopenapi can build
	// is read from the tree (callbackCycle).
	var libProblems <-chan []Problem
	if len(data) >= sequentialLibopenapiBytes && looksLikeJSON(data) && !mayHaveCallbacks(data) &&
		checkText(data) == nil && checkJSON(data, opts.MaxDepth) == nil {
		var ch <-chan []Problem
		if refs, ok := jsonRefs(data); ok && !refCycle(refs, key) {
			ch = startLibopenapi(data, key, display, refDir, opts)
		} else {
			ch = skippedLibopenapi()
		}
		ps, err := awaitLibopenapi(ctx, ch, len(data), display)
		if err != nil {
			return nil, err
		}
		done := make(chan []Problem, 1)
		done <- ps
		libProblems = done
	}
	root, tree, err := parseDocument(data, display, opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	top, ok := tree.(map[string]any)
	if !ok {
		return nil, &LoadError{File: display, Line: 1, Msg: fmt.Sprintf("not an OpenAPI definition: the top level is %s, not a mapping", kindName(tree))}
	}
	version, family, verr := detectVersion(top)
	if verr != nil {
		line := 1
		if _, ok := top["openapi"]; ok {
			line, _ = locate(root, "/openapi", nil)
		} else if _, ok := top["swagger"]; ok {
			line, _ = locate(root, "/swagger", nil)
		}
		return nil, &LoadError{File: display, Line: line, Msg: verr.Error()}
	}

	fs := &fileSet{files: map[string]*file{}, rootKey: key, opts: opts, failed: map[string]error{},
		schemaIDs: family == OpenAPI31 || family == OpenAPI32, root: refDir}
	fs.add(&file{key: key, display: display, root: root, tree: tree, src: data, laterDocLine: laterDocumentLine(data)})
	if libProblems == nil {
		// Our parser has checked the limits: libopenapi may read the bytes,
		// unless a loop of local $refs would overflow its stack (the loop
		// is reported as circular-ref by checkAllRefs).
		refs := treeRefs(tree)
		if refCycle(refs, key) || fs.unreadableReachable(key, refs) || fs.callbackCycle(top) {
			// Also when a file the document reaches, directly or through
			// other files, is over the size limit or not a regular file:
			// our own loader refuses it with a problem, and libopenapi
			// must not read it regardless (a FIFO or a device would block
			// its read for ever). Also when a path item is its own
			// callback (callbackCycle).
			libProblems = skippedLibopenapi()
		} else {
			libProblems = startLibopenapi(data, key, display, refDir, opts)
		}
	}
	doc := &Document{Path: display, Version: version, Family: family, files: fs, options: opts}

	b := &builder{doc: doc, fs: fs, seenRefs: map[string]bool{}}
	b.build(top)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// checkAllRefs reads every file the $refs reach: the structure check
	// then looks into them (validateStructure).
	doc.Problems = append(doc.Problems, b.checkAllRefs()...)
	// After checkAllRefs, which has read every file the definition reaches.
	doc.Problems = append(doc.Problems, fs.laterDocumentProblems()...)
	doc.Problems = append(doc.Problems, b.problems...)
	doc.Problems = append(doc.Problems, validateStructure(doc, top, family)...)
	ps, err := awaitLibopenapi(ctx, libProblems, len(data), display)
	if err != nil {
		return nil, err
	}
	doc.Problems = append(doc.Problems, placeLibopenapi(ps, doc.Problems, display, bytes.Count(data, []byte("\n"))+1, len(fs.order) > 1)...)
	sortProblems(doc.Problems)
	return doc, nil
}

// placeLibopenapi corrects where libopenapi's problems are said to be.
// libopenapi gives a line but not the file, and the loader can only put
// them on the root file; in a definition of several files the line may
// be another file's. A problem at a line where our own checks found an
// error in another file (and none in the root) is that error again, said
// less precisely, and is dropped; one at a line the root file does not
// have is kept without a line, saying which line of which files.
func placeLibopenapi(ps, own []Problem, root string, rootLines int, multiFile bool) []Problem {
	if !multiFile {
		return sameLineDropped(ps, own, root)
	}
	inRoot, elsewhere := map[int]bool{}, map[int]bool{}
	for _, p := range own {
		if p.Error && p.Loc.Line > 0 {
			if p.Loc.File == root {
				inRoot[p.Loc.Line] = true
			} else {
				elsewhere[p.Loc.Line] = true
			}
		}
	}
	out := make([]Problem, 0, len(ps))
	for _, p := range ps {
		line := p.Loc.Line
		switch {
		case line == 0 || inRoot[line]:
		case elsewhere[line]:
			continue
		case line > rootLines:
			p.Loc.Line = 0
			p.Message += fmt.Sprintf(" (line %d of a file the definition references)", line)
		}
		out = append(out, p)
	}
	return out
}

// sameLineDropped drops, from libopenapi's problems with a single-file
// definition, those on a line where our own checks found an error, or on
// the line below one (libopenapi names a member's value, the structure
// check its key): the same error said less precisely ("array build
// failed, input is not an array" beside "security is a list of
// requirements").
func sameLineDropped(ps, own []Problem, root string) []Problem {
	lines := map[int]bool{}
	for _, p := range own {
		if p.Error && p.Loc.Line > 0 && p.Loc.File == root {
			lines[p.Loc.Line] = true
		}
	}
	out := make([]Problem, 0, len(ps))
	for _, p := range ps {
		if l := p.Loc.Line; l > 0 && (lines[l] || lines[l-1]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// libopenapiInput prepares JSON for libopenapi, which reads it with a YAML
// parser: the JSON escape `\/` is rewritten (YAML does not know it) and
// minified JSON is reflowed. Our own parse reads the original bytes.
func libopenapiInput(data []byte) []byte {
	if !looksLikeJSON(data) {
		return data
	}
	return reflowJSON(unescapeJSONSolidus(data))
}

// utf8BOM is the byte order mark some Windows editors write at the start
// of UTF-8 files.
var utf8BOM = []byte("\ufeff")

// stripBOM drops a leading UTF-8 byte order mark. YAML parsers skip it, but
// a JSON decoder refuses it as an invalid character; RFC 8259 lets parsers
// ignore it, and editors do not count it as a column.
func stripBOM(data []byte) []byte {
	return bytes.TrimPrefix(data, utf8BOM)
}

// looksLikeJSON reports input whose first non-space byte opens a JSON
// object or array: such input is read as strict JSON.
func looksLikeJSON(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
}

// reflowJSON indents minified JSON before libopenapi's YAML parser sees it:
// that parser slows down quadratically on very long lines. Our own
// locations come from the original text; libopenapi's line numbers are not
// used for them.
func reflowJSON(data []byte) []byte {
	longest, start := 0, 0
	for i, c := range data {
		if c == '\n' {
			longest = max(longest, i-start)
			start = i + 1
		}
	}
	if max(longest, len(data)-start) < 4096 {
		return data
	}
	var buf bytes.Buffer
	buf.Grow(len(data) + len(data)/4)
	if err := json.Indent(&buf, data, "", " "); err != nil {
		return data
	}
	return buf.Bytes()
}

// libopenapiTimeout scales with the input: about 1 s per MB, at least 5 s.
// mayHaveCallbacks reports whether JSON text may hold a callbacks key: the
// word, or an escape of a lower-case ASCII letter (\u0061-\u007a), which
// could spell it and which no JSON encoder writes unasked.
func mayHaveCallbacks(data []byte) bool {
	return bytes.Contains(data, []byte("callbacks")) || bytes.Contains(data, []byte(`\u006`)) || bytes.Contains(data, []byte(`\u007`))
}

// sequentialLibopenapiBytes is the JSON size from which libopenapi runs
// before our own parse instead of beside it (memory over wall time).
var sequentialLibopenapiBytes = 16 << 20

// startLibopenapi runs libopenapi over data in the background.
func startLibopenapi(data []byte, key, display string, refs *refRoot, opts Options) <-chan []Problem {
	ch := make(chan []Problem, 1)
	go func() { ch <- libopenapiProblems(libopenapiInput(data), key, display, refs, opts) }()
	return ch
}

// maxPrewalkFiles bounds the files unreadableReachable visits.
const maxPrewalkFiles = 10_000

// unreadableReachable reports whether a local file the document reaches
// through $refs, directly or through other local files, is larger than
// the size limit or is not a regular file (a FIFO, a device, standard
// input by its /dev name). The files it reads on the way are parsed once and kept
// in the set for the builder, which would read them anyway. Remote
// references are not fetched here (fetching is opt-in and bounded by the
// same limit when it happens).
func (fs *fileSet) unreadableReachable(rootKey string, rootRefs map[string]string) bool {
	if rootKey == stdinKey || isRemote(rootKey) {
		return false
	}
	seen := map[string]bool{rootKey: true}
	type pending struct {
		from string
		refs map[string]string
	}
	queue := []pending{{rootKey, rootRefs}}
	for len(queue) > 0 && len(seen) < maxPrewalkFiles {
		cur := queue[0]
		queue = queue[1:]
		for _, ref := range cur.refs {
			filePart, _, _ := strings.Cut(ref, "#")
			if filePart == "" || isRemote(filePart) {
				continue
			}
			target, err := fs.resolveRef(cur.from, filePart)
			if err != nil || isRemote(target.File) || seen[target.File] {
				continue
			}
			seen[target.File] = true
			if _, err := fs.refRoot().within(target.File); err != nil {
				continue // not even looked at; reported by the builder
			}
			if fi, err := os.Stat(target.File); err == nil && (fi.Size() > fs.opts.MaxFileSize || !fi.Mode().IsRegular() && !fi.IsDir()) {
				return true
			}
			f, err := fs.load(target.File)
			if err != nil {
				continue // reported by the builder when it follows the $ref
			}
			queue = append(queue, pending{target.File, treeRefs(f.tree)})
		}
	}
	return false
}

// skippedLibopenapi stands in for startLibopenapi when libopenapi must not
// run on a document: it reports no problems.
func skippedLibopenapi() <-chan []Problem {
	ch := make(chan []Problem, 1)
	ch <- nil
	return ch
}

// awaitLibopenapi waits for libopenapi's problems, but never hangs on the
// dependency: past its time budget our own checks stand alone and a
// problem says that the second opinion is missing.
func awaitLibopenapi(ctx context.Context, ch <-chan []Problem, size int, display string) ([]Problem, error) {
	select {
	case ps := <-ch:
		return ps, nil
	case <-time.After(libopenapiTimeout(size)):
		return []Problem{{Code: "parser-timeout", Message: "the OpenAPI parser did not finish in time; structural checks are incomplete", Loc: Location{File: display}}}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func libopenapiTimeout(n int) time.Duration {
	return 5*time.Second + time.Duration(n/1000)*time.Millisecond
}

// parseDocument parses YAML or JSON into the YAML node tree (for lines) and
// a generic tree (for everything else), within the configured limits.
func parseDocument(data []byte, display string, opts Options) (*yaml.Node, any, error) {
	if err := checkText(data); err != nil {
		le := err.(*LoadError)
		le.File = display
		return nil, nil, le
	}
	var root *yaml.Node
	if looksLikeJSON(data) {
		// Strict JSON first (one value, nothing after it), then the
		// linear JSON reader.
		if err := checkJSON(data, opts.MaxDepth); err != nil {
			err.File = display
			return nil, nil, err
		}
		n, err := jsonToNode(data, opts.MaxDepth)
		if err != nil {
			le := err.(*LoadError)
			le.File = display
			return nil, nil, le
		}
		root = n
	} else {
		root = &yaml.Node{}
		if err := yaml.Unmarshal(data, root); err != nil {
			return nil, nil, &LoadError{File: display, Line: yamlErrorLine(err), Msg: "invalid YAML/JSON: " + cleanYAMLError(err)}
		}
	}
	tb := &treeBuilder{budget: len(data) + 10000, maxDepth: opts.MaxDepth, file: display}
	tree, err := tb.build(root, 0)
	if err != nil {
		var le *limitError
		if errors.As(err, &le) {
			return nil, nil, &LoadError{File: display, Line: le.line, Msg: le.msg}
		}
		return nil, nil, &LoadError{File: display, Msg: err.Error()}
	}
	return root, tree, nil
}

// checkJSON validates JSON input strictly: one value, nothing after it, and
// bounded nesting. YAML parsers accept JSON, but they are lenient about
// trailing garbage, which hides truncated or concatenated files.
func checkJSON(data []byte, maxDepth int) *LoadError {
	depth, inStr, esc := 0, false, false
	for i, c := range data {
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				return &LoadError{Line: lineOf(data, i), Msg: fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
			}
		case '}', ']':
			depth--
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &LoadError{Line: lineOf(data, int(se.Offset)), Msg: "invalid JSON: " + se.Error()}
		}
		// Truncated input: the problem is at the end.
		return &LoadError{Line: lineOf(data, len(data)), Msg: "invalid JSON: " + err.Error() + " (truncated?)"}
	}
	if off := dec.InputOffset(); len(bytes.TrimSpace(data[off:])) > 0 {
		return &LoadError{Line: lineOf(data, int(off)+len(data[off:])-len(bytes.TrimLeft(data[off:], " \t\r\n"))), Msg: "invalid JSON: unexpected data after the top-level value"}
	}
	return nil
}

// unescapeJSONSolidus rewrites the JSON escape `\/` as `/` in JSON text.
// Newlines are untouched.
func unescapeJSONSolidus(data []byte) []byte {
	if !bytes.Contains(data, []byte(`\/`)) {
		return data
	}
	out := make([]byte, 0, len(data))
	inStr, esc := false, false
	for _, c := range data {
		if inStr {
			switch {
			case esc:
				esc = false
				if c == '/' {
					out[len(out)-1] = '/'
					continue
				}
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		} else if c == '"' {
			inStr = true
		}
		out = append(out, c)
	}
	return out
}

var (
	yamlLineRe   = regexp.MustCompile(`(?:line |\[|\bL)(\d+)`)
	yamlPrefixRe = regexp.MustCompile(`^(?:yaml: )?(?:go-yaml load error in \w+ (?:\([^)]*\) )?at L\d+(?:\.C\d+)?(?:-C\d+)?: )?(?:line \d+: )?`)
)

// goYAMLRangeRe reads go-yaml's located errors: "go-yaml load error in
// parser (while parsing a block mapping) at L12.C9-L14.C10: did not find
// expected key". The error is at the end of the range, where the parser
// stopped; the start is where the construct it was reading began.
var goYAMLRangeRe = regexp.MustCompile(`go-yaml load error in \w+ (?:\(while ([^)]*)\) )?at L(\d+)(?:\.C(\d+))?(?:-(?:L(\d+)\.)?C(\d+))?: ([^\n]*)`)

func yamlErrorLine(err error) int {
	if m := goYAMLRangeRe.FindStringSubmatch(err.Error()); m != nil {
		line := m[2]
		if m[4] != "" {
			line = m[4]
		}
		n, _ := strconv.Atoi(line)
		return n
	}
	if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func cleanYAMLError(err error) string {
	if m := goYAMLRangeRe.FindStringSubmatch(err.Error()); m != nil {
		// "did not find expected key at line 14, column 10 (while
		// parsing a block mapping that starts at line 12)": the line the
		// parser stopped at, and the one its construct began at.
		line, col := m[2], m[3]
		if m[4] != "" {
			line = m[4]
		}
		if m[5] != "" {
			col = m[5]
		}
		msg := m[6] + " at line " + line
		if col != "" {
			msg += ", column " + col
		}
		if m[1] != "" && line != m[2] {
			msg += " (while " + m[1] + " that starts at line " + m[2] + ")"
		}
		if strings.Contains(m[6], "expected key") || strings.Contains(m[6], "mapping values are not allowed") {
			msg += ": check the indentation"
		}
		return msg
	}
	s := err.Error()
	s = yamlPrefixRe.ReplaceAllString(s, "")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func kindName(v any) string {
	switch v.(type) {
	case nil:
		return "empty"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return "a value"
}

// openAPIVersion is the form of the openapi field: major.minor.patch with
// an optional pre-release suffix (3.1.0, 3.1.0-rc1), as the OpenAPI schemas
// require, and major.minor alone (3.0), which many published definitions
// use; the minor version picks the family.
var openAPIVersion = regexp.MustCompile(`^3\.([0-9]+)(\.[0-9]+(-[0-9A-Za-z.-]+)?)?$`)

// detectVersion reads the openapi or swagger field.
func detectVersion(top map[string]any) (string, Family, error) {
	if v, ok := top["openapi"]; ok {
		s, err := versionString("openapi", v)
		if err != nil {
			return "", "", err
		}
		if m := openAPIVersion.FindStringSubmatch(s); m != nil {
			switch m[1] {
			case "0":
				return s, OpenAPI30, nil
			case "1":
				return s, OpenAPI31, nil
			case "2":
				return s, OpenAPI32, nil
			}
		}
		return "", "", fmt.Errorf("unsupported OpenAPI version %q (supported: 2.0, 3.0.x, 3.1.x, 3.2.x)", s)
	}
	if v, ok := top["swagger"]; ok {
		s, err := versionString("swagger", v)
		if err != nil {
			return "", "", err
		}
		if s == "2.0" || s == "2" {
			return "2.0", Swagger20, nil
		}
		return "", "", fmt.Errorf("unsupported Swagger version %q (supported: 2.0)", s)
	}
	return "", "", errors.New("not an OpenAPI definition: no `openapi` or `swagger` field at the top level")
}

// versionString reads the value of a version field, which must be a
// scalar; an unquoted YAML number such as 2.0 is taken as written.
func versionString(field string, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	}
	return "", fmt.Errorf("the `%s` field is not a string (it is %s); write the version as a string such as %q", field, kindName(v), map[string]string{"openapi": "3.1.0", "swagger": "2.0"}[field])
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// libopenapiProblems runs libopenapi over the definition and turns its
// errors into problems. Circular references that are legal (through
// properties, arrays or polymorphism) are not problems; a $ref that resolves
// only to itself is caught by checkAllRefs.
func libopenapiProblems(data []byte, key, display string, refs *refRoot, opts Options) (problems []Problem) {
	defer func() {
		// A bug in a dependency must not take the process down: report it.
		if r := recover(); r != nil {
			problems = append(problems, Problem{Code: "parser-error", Message: fmt.Sprintf("the OpenAPI parser failed on this definition: %v", r), Loc: Location{File: display}})
		}
	}()
	cfg := &datamodel.DocumentConfiguration{
		IgnorePolymorphicCircularReferences: true,
		IgnoreArrayCircularReferences:       true,
		AllowRemoteReferences:               opts.AllowRemoteRefs,
		Logger:                              opts.Logger,
	}
	if opts.AllowRemoteRefs {
		// libopenapi's own getter has neither a timeout nor a size limit;
		// ours has both, the same as our loader's.
		cfg.RemoteURLHandler = func(u string) (*http.Response, error) {
			data, err := fetchRemote(u, opts.MaxFileSize)
			if err != nil {
				return nil, err
			}
			return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{},
				Body: io.NopCloser(bytes.NewReader(data)), ContentLength: int64(len(data))}, nil
		}
	}
	if key != stdinKey {
		cfg.AllowFileReferences = true
		cfg.BasePath = filepath.Dir(key)
		cfg.SpecFilePath = filepath.Base(key)
		// libopenapi reads the files $refs name itself: through the
		// reference root, as our loader does, or it would open any path.
		cfg.LocalFS = &confinedFS{root: refs, base: cfg.BasePath, logger: opts.Logger}
	}
	doc, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return []Problem{{Code: "parser-error", Message: err.Error(), Loc: Location{File: display}, Error: true}}
	}
	var errs []error
	if doc.GetSpecInfo().SpecType == "swagger" || strings.HasPrefix(doc.GetVersion(), "2") {
		_, err = doc.BuildV2Model()
	} else {
		_, err = doc.BuildV3Model()
	}
	if err != nil {
		errs = flattenErrors(err)
	}
	seen := map[string]bool{}
	for _, e := range errs {
		msg := e.Error()
		low := strings.ToLower(msg)
		if duplicatesRefWalk(low) {
			// Our own reference walk reports these with exact locations.
			continue
		}
		if seen[msg] {
			continue
		}
		seen[msg] = true
		problems = append(problems, Problem{Code: "invalid-structure", Message: msg, Loc: Location{File: display, Line: yamlErrorLine(e)}, Error: true})
	}
	return problems
}

// duplicatesRefWalk reports whether a libopenapi error (lower-cased) is
// about a $ref that does not resolve or loops: checkAllRefs reports each of
// those once, with its location, so libopenapi's copy is dropped.
func duplicatesRefWalk(low string) bool {
	has := func(subs ...string) bool {
		for _, s := range subs {
			if !strings.Contains(low, s) {
				return false
			}
		}
		return true
	}
	return has("circular reference") || has("cannot resolve reference") ||
		has("component", "not be found") || has("cannot be found") ||
		has("unable to", "locate") ||
		// index/extract_refs_lookup.go: local, file and remote targets.
		has("component `", "` does not exist in the specification") ||
		// index/rolodex_*_loader.go: files and URLs it may not or cannot read.
		has("lookup for '", "not allowed") ||
		has("unable to fetch remote document") ||
		has("remote file '", "returned status code") ||
		has("remote url '", "unable to fetch") ||
		has("failed to fetch after", "attempts") ||
		has("cannot find reference")
}

func flattenErrors(err error) []error {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range u.Unwrap() {
			out = append(out, flattenErrors(e)...)
		}
		return out
	}
	return []error{err}
}
