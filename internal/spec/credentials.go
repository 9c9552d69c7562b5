package spec

import (
	"strings"
	"unicode"
)

// CredentialKind says what an operation does with a secret its caller
// proves it knows before it has a session: a login, a sign-up, a password
// recovery, a one-time code check or a token grant. These operations are
// anonymous by design, so "anyone can call it" is not their flaw; that
// anyone can call them without limit is, since each call is a guess
// (OWASP API2:2023, CWE-307). The audit, the scanner and the firewall all
// classify operations with CredentialKind, so they agree on which
// operations these are.
type CredentialKind string

// The kinds, as reports name them.
const (
	NotCredential      CredentialKind = ""
	CredentialLogin    CredentialKind = "login"
	CredentialSignup   CredentialKind = "sign-up"
	CredentialRecovery CredentialKind = "password recovery"
	CredentialOTP      CredentialKind = "one-time code check"
	CredentialToken    CredentialKind = "token grant"
)

// Words of the operation's path (static segments) and operationId.
var (
	loginWords = wordSet("login", "signin", "logon", "authenticate", "authentication")
	// Words that name a login only with a password in the body: an
	// "auth" or "tokens" path also holds token checks and revocations.
	weakLoginWords = wordSet("auth", "session", "sessions", "token", "tokens")
	signupWords    = wordSet("register", "registration", "signup", "enroll", "enrol")
	recoveryWords  = wordSet("forgot", "forget", "reset", "recover", "recovery")
	otpWords       = wordSet("otp", "totp", "mfa", "2fa", "twofactor", "verify", "verification", "passcode")
	// Words of an operation that manages a resource holding a credential
	// (creates a user, stores a password in a configuration, enables
	// single sign-on) rather than checking its caller's own: Cognito's
	// AdminSetUserPassword, Directory Service's EnableSso, a
	// createAdConfig under /config/auth. An operation creating a session
	// or a token (accountCreateSession, CreateCustomerAccessToken) is a
	// login all the same.
	manageWords  = wordSet("create", "add", "new", "insert", "upsert", "update", "set", "setup", "edit", "modify", "enable", "disable", "link", "test", "config", "configuration", "configure", "setting", "settings", "export", "import")
	sessionWords = wordSet("session", "sessions", "token", "tokens", "jwt")
	// Creating one of these with a password creates an account: a sign-up
	// when anyone can call it.
	createWords = wordSet("create", "add", "new", "insert")
	// They are read in the operationId and the last static segment of
	// the path, which name what is created (an /admin/changePassword is
	// no account created).
	userCollections = wordSet("user", "users", "subuser", "subusers", "account", "accounts", "member", "members", "customer", "customers")
	// Two-word spellings ("sign-in", "log_in", "SignUp") join into one.
	joinedWords = map[[2]string]string{{"sign", "in"}: "signin", {"log", "in"}: "login", {"log", "on"}: "logon",
		{"sign", "up"}: "signup", {"two", "factor"}: "twofactor"}
)

func wordSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// maxLoginFields bounds the body a login is recognised by without a word
// in its path: {username, password} and one or two more (remember_me, a
// code). A body with a user name, a password and much else creates an
// account or edits one.
const maxLoginFields = 4

// CredentialKind classifies op by the words of its path and operationId
// and the names of the fields it takes (query and form parameters, the
// top-level properties of its request bodies, allOf members included).
// A word alone is not enough: a credential operation takes a secret, so
// POST /tokens/{id}/revoke, GET /sessions or DELETE /session are not
// ones.
func (d *Document) CredentialKind(op *Operation) CredentialKind {
	if op.Method == "DELETE" {
		return NotCredential // it ends a session or revokes a token: no guess
	}
	words := map[string]bool{}
	for _, seg := range strings.Split(op.Path, "/") {
		if !strings.Contains(seg, "{") {
			addWords(words, seg)
		}
	}
	opID := op.OperationID
	if strings.HasSuffix(strings.ToLower(opID), "_create") {
		// Django REST framework names every POST <path>_create
		// (auth_login_create): that create says nothing of what the
		// operation does, unlike AWS's CreateLoginProfile.
		opID = opID[:len(opID)-len("_create")]
	}
	addWords(words, opID)
	created := map[string]bool{} // what the operation names: see userCollections
	addWords(created, opID)
	addWords(created, lastStaticSegment(op.Path))
	f := d.credentialFields(op)
	hasWord := func(set map[string]bool) bool {
		for w := range words {
			if set[w] {
				return true
			}
		}
		return false
	}
	createsAccount := func() bool {
		if underExistingUser(op.Path) {
			// /users/{id}/authentication/passwordMethods adds to an
			// account that exists (Microsoft Graph's
			// CreatePasswordMethods): no account is created.
			return false
		}
		for w := range created {
			if userCollections[w] {
				return op.Method == "POST"
			}
		}
		return false
	}
	switch {
	case f.grant:
		return CredentialToken
	case f.otp || (f.code && hasWord(otpWords)):
		return CredentialOTP
	case hasWord(recoveryWords) && (f.password || f.user || words["password"]):
		return CredentialRecovery
	case hasWord(signupWords) && (f.password || f.user):
		return CredentialSignup
	}
	// What is left are logins, told by their words or by a small body of
	// a user name and a password; both also describe operations that
	// store a credential instead of checking one.
	if hasWord(manageWords) && !hasWord(sessionWords) {
		// A small body, as for a login: an account created with much
		// else (petstore's createUser) is an ordinary write.
		if f.password && f.count <= maxLoginFields && hasWord(createWords) && createsAccount() {
			return CredentialSignup // addUser, usersCreate, accountCreate
		}
		return NotCredential
	}
	if hasWord(loginWords) && (f.password || f.token) {
		return CredentialLogin
	}
	// Without a login word, PUT and PATCH replace or edit a resource (a
	// user's password, a profile), which is no login.
	if op.Method == "PUT" || op.Method == "PATCH" {
		return NotCredential
	}
	switch {
	case hasWord(weakLoginWords) && f.password:
		return CredentialLogin
	case f.user && f.password && f.count <= maxLoginFields:
		if createsAccount() {
			return CredentialSignup // POST /users {username, password}
		}
		return CredentialLogin
	}
	return NotCredential
}

// credentialFields is what an operation's field names say.
type credentialFields struct {
	password, user, otp, code, token, grant bool
	count                                   int // top-level fields of the largest body, or query parameters
}

func (d *Document) credentialFields(op *Operation) credentialFields {
	var f credentialFields
	note := func(name string) {
		n := normalizeFieldName(name)
		switch {
		case oneTimeCodeNames[n]:
			f.otp = true // before "password": SNS's OneTimePassword
		case strings.Contains(n, "password") || strings.Contains(n, "passwd") || n == "pass" || n == "pwd" || n == "passcode" || n == "pin":
			f.password = true
		case isOTPName(n):
			f.otp = true
		case n == "code":
			f.code = true
		case n == "granttype" || n == "refreshtoken" || n == "clientassertion":
			f.grant = true
		case n == "token" || n == "idtoken" || n == "accesstoken" || n == "authtoken":
			f.token = true
		case n == "username" || n == "user" || n == "login" || n == "email" || n == "emailaddress" || n == "phone" || n == "phonenumber" || n == "mobile" || n == "account":
			f.user = true
		}
	}
	query := 0
	for _, p := range op.Parameters {
		if p.In == "query" {
			note(p.Name)
			query++
		}
	}
	f.count = query
	if op.RequestBody != nil {
		for _, mt := range sortedMediaTypes(op.RequestBody.Content) {
			m := op.RequestBody.Content[mt]
			if m == nil || m.Schema == nil {
				continue
			}
			names := map[string]bool{}
			d.topLevelProperties(m.Schema.Ref, m.Schema.Value, names, 0)
			d.exampleKeys(m.Ref, names)
			for n := range names {
				note(n)
			}
			f.count = max(f.count, len(names))
		}
	}
	return f
}

// exampleKeys adds the keys of a media type's example objects: a body
// described only by its example (DVAPI's login: {type: object, example:
// {username, password}}) still says what it takes.
func (d *Document) exampleKeys(at NodeRef, out map[string]bool) {
	v, ok := d.Value(at)
	if !ok {
		return
	}
	m, _ := v.(map[string]any)
	add := func(ex any) {
		if obj, ok := ex.(map[string]any); ok {
			for k := range obj {
				out[k] = true
			}
		}
	}
	add(m["example"])
	if exs, ok := m["examples"].(map[string]any); ok {
		for _, ex := range exs {
			if e, ok := ex.(map[string]any); ok {
				add(e["value"])
			}
		}
	}
}

// oneTimeCodeNames are the normalized field names of a one-time code
// besides those isOTPName recognises.
var oneTimeCodeNames = wordSet("mfacode", "twofactorcode", "2facode", "verificationcode", "onetimepassword", "onetimepasscode", "onetimecode", "smscode")

// lastStaticSegment is the path's last segment without a template.
// underExistingUser reports a path that names one member of a user
// collection and goes on past it to something else (/users/{id}/...):
// what it creates belongs to an account that exists. A path that ends in
// a user collection (/accounts/{id}/users) still creates users.
func underExistingUser(path string) bool {
	if userCollections[strings.ToLower(lastStaticSegment(path))] {
		return false
	}
	segs := strings.Split(path, "/")
	for i := 0; i+2 < len(segs); i++ {
		if userCollections[strings.ToLower(segs[i])] && strings.HasPrefix(segs[i+1], "{") && segs[i+2] != "" {
			return true
		}
	}
	return false
}

func lastStaticSegment(path string) string {
	segs := strings.Split(path, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i] != "" && !strings.Contains(segs[i], "{") {
			return segs[i]
		}
	}
	return ""
}

// isOTPName is a field named for a one-time code ("otp", "otpCode",
// "totp", "user_otp"), not a name with those letters inside another word
// ("snapshotPolicy", "hotpatch").
func isOTPName(n string) bool {
	return strings.HasPrefix(n, "otp") || strings.HasSuffix(n, "otp") || strings.HasSuffix(n, "otpcode")
}

// maxPropertyDepth bounds the allOf/anyOf/oneOf levels read for a body's
// properties ($ref cycles included).
const maxPropertyDepth = 8

// topLevelProperties adds the property names an object schema declares,
// its allOf, anyOf and oneOf members' included.
func (d *Document) topLevelProperties(at NodeRef, v any, out map[string]bool, depth int) {
	if depth > maxPropertyDepth {
		return
	}
	at, v, ok := d.Deref(at, v)
	if !ok {
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for k := range props {
			out[k] = true
		}
	}
	if ex, ok := m["example"].(map[string]any); ok {
		for k := range ex {
			out[k] = true
		}
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := m[key].([]any)
		for i, member := range list {
			d.topLevelProperties(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, key, itoa(i))}, member, out, depth+1)
		}
	}
}

// normalizeFieldName lower-cases a name and drops separators, so that
// "grant_type", "grantType" and "Grant-Type" compare equal.
func normalizeFieldName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r == '-' || r == '.' || r == ' ' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// addWords splits an identifier into lower-case words at separators,
// digits-to-letters edges and camelCase humps ("login-with-token",
// "loginUser", "check_OTP", "v2.7") and adds them, two-word spellings
// ("sign-in") also joined.
func addWords(out map[string]bool, s string) {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))):
			// "loginUser" -> login|User; "OTPCode" -> OTP|Code.
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	for i, w := range words {
		out[w] = true
		if i+1 < len(words) {
			if j, ok := joinedWords[[2]string{w, words[i+1]}]; ok {
				out[j] = true
			}
		}
	}
}
