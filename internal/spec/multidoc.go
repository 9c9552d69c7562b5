package spec

import (
	"bytes"
	"errors"
	"io"

	yaml "github.com/pb33f/go-yaml"
)

// A YAML file may hold several documents, each after a `---` line. A
// definition is one document: the parser reads the first and nothing
// else, so operations written after a second `---` (two files pasted
// together, a stray separator) would silently be neither audited nor
// enforced. The file's later documents are reported instead.

// laterDocumentLine returns the line at which a YAML file's second
// non-empty document starts (its `---`), or 0 when it has none. JSON has
// no documents (checkJSON refuses text after the value).
func laterDocumentLine(data []byte) int {
	if looksLikeJSON(data) {
		return 0
	}
	marker := markerAfterContent(data)
	if marker == 0 {
		return 0 // the usual case: no second parse
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first yaml.Node
	if err := dec.Decode(&first); err != nil {
		return 0
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			return 0
		}
		if err != nil {
			// A later document that does not parse is ignored as well.
			return marker
		}
		if !emptyDocument(&next) {
			return next.Line
		}
	}
}

// markerAfterContent returns the line of the first document marker (`---`
// or `...` at the start of a line) that follows content, or 0. A `---`
// before any content opens the first document; at the start of a line
// outside the first document's block scalars (which are indented under
// their key) it can only be a marker.
func markerAfterContent(data []byte) int {
	content := false
	for n, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if isDocumentMarker(line) {
			if content {
				return n + 1
			}
			continue
		}
		t := bytes.TrimLeft(line, " \t")
		if len(t) == 0 || t[0] == '#' || (!content && line[0] == '%') {
			continue
		}
		content = true
	}
	return 0
}

func isDocumentMarker(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) && !bytes.HasPrefix(line, []byte("...")) {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '\t'
}

// emptyDocument reports a document with nothing in it (a trailing `---`).
func emptyDocument(n *yaml.Node) bool {
	if len(n.Content) == 0 {
		return true
	}
	c := n.Content[0]
	return c.Kind == yaml.ScalarNode && c.Tag == "!!null" && c.Value == ""
}

// laterDocumentProblems reports the files of the set that hold more than
// one YAML document.
func (fs *fileSet) laterDocumentProblems() []Problem {
	var out []Problem
	for _, key := range fs.order {
		f := fs.get(key)
		if f == nil || f.laterDocLine == 0 {
			continue
		}
		out = append(out, Problem{Code: "multiple-documents",
			Message: "the file holds more than one YAML document: only the first is read, and everything from this `---` on is ignored",
			Loc:     Location{File: f.display, Line: f.laterDocLine, Column: 1}})
	}
	return out
}
