package sensitive

import "strings"

// MinSubstring is the length from which a secret is redacted wherever it
// occurs in a text, inside other words included. A shorter secret (a PIN,
// a three-letter password) occurs by chance in ids, base64, hex and plain
// words ("abc" in "crabcake", "42" in every other number), so replacing
// each of its occurrences would blank out text that has nothing to do
// with it; it is redacted where it stands as a whole value instead (see
// ReplaceValue).
const MinSubstring = 4

// ReplaceValue replaces with mark the occurrences of value in text that
// stand as a whole value, where a short secret sits when a request or an
// answer carries it:
//
//   - the whole text, or a whole line (a header value, a multipart field,
//     a text/plain body);
//   - a quoted string, "v" or 'v' (a JSON string value, a quoted message),
//     but not a JSON member name ("v": ...);
//   - the value of a key=value pair (query, form body, cookie, key=value
//     in a log line): after '=' and up to the end, or a byte that ends
//     the value (& ; , whitespace, a quote, a closing bracket, #);
//   - a JSON member's unquoted value ("pin": 1234);
//   - the credential after an authorization scheme (Bearer v, Basic v,
//     Token v).
//
// Occurrences inside a longer word, number or id, and bare words of prose,
// are left as they are: that is where a short string turns up by chance.
func ReplaceValue(text, value, mark string) string {
	if value == "" || !strings.Contains(text, value) {
		return text
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(text[i:], value)
		if j < 0 {
			break
		}
		j += i
		end := j + len(value)
		if wholeValue(text, j, end) {
			b.WriteString(text[i:j])
			b.WriteString(mark)
			i = end
			continue
		}
		b.WriteString(text[i : j+1])
		i = j + 1
	}
	b.WriteString(text[i:])
	return b.String()
}

// wholeValue reports whether text[start:end] is closed on both sides as
// one of the places ReplaceValue lists.
func wholeValue(text string, start, end int) bool {
	before, after := byte(0), byte(0)
	atStart, atEnd := start == 0, end == len(text)
	if !atStart {
		before = text[start-1]
	}
	if !atEnd {
		after = text[end]
	}
	switch {
	case (atStart || before == '\n') && (atEnd || after == '\r' || after == '\n'):
		return true
	case (before == '"' || before == '\'') && after == before:
		// A JSON member name is followed by ':'.
		rest := strings.TrimLeft(text[end+1:], " \t\r\n")
		return before == '\'' || !strings.HasPrefix(rest, ":")
	case before == '=':
		return atEnd || strings.IndexByte("&;, \t\r\n\"')]}>#", after) >= 0
	case before == ':' || before == ' ' || before == '\t':
		head := strings.TrimRight(text[:start], " \t")
		if strings.HasSuffix(head, "\":") {
			return atEnd || strings.IndexByte(",}] \t\r\n", after) >= 0 // "pin": 1234
		}
		if before != ':' && afterScheme(head) {
			return atEnd || strings.IndexByte(" \t\r\n\"',;", after) >= 0 // Bearer v
		}
	}
	return false
}

// afterScheme reports whether text ends with an authorization scheme word
// (the space after it already trimmed).
func afterScheme(text string) bool {
	for _, s := range []string{"bearer", "basic", "token", "digest"} {
		n := len(s)
		if len(text) < n || !strings.EqualFold(text[len(text)-n:], s) {
			continue
		}
		if len(text) == n {
			return true
		}
		c := text[len(text)-n-1]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return true
		}
	}
	return false
}
