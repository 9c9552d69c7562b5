package spec

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// A repetition above RE2's limit of 1000 is enforced relaxed, as {m,}
// (RE2Pattern). That loses nothing in two common shapes, read here:
//
//   - the repetition is the pattern's first or last item and that end is
//     not anchored (AWS's `arn:...:[^/].{0,1023}`, `^.{1,2097152}`): a
//     pattern matches anywhere in the string, so a run longer than the
//     bound still contains a run within it, and {m} accepts exactly what
//     {m,n} does (freeEndRepeats; done for every counted repetition
//     there, which also keeps RE2's program small);
//   - the pattern is anchored at both ends and every item matches one
//     character a fixed number of times except the repeated one
//     (`^\S{1,2000}$`, `^arn:.{16,2044}$`): the repetition's bounds are
//     then bounds on the string's length, and minLength/maxLength beside
//     the relaxed pattern enforce them exactly (RelaxedBounds).
//
// Writing the repetition as several of at most 1000 (x{0,1000}x{0,1000}
// x{0,48}) would be exact everywhere, but RE2's matching time grows with
// the string's length times the count: 18 ms for a 2,000-character value
// against that pattern, 0.5 s for 8,000 characters against .{0,8000}
// (25 µs relaxed). A firewall cannot take that per value.

// patternItem is one top-level item of a pattern: an atom and how many
// times it repeats.
type patternItem struct {
	// single: the atom matches exactly one character (., a class, an
	// escape that stands for a character or a class, a literal).
	single bool
	// anchor is '^' or '$' for those anchors, which match no character.
	anchor   byte
	min, max int // 1, 1 without a quantifier; max -1 when unbounded
	// quant is the offset of a {m,n} quantifier in the pattern, -1
	// for none or another one.
	quant int
}

// oversized reports a repetition above limit (RE2 cannot count above
// maxRE2Repeat).
func (it patternItem) oversized(limit int) bool { return it.min > limit || it.max > limit }

// topLevelItems splits a pattern into its top-level items; ok is false
// for a top-level alternation or anything this reading does not know,
// and the caller then assumes nothing.
func topLevelItems(p string) (items []patternItem, ok bool) {
	for i := 0; i < len(p); {
		it := patternItem{min: 1, max: 1, quant: -1}
		switch c := p[i]; c {
		case '^', '$':
			it.anchor = c
			i++
			items = append(items, it)
			continue // a quantified anchor is read as not ok below
		case '.':
			it.single = true
			i++
		case '[':
			end := classEnd(p, i)
			if end < 0 {
				return nil, false
			}
			it.single = true
			i = end
		case '(':
			end := groupEnd(p, i)
			if end < 0 {
				return nil, false
			}
			i = end
		case '\\':
			if i+1 >= len(p) || strings.IndexByte("bBAzZQ123456789", p[i+1]) >= 0 {
				return nil, false // zero-width, a backreference, or quoted text
			}
			n, _ := translateEscape(p[i:], false)
			it.single = true
			i += n
		case '|', ')', '*', '+', '?':
			return nil, false
		case '{':
			if _, _, _, isRepeat := parseRepeat(p[i:]); isRepeat {
				return nil, false
			}
			it.single = true // a literal brace, as RE2 reads it
			i++
		default:
			_, size := utf8.DecodeRuneInString(p[i:])
			it.single = true
			i += size
		}
		if i < len(p) {
			switch p[i] {
			case '*':
				it.min, it.max = 0, -1
				i++
			case '+':
				it.min, it.max = 1, -1
				i++
			case '?':
				it.min, it.max = 0, 1
				i++
			case '{':
				if n, m, max, isRepeat := parseRepeat(p[i:]); isRepeat {
					it.min, it.max, it.quant = m, max, i
					i += n
				}
			}
			if i < len(p) && p[i] == '?' && (it.min != 1 || it.max != 1) {
				i++ // lazy: the same strings match
			}
			if i < len(p) && strings.IndexByte("*+?", p[i]) >= 0 {
				return nil, false
			}
		}
		items = append(items, it)
	}
	for _, it := range items {
		if it.anchor != 0 && (it.min != 1 || it.max != 1) {
			return nil, false
		}
	}
	return items, true
}

// classEnd returns the index just past the class that starts at p[i]
// ('['), or -1 when it does not end.
func classEnd(p string, i int) int {
	i++
	if i < len(p) && p[i] == '^' {
		i++
	}
	if i < len(p) && p[i] == ']' {
		i++ // a literal, as RE2 reads it
	}
	for i < len(p) {
		switch {
		case p[i] == '\\':
			i += 2
		case strings.HasPrefix(p[i:], "[:"):
			end := strings.Index(p[i+2:], ":]")
			if end < 0 {
				return -1
			}
			i += 2 + end + 2
		case p[i] == ']':
			return i + 1
		default:
			i++
		}
	}
	return -1
}

// groupEnd returns the index just past the group that starts at p[i]
// ('('), or -1 when it does not end.
func groupEnd(p string, i int) int {
	depth := 0
	for i < len(p) {
		switch p[i] {
		case '\\':
			i += 2
			continue
		case '[':
			end := classEnd(p, i)
			if end < 0 {
				return -1
			}
			i = end
			continue
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return -1
}

// freeEndRepeats returns the offsets of the {m,n} quantifiers of p's first
// item when no ^ comes before it and of its last item when no $ comes
// after it, outside any alternation: a pattern matches anywhere in the
// string, so a longer run there contains a shorter one, and X{m,n} there
// matches exactly where X{m} does. Writing X{m} keeps RE2's program small
// (each counted repetition is as many copies of X), and its matching time
// is the string's length times the program's size.
func freeEndRepeats(p string) []int {
	items, ok := topLevelItems(p)
	if !ok || len(items) == 0 {
		return nil
	}
	var out []int
	for _, it := range []patternItem{items[0], items[len(items)-1]} {
		if it.quant >= 0 && it.min != it.max && !slices.Contains(out, it.quant) {
			out = append(out, it.quant)
		}
	}
	return out
}

// RelaxedBounds returns the string lengths that, enforced beside the
// relaxed RE2 form of p (RE2Pattern with exact false), accept exactly the
// strings p accepts: p is anchored at both ends, and all its items but
// one repetition above RE2's limit match one character a fixed number of
// times. max is -1 when the repetition has no upper bound. ok is false
// for any other pattern.
func RelaxedBounds(p string) (min, max int, ok bool) {
	return relaxedBounds(p, maxRE2Repeat)
}

func relaxedBounds(p string, limit int) (min, max int, ok bool) {
	if inner, flags, delimited := DelimitedPattern(p); delimited {
		if strings.IndexByte(flags, 'm') >= 0 {
			return 0, 0, false // ^ and $ match at lines
		}
		p = inner
	}
	items, ok := topLevelItems(p)
	if !ok || len(items) < 3 || items[0].anchor != '^' || items[len(items)-1].anchor != '$' {
		return 0, 0, false
	}
	fixed := 0
	var repeated *patternItem
	for i := 1; i < len(items)-1; i++ {
		it := &items[i]
		switch {
		case !it.single:
			return 0, 0, false
		case it.oversized(limit):
			if repeated != nil {
				return 0, 0, false
			}
			repeated = it
		case it.min != it.max:
			return 0, 0, false
		default:
			fixed += it.min
		}
	}
	if repeated == nil {
		return 0, 0, false
	}
	max = -1
	if repeated.max >= 0 {
		max = fixed + repeated.max
	}
	return fixed + repeated.min, max, true
}
