package audit

import (
	"encoding/json"
	"testing"
)

// Sensitive values named in a query string: credentials are
// sec-credential-in-query, personal and payment data
// exp-sensitive-data-in-query; short words count as whole words only.
func TestSensitiveQueryParameters(t *testing.T) {
	const str = `{"type":"string","maxLength":64,"pattern":"^[A-Za-z0-9]{1,64}$"}`
	cases := []struct {
		name, schema, rule string // rule "" when neither rule reports it
		extra              string // other query parameters of the operation
	}{
		{"JSESSIONID", str, "sec-credential-in-query", ""},
		{"PHPSESSID", str, "sec-credential-in-query", ""},
		{"jwt", str, "sec-credential-in-query", ""},
		{"Authorization", str, "sec-credential-in-query", ""},
		{"auth", str, "sec-credential-in-query", ""},
		{"bearer", str, "sec-credential-in-query", ""},
		{"pwd", str, "sec-credential-in-query", ""},
		{"passphrase", str, "sec-credential-in-query", ""},
		{"credentials", str, "sec-credential-in-query", ""},
		{"access_key", str, "sec-credential-in-query", ""},
		{"aws_access_key_id", str, "sec-credential-in-query", ""},
		{"otp", str, "sec-credential-in-query", ""},
		{"pin", `{"type":"integer","format":"int32","minimum":0,"maximum":9999}`, "sec-credential-in-query", ""},
		{"X-Amz-Signature", str, "sec-credential-in-query", ""},
		{"Signature", str, "sec-credential-in-query", `{"name":"Expires","in":"query","schema":{"type":"integer","format":"int64","minimum":0,"maximum":9999999999}}`},
		{"ssn", str, "exp-sensitive-data-in-query", ""},
		{"card_number", str, "exp-sensitive-data-in-query", ""},
		{"cvv", str, "exp-sensitive-data-in-query", ""},
		{"credit_card", str, "exp-sensitive-data-in-query", ""},
		{"passport_number", str, "exp-sensitive-data-in-query", ""},
		{"iban", str, "exp-sensitive-data-in-query", ""},
		// Whole words and meanings only.
		{"spinner", str, "", ""},
		{"shipping", str, "", ""},
		{"side", str, "", ""},
		{"inside", str, "", ""},
		{"author", str, "", ""},
		{"auth_type", str, "", ""},
		{"sid", str, "", ""},                 // the BBC's service id, PubChem's substance id
		{"sessionId", str, "", ""},           // Lex's conversation, Box's upload
		{"include_credit_card", str, "", ""}, // a flag, even as a string
		{"time_signature", str, "", ""},
		{"signature", str, "", ""}, // no expiry or key id beside it
		{"AccessKeyId", str, "", ""},
		{"last_digits_card_number", str, "", ""},
		{"mac_address__n", str, "", ""},
		// A flag or a structure carries no such value.
		{"include_password", `{"type":"boolean"}`, "", ""},
		{"Auth", `{"type":"array","maxItems":3,"items":{"type":"object","additionalProperties":false,"properties":{"IAMAuth":{"type":"string","enum":["REQUIRED"]}}}}`, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			params := `[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":` + queryJSONString(tc.name) + `,"in":"query","schema":` + tc.schema + `}`
			if tc.extra != "" {
				params += "," + tc.extra
			}
			set(d, op+"/parameters", j(params+"]"))
			text, _ := json.Marshal(d)
			res := auditText(t, string(text), Options{})
			for _, rule := range []string{"sec-credential-in-query", "exp-sensitive-data-in-query"} {
				got := hasFindingAt(res, rule, op+"/parameters/1")
				if got != (rule == tc.rule) {
					t.Errorf("%s at parameters/1: %v, want %v", rule, got, rule == tc.rule)
				}
			}
		})
	}
}

// A session id (or sid) in a query is a credential only when the
// parameter says it is a login's.
func TestSessionIDInQuery(t *testing.T) {
	cases := []struct {
		name, desc string
		want       bool
	}{
		{"session_id", "The session of the logged-in user", true},
		{"sid", "Session id returned by the login call", true},
		{"session_id", "The unique identifier of the conversation session", false},
		{"sessionId", "", false},
		{"sid", "filter for the specified linear service", false},
	}
	for _, tc := range cases {
		d := base()
		set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"`+tc.name+`","in":"query","description":`+queryJSONString(tc.desc)+`,"schema":{"type":"string","maxLength":9,"pattern":"^a$"}}]`))
		text, _ := json.Marshal(d)
		if got := hasFindingAt(auditText(t, string(text), Options{}), "sec-credential-in-query", op+"/parameters/1"); got != tc.want {
			t.Errorf("%s described %q: %v, want %v", tc.name, tc.desc, got, tc.want)
		}
	}
}

// Responses that return credentials and personal data by their usual
// names, and the settings named after them that carry none.
func TestSensitiveResponseNames(t *testing.T) {
	cases := []struct {
		name string
		want bool
	}{
		{"passphrase", true},
		{"jwt", true},
		{"JSESSIONID", true},
		{"session_id", false}, // Athena's, Rekognition's, Box's sessions
		{"recovery_codes", true},
		{"connection_string", true},
		{"passport_number", true},
		{"account_number", true},
		{"bankAccountNumber", true},
		{"jwtAudience", false},
		{"passphraseLabel", false},
		{"connectionStringName", false},
		{"glAccountNumber", false},
		{"pin", false}, // a postal PIN code in India's address objects
		{"sid", false}, // Twilio's resource ids
		{"authorization", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			set(d, pet+"/properties/"+tc.name, j(`{"type":"string","maxLength":64,"pattern":"^[a-z]{1,64}$"}`))
			text, _ := json.Marshal(d)
			if got := hasFindingAt(auditText(t, string(text), Options{}), "exp-sensitive-data", pet+"/properties/"+tc.name); got != tc.want {
				t.Errorf("exp-sensitive-data: %v, want %v", got, tc.want)
			}
		})
	}
}

func queryJSONString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
