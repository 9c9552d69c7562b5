// Package requestline names the header fields through which frameworks
// replace a request line's method or path. The audit reports operations
// that declare them, the scanner probes whether an API obeys them, and the
// firewall refuses them unless declared: one list, so the three agree.
package requestline

import "strings"

// MethodOverrides are the fields through which Express (method-override),
// Rails, Laravel, Symfony, ASP.NET and Google's APIs let a POST run as
// another method.
var MethodOverrides = []string{"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"}

// PathOverrides are the fields through which Symfony, Zend/Laminas and
// IIS URL Rewrite take the path to serve from a header instead of the
// request line.
var PathOverrides = []string{"X-Original-URL", "X-Rewrite-URL", "X-Override-URL"}

// IsOverride reports whether name (any case) is one of those fields.
func IsOverride(name string) bool {
	for _, list := range [][]string{MethodOverrides, PathOverrides} {
		for _, f := range list {
			if strings.EqualFold(f, name) {
				return true
			}
		}
	}
	return false
}
