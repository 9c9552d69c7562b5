// Package casefold finds names that differ only in case ("role" and
// "Role"): keys Go's encoding/json, ASP.NET Core and case-insensitive
// Jackson bind to one field. The firewall refuses request keys that do,
// and the audit reports schemas that declare such properties; both use
// this one definition of "differ only in case" (strings.EqualFold).
package casefold

import "strings"

// Set remembers names to find case variants: names equal under case
// folding but not equal. Small sets are compared pairwise without
// allocating; from nine distinct names on, a map of folded names bounds
// the work (many names must not cost their square). The zero value is
// ready to use.
type Set struct {
	small  [8]string
	n      int
	folded map[string]string // folded name -> the name as first seen
}

// Variant records name and returns an earlier name that differs from it
// only in case, if there is one. A repeat of the same name is not a
// variant (forms repeat keys for arrays).
func (c *Set) Variant(name string) (earlier string, ok bool) {
	if c.folded == nil {
		for _, o := range c.small[:c.n] {
			if o == name {
				return "", false
			}
			if strings.EqualFold(o, name) {
				return o, true
			}
		}
		if c.n < len(c.small) {
			c.small[c.n] = name
			c.n++
			return "", false
		}
		c.folded = make(map[string]string, 2*len(c.small))
		for _, o := range c.small[:c.n] {
			c.folded[fold(o)] = o
		}
	}
	f := fold(name)
	if o, found := c.folded[f]; found {
		return o, o != name
	}
	c.folded[f] = name
	return "", false
}

// fold maps names that strings.EqualFold calls equal to one string (upper
// then lower: the long s and the Kelvin sign meet their ASCII letters).
func fold(name string) string { return strings.ToLower(strings.ToUpper(name)) }
