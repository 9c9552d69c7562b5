// Package sensitive is the one list of property names that suggest secrets,
// personal or payment data, or privileges, shared by the static audit (which
// flags them in response schemas) and the dynamic scan (which flags them in
// real responses and tries them as mass-assignment fields), so both engines
// agree on what counts as sensitive; and the rule by which the scan finds a
// short secret in the text it reports (ReplaceValue).
package sensitive

import "strings"

// Class says why a name is sensitive.
type Class string

const (
	Secret   Class = "a credential or key"
	Personal Class = "personal or payment data"
	Token    Class = "a token"
)

// SecretWords are matched anywhere in the normalised name ("userPassword",
// "client_secret").
var SecretWords = []string{"password", "passwd", "secret", "privatekey", "apikey"}

// PersonalWords are matched anywhere in the normalised name, except the
// short ones in SuffixOnly, which must end it: "cvc" is card data,
// "cvc_check" the result of a check, "classname" no social security number.
var PersonalWords = []string{"ssn", "socialsecurity", "cardnumber", "creditcard", "cvv", "cvc", "iban"}

// SuffixOnly are the PersonalWords too short to match inside a name.
var SuffixOnly = map[string]bool{"ssn": true, "cvv": true, "cvc": true, "iban": true}

// TokenNames are whole names (or, for the *token forms, suffixes) of
// bearer material.
var TokenNames = []string{"token", "idtoken", "sessiontoken", "authtoken"}

// TokenSuffixes end the names of OAuth tokens ("access_token").
var TokenSuffixes = []string{"accesstoken", "refreshtoken"}

// PrivilegedNames are properties clients must not set themselves: the
// mass-assignment candidates.
var PrivilegedNames = []string{"role", "roles", "isadmin", "admin", "issuperuser", "superuser", "isstaff",
	"permissions", "permission", "privileges", "scopes", "groups",
	"balance", "credit", "credits", "isverified", "verified", "emailverified",
	"isapproved", "approved", "accountstatus", "owner", "ownerid", "tenantid"}

var separators = strings.NewReplacer("_", "", "-", "", ".", "", " ", "")

// Normalize lower-cases a property name and drops separators, so that
// "api_key", "apiKey" and "API-Key" compare equal.
func Normalize(name string) string { return separators.Replace(strings.ToLower(name)) }

// Match classifies a property name; ok is false for ordinary names.
func Match(name string) (Class, bool) {
	n := Normalize(name)
	if n == "" {
		return "", false
	}
	for _, w := range SecretWords {
		if strings.Contains(n, w) {
			return Secret, true
		}
	}
	for _, w := range PersonalWords {
		if SuffixOnly[w] {
			if strings.HasSuffix(n, w) {
				return Personal, true
			}
			continue
		}
		if strings.Contains(n, w) {
			return Personal, true
		}
	}
	for _, w := range TokenNames {
		if n == w {
			return Token, true
		}
	}
	for _, w := range TokenSuffixes {
		if strings.HasSuffix(n, w) {
			return Token, true
		}
	}
	return "", false
}

// Privileged reports whether a property name grants privileges or
// ownership, which a client must never be able to set.
func Privileged(name string) bool {
	n := Normalize(name)
	for _, w := range PrivilegedNames {
		if n == w {
			return true
		}
	}
	return false
}
