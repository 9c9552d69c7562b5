package spec

import (
	"bytes"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
	yaml "github.com/pb33f/go-yaml"
)

// jsonToNode builds the YAML node tree of a JSON document directly from a
// JSON tokenizer, keeping each node's line and column. YAML parsers accept
// JSON, but on minified JSON (one line of 47 MB, as some real definitions
// are) the YAML scanner's simple-key bookkeeping goes quadratic; this path
// is linear.
func jsonToNode(data []byte, maxDepth int) (*yaml.Node, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	pos := &lineCounter{data: data, line: 1}
	root := &yaml.Node{Kind: yaml.DocumentNode, Line: 1, Column: 1}
	type frame struct {
		n      *yaml.Node
		object bool
	}
	stack := []frame{{n: root}}
	for {
		start := skipJSONSpace(data, int(dec.InputOffset()))
		tok, err := dec.ReadToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &LoadError{Line: pos.lineAt(start), Msg: "invalid JSON: " + err.Error()}
		}
		line, col := pos.at(start)
		top := &stack[len(stack)-1]
		var n *yaml.Node
		switch k := tok.Kind(); k {
		case '}', ']':
			stack = stack[:len(stack)-1]
			continue
		case '{':
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
		case '[':
			n = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		case '"':
			n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: tok.String(), Style: yaml.DoubleQuotedStyle}
		case '0':
			lit := string(bytes.TrimSpace(data[start:dec.InputOffset()]))
			tag := "!!int"
			if bytes.ContainsAny([]byte(lit), ".eE") {
				tag = "!!float"
			}
			n = &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: lit}
		case 't', 'f':
			n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(k == 't')}
		case 'n':
			n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		default:
			return nil, &LoadError{Line: line, Msg: fmt.Sprintf("invalid JSON: unexpected token %q", k)}
		}
		n.Line, n.Column = line, col
		top.n.Content = append(top.n.Content, n)
		if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
			if len(stack) > maxDepth {
				return nil, &LoadError{Line: line, Msg: fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
			}
			stack = append(stack, frame{n: n, object: n.Kind == yaml.MappingNode})
		}
	}
	return root, nil
}

// skipJSONSpace returns the offset of the next token at or after off
// (skipping white space and the separators ':' and ',').
func skipJSONSpace(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

// lineCounter turns increasing byte offsets into lines and columns in
// linear total time.
type lineCounter struct {
	data  []byte
	off   int // bytes counted so far
	line  int
	runes int // characters of the current line before off
}

func (c *lineCounter) at(off int) (line, col int) {
	if off < c.off { // not expected: offsets only grow
		c.off, c.line, c.runes = 0, 1, 0
	}
	for i := c.off; i < off && i < len(c.data); i++ {
		switch b := c.data[i]; {
		case b == '\n':
			c.line++
			c.runes = 0
		case b&0xC0 != 0x80: // not a UTF-8 continuation byte
			c.runes++
		}
	}
	c.off = off
	// Columns count characters from 1, as the YAML parser does and as
	// reports say (SARIF columnKind unicodeCodePoints): counting bytes put
	// every node after a non-ASCII character on its line too far right.
	return c.line, c.runes + 1
}

func (c *lineCounter) lineAt(off int) int {
	l, _ := c.at(off)
	return l
}
