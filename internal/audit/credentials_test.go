package audit

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/sharedtest"
)

// loginOp is where withLogin writes its operation.
const loginOp = "/paths/~1auth~1login/post"

// withLogin adds POST /auth/login to a definition built from base: a body
// of a user name and a password, every response but 429, and the given
// security (JSON; "" for none of its own).
func withLogin(d map[string]any, security string) {
	set(d, loginOp, j(`{"operationId":"logIn",
		"requestBody":{"content":{"application/json":{"schema":{"type":"object","additionalProperties":false,"required":["username","password"],"properties":{
			"username":{"type":"string","maxLength":64,"pattern":"^[a-z]{1,64}$"},
			"password":{"type":"string","format":"password","maxLength":128,"pattern":"^[ -~]{8,128}$"}}}}}},
		"responses":{"200":{"description":"signed in"},"400":{"description":"bad"},"401":{"description":"wrong password"},
			"default":{"description":"error","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}`))
	if security != "" {
		set(d, loginOp+"/security", j(security))
	}
}

// credentialCase is one edit of the base definition and what the audit
// must then report, or not report, at the pointer at.
type credentialCase struct {
	name   string
	mutate func(d map[string]any)
	rule   string
	want   bool
	at     string // the finding's pointer suffix, when want
}

// An operation a caller proves a secret to before it has a session
// (spec.CredentialKind) is anonymous by design: it is not reported as an
// anonymous operation, whose patch would lock every user out, but as
// unlimited when the contract declares no limit (no 429 response, no
// x-rampart-rate-limit at operation, path or document level).
func TestCredentialOperations(t *testing.T) {
	limit := j(`{"key":"ip","rate":5,"period":"1m"}`)
	cases := []credentialCase{
		{"anonymous login, no limit", func(d map[string]any) { withLogin(d, "[]") }, "sec-credential-unlimited", true, loginOp},
		{"login without any security of its own or global", func(d map[string]any) { set(d, "/security", nil); withLogin(d, "") }, "sec-credential-unlimited", true, loginOp},
		{"login declaring a 429", func(d map[string]any) {
			withLogin(d, "[]")
			set(d, loginOp+"/responses/429", j(`{"description":"slow down"}`))
		}, "sec-credential-unlimited", false, ""},
		{"login declaring a 4XX range", func(d map[string]any) {
			withLogin(d, "[]")
			set(d, loginOp+"/responses/4XX", j(`{"description":"refused"}`))
		}, "sec-credential-unlimited", false, ""},
		{"x-rampart-rate-limit on the operation", func(d map[string]any) {
			withLogin(d, "[]")
			set(d, loginOp+"/x-rampart-rate-limit", limit)
		}, "sec-credential-unlimited", false, ""},
		{"x-rampart-rate-limit on the path item", func(d map[string]any) {
			withLogin(d, "[]")
			set(d, "/paths/~1auth~1login/x-rampart-rate-limit", []any{limit})
		}, "sec-credential-unlimited", false, ""},
		{"x-rampart-rate-limit at the root", func(d map[string]any) {
			withLogin(d, "[]")
			set(d, "/x-rampart-rate-limit", limit)
		}, "sec-credential-unlimited", false, ""},
		// The nearest level wins, as rampart protect reads it: an empty
		// list on the operation sets no limit on it.
		{"an empty list on the operation under a root limit", func(d map[string]any) {
			withLogin(d, "[]")
			set(d, "/x-rampart-rate-limit", limit)
			set(d, loginOp+"/x-rampart-rate-limit", []any{})
		}, "sec-credential-unlimited", true, loginOp},
		{"a secured login is not judged as anonymous", func(d map[string]any) { withLogin(d, "") }, "sec-credential-unlimited", false, ""},
		{"a one-time code check", func(d map[string]any) {
			set(d, "/paths/~1mfa~1verify/post", j(`{"security":[],"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"code":{"type":"string","maxLength":6,"pattern":"^[0-9]{6}$"}}}}}},"responses":{"204":{"description":"verified"}}}`))
		}, "sec-credential-unlimited", true, "/paths/~1mfa~1verify/post"},
		{"an OAuth token grant", func(d map[string]any) {
			set(d, "/paths/~1oauth~1token/post", j(`{"security":[],"requestBody":{"content":{"application/x-www-form-urlencoded":{"schema":{"type":"object","properties":{"grant_type":{"type":"string","enum":["refresh_token"]},"refresh_token":{"type":"string","maxLength":512}}}}}},"responses":{"200":{"description":"tokens"}}}`))
		}, "sec-credential-unlimited", true, "/paths/~1oauth~1token/post"},
		// A login read with GET is not an anonymous read either.
		{"a GET login", func(d map[string]any) {
			set(d, "/security", nil)
			set(d, "/paths/~1user~1login/get", j(`{"parameters":[{"name":"username","in":"query","schema":{"type":"string","maxLength":64}},{"name":"password","in":"query","schema":{"type":"string","maxLength":128}}],"responses":{"200":{"description":"ok"}}}`))
		}, "sec-credential-unlimited", true, "/paths/~1user~1login/get"},

		// Not reported as anonymous.
		{"the login is no anonymous write", func(d map[string]any) { set(d, "/security", nil); withLogin(d, "") }, "sec-write-no-security", false, ""},
		{"security: [] on a login is no anonymous write", func(d map[string]any) { withLogin(d, "[]") }, "sec-write-no-security", false, ""},
		{"security: [] on a GET login is no empty override", func(d map[string]any) {
			set(d, "/paths/~1user~1login/get", j(`{"security":[],"parameters":[{"name":"username","in":"query","schema":{"type":"string","maxLength":64}},{"name":"password","in":"query","schema":{"type":"string","maxLength":128}}],"responses":{"200":{"description":"ok"}}}`))
		}, "sec-empty-override", false, ""},
		{"a GET login is no anonymous read", func(d map[string]any) {
			set(d, "/security", nil)
			set(d, "/paths/~1user~1login/get", j(`{"parameters":[{"name":"username","in":"query","schema":{"type":"string","maxLength":64}},{"name":"password","in":"query","schema":{"type":"string","maxLength":128}}],"responses":{"200":{"description":"ok"}}}`))
		}, "sec-op-no-security", false, ""},
		// One defect, one finding: the 429 is asked for once.
		{"no resp-missing-429 beside sec-credential-unlimited", func(d map[string]any) { withLogin(d, "[]") }, "resp-missing-429", false, ""},
		// Limited by the extension alone, the login still lacks the 429
		// response its clients are told to expect.
		{"resp-missing-429 when the extension limits the login", func(d map[string]any) {
			withLogin(d, "[]")
			set(d, loginOp+"/x-rampart-rate-limit", limit)
		}, "resp-missing-429", true, loginOp + "/responses"},
		{"resp-missing-429 on a secured login", func(d map[string]any) { withLogin(d, "") }, "resp-missing-429", true, loginOp + "/responses"},

		// Administrators sign in anonymously too; an anonymous sign-up
		// under an admin path may create administrators.
		{"an anonymous admin login is no admin operation left open", func(d map[string]any) {
			set(d, "/paths/~1admin~1login/post", j(adminLoginOp))
		}, "exp-admin-shared-security", false, ""},
		{"an anonymous admin login is judged as a login", func(d map[string]any) {
			set(d, "/paths/~1admin~1login/post", j(adminLoginOp))
		}, "sec-credential-unlimited", true, "/paths/~1admin~1login/post"},
		{"an anonymous admin sign-up is an admin operation left open", func(d map[string]any) {
			set(d, "/paths/~1admin~1register/post", j(`{"security":[],"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"username":{"type":"string","maxLength":64},"password":{"type":"string","maxLength":128}}}}}},"responses":{"201":{"description":"created"}}}`))
		}, "exp-admin-shared-security", true, "/paths/~1admin~1register/post"},

		// Regressions: other anonymous operations are reported as before.
		{"an anonymous ordinary write", func(d map[string]any) {
			withLogin(d, "[]")
			set(d, "/paths/~1orders/post", j(`{"security":[],"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"sku":{"type":"string","maxLength":16}}}}}},"responses":{"201":{"description":"created"}}}`))
		}, "sec-write-no-security", true, "/paths/~1orders/post/security"},
		{"an account created with much else is an ordinary write", func(d map[string]any) {
			set(d, "/security", nil)
			set(d, "/paths/~1users/post", j(`{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"username":{"type":"string"},"password":{"type":"string"},"email":{"type":"string"},"firstName":{"type":"string"},"lastName":{"type":"string"}}}}}},"responses":{"201":{"description":"created"}}}`))
		}, "sec-write-no-security", true, "/paths/~1users/post"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			tc.mutate(d)
			text, _ := json.Marshal(d)
			res := auditText(t, string(text), Options{})
			got := findingsOf(res, tc.rule)
			if !tc.want {
				for _, f := range got {
					if strings.Contains(f.Location.Pointer, "/paths/~1pets~1{petId}") {
						continue // the base's own operation
					}
					t.Fatalf("unexpected %s at %s: %s", tc.rule, f.Location.Pointer, f.Message)
				}
				return
			}
			if !hasFindingAt(res, tc.rule, tc.at) {
				var all []string
				for _, f := range res.Findings {
					all = append(all, f.Rule+"@"+f.Location.Pointer)
				}
				t.Fatalf("want %s at ...%s; got %v", tc.rule, tc.at, all)
			}
		})
	}
}

// adminLoginOp is an anonymous login under an admin path.
const adminLoginOp = `{"security":[],"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"username":{"type":"string","maxLength":64},"password":{"type":"string","maxLength":128}}}}}},"responses":{"200":{"description":"signed in"}}}`

// An anonymous admin login has no exp-admin-shared-security finding but is
// charged one, as an admin operation whose security was removed must be:
// the score is the one the finding gave, and the charge is listed.
func TestAnonymousAdminLoginCharged(t *testing.T) {
	d := base()
	set(d, "/paths/~1admin~1login/post", j(adminLoginOp))
	text, _ := json.Marshal(d)
	res := auditText(t, string(text), Options{})
	if got := findingsOf(res, "exp-admin-shared-security"); len(got) != 0 {
		t.Fatalf("exp-admin-shared-security reported: %s", got[0].Message)
	}
	charged := false
	for _, c := range res.Score.Charges {
		if c.Rule == "exp-admin-shared-security" && c.Operation == "POST /admin/login" {
			charged = true
		}
	}
	if !charged {
		t.Fatalf("no exp-admin-shared-security charge for POST /admin/login: %+v", res.Score.Charges)
	}
	// Secured like the ordinary operations, the same login is reported
	// (it shares their security), and removing that security must not
	// raise the score.
	set(d, "/paths/~1admin~1login/post/security", nil)
	text, _ = json.Marshal(d)
	secured := auditText(t, string(text), Options{})
	if !hasFindingAt(secured, "exp-admin-shared-security", "/paths/~1admin~1login/post") {
		t.Fatal("the secured admin login sharing the ordinary security is not reported")
	}
	if res.Score.Total > secured.Score.Total {
		t.Fatalf("removing the admin login's security raised the score from %d to %d", secured.Score.Total, res.Score.Total)
	}
}

// The finding names the kind of operation and what each call tries, is
// high by default and critical where the profile says, and its patch adds
// the 429 resp-missing-429 would have added.
func TestCredentialUnlimitedFinding(t *testing.T) {
	d := base()
	withLogin(d, "[]")
	text, _ := json.Marshal(d)
	res := auditText(t, string(text), Options{})
	fs := findingsOf(res, "sec-credential-unlimited")
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	want := "POST /auth/login is a login: anonymous by design, each call is a guess at a password or token, and the contract declares no limit (no 429 response, no x-rampart-rate-limit)."
	if f.Message != want {
		t.Errorf("message %q, want %q", f.Message, want)
	}
	if f.Severity != high || f.OWASP != "API2:2023" || f.CWE != "CWE-307" || !slices.Equal(f.Operations, []string{"POST /auth/login"}) {
		t.Errorf("finding %+v", f)
	}
	if len(f.Patch) != 1 || f.Patch[0].Op != "add" || f.Patch[0].Path != loginOp+"/responses/429" {
		t.Fatalf("patch %+v", f.Patch)
	}
	// The same 429 as resp-missing-429 proposes on the base's operation.
	d = base()
	set(d, op+"/responses/429", nil)
	text, _ = json.Marshal(d)
	other := findingsOf(auditText(t, string(text), Options{}), "resp-missing-429")
	if len(other) != 1 {
		t.Fatalf("%d resp-missing-429 findings on the base without its 429", len(other))
	}
	a, _ := json.Marshal(f.Patch[0].Value)
	b, _ := json.Marshal(other[0].Patch[0].Value)
	if string(a) != string(b) || !strings.Contains(string(a), "Retry-After") {
		t.Errorf("patch adds %s, resp-missing-429 adds %s", a, b)
	}

}

// Guessing passwords is no more intended on open data than elsewhere: the
// rule stays on under public-read, and personal or financial data raise it.
func TestCredentialUnlimitedProfiles(t *testing.T) {
	d := base()
	withLogin(d, "[]")
	text, _ := json.Marshal(d)
	for _, tc := range []struct {
		profile string
		sev     report.Severity
	}{{"default", high}, {"public-read", high}, {"sensitive", critical}, {"financial-rw", critical}} {
		res := auditText(t, string(text), Options{Profile: tc.profile})
		if sev, ok := severityOf(res, "sec-credential-unlimited"); !ok || sev != tc.sev {
			t.Errorf("%s: severity %s (reported %v), want %s", tc.profile, sev, ok, tc.sev)
		}
	}
}

// Each kind is named in the message with what its calls try.
func TestCredentialUnlimitedMessages(t *testing.T) {
	cases := []struct {
		path, body, want string
	}{
		{"/auth/signup", `{"email":{"type":"string"},"password":{"type":"string"},"name":{"type":"string"}}`,
			"POST /auth/signup is a sign-up: anonymous by design, each call creates an account or tells whether one exists"},
		{"/auth/forgot-password", `{"email":{"type":"string"}}`,
			"POST /auth/forgot-password is a password recovery: anonymous by design, each call is a guess at an account's e-mail or recovery token"},
		{"/auth/check-otp", `{"email":{"type":"string"},"otp":{"type":"string"}}`,
			"POST /auth/check-otp is a one-time code check: anonymous by design, each call is a guess at a one-time code"},
		{"/oauth/token", `{"grant_type":{"type":"string"},"client_id":{"type":"string"}}`,
			"POST /oauth/token is a token grant: anonymous by design, each call is a guess at a password, client secret, code or refresh token"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			d := base()
			set(d, "/paths/"+strings.ReplaceAll(tc.path, "/", "~1")+"/post", j(`{"security":[],"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":`+tc.body+`}}}},"responses":{"200":{"description":"ok"}}}`))
			text, _ := json.Marshal(d)
			fs := findingsOf(auditText(t, string(text), Options{}), "sec-credential-unlimited")
			if len(fs) != 1 || !strings.HasPrefix(fs[0].Message, tc.want) {
				t.Fatalf("findings %+v, want one starting %q", fs, tc.want)
			}
		})
	}
}

// On real definitions: VAmPI's login and sign-up, and crAPI's, which
// declare `security: []` under a global requirement, are reported as
// unlimited credential operations, not as anonymous writes, and not as
// missing their 429 a second time.
func TestCredentialOperationsOnSharedSpecs(t *testing.T) {
	dir := sharedtest.Path(t, "specs")
	cases := []struct {
		file string
		ops  []string
	}{
		{"vampi.yml", []string{"POST /users/v1/login", "POST /users/v1/register"}},
		{"crapi.json", []string{"POST /identity/api/auth/login", "POST /identity/api/auth/signup", "POST /identity/api/auth/v3/check-otp", "POST /identity/api/auth/forget-password"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			res := auditFile(t, filepath.Join(dir, tc.file), Options{})
			for _, key := range tc.ops {
				if !reportsOp(res, "sec-credential-unlimited", key) {
					t.Errorf("%s: no sec-credential-unlimited", key)
				}
				for _, rule := range []string{"sec-write-no-security", "sec-empty-override", "resp-missing-429"} {
					if reportsOp(res, rule, key) {
						t.Errorf("%s: %s reported", key, rule)
					}
				}
			}
		})
	}
}

// reportsOp reports whether a finding of rule lists the operation.
func reportsOp(res *report.SpecResult, rule, key string) bool {
	for _, f := range findingsOf(res, rule) {
		if slices.Contains(f.Operations, key) {
			return true
		}
	}
	return false
}
