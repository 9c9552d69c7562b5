package sensitive

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		name string
		want Class
	}{
		{"password", Secret},
		{"userPassword", Secret},
		{"client_secret", Secret},
		{"API-Key", Secret},
		{"private_key", Secret},
		{"ssn", Personal},
		{"customer_ssn", Personal},
		{"classname", ""},
		{"cardNumber", Personal},
		{"cvc", Personal},
		{"cvc_check", ""},
		{"iban", Personal},
		{"access_token", Token},
		{"refreshToken", Token},
		{"token", Token},
		{"tokens_remaining", ""},
		{"token_type", ""},
		{"username", ""},
		{"id", ""},
		{"", ""},
		// Secrets whose words must end the name or be its last word.
		{"passphrase", Secret},
		{"private_key_passphrase", Secret},
		{"passphraseLabel", ""},
		{"connection_string", Secret},
		{"primaryConnectionString", Secret},
		{"connectionStringName", ""},
		{"recovery_codes", Secret},
		{"pwd", Secret},
		{"p12Pwd", Secret},
		{"pwd_hash", ""},
		{"otp", Secret},
		{"valid_otp", Secret},
		{"otpPolicyType", ""},
		{"hotpath", ""},
		// Tokens: JWTs and session identifiers.
		{"jwt", Token},
		{"signedJwt", Token},
		{"jwt_token", Token},
		{"jwtAudience", ""},
		{"jwt_signing_method", ""},
		{"JSESSIONID", Token},
		{"PHPSESSID", Token},
		{"ASP.NET_SessionId", Token},
		// A plain session id names a conversation, an upload, a query
		// engine's session more often than a login's.
		{"session_id", ""},
		{"sessionId", ""},
		{"playSessionId", ""},
		{"session_lifetime", ""},
		// Personal: passports and bank accounts, not their parts.
		{"passport_number", Personal},
		{"PassportNumber", Personal},
		{"account_number", Personal},
		{"bankAccountNumber", Personal},
		{"PrimaryAccountNumber", Personal},
		{"glAccountNumber", ""},
		{"account_number_suffix", ""},
		{"last_digits_card_number", ""},
		{"card_number_last4", ""},
		{"masked_iban", ""},
		{"CustomerSSN", Personal},
		{"iBan", Personal},
		{"iBAN", Personal},
		{"mac_address__n", ""},
		{"address__n", ""},
		// Query-only words are nothing in a body.
		{"auth", ""},
		{"authorization", ""},
		{"pin", ""},
		{"sid", ""},
		{"credentials", ""},
		{"AccessKeyId", ""},
	} {
		got, ok := Match(c.name)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
}

func TestPrivileged(t *testing.T) {
	for name, want := range map[string]bool{
		"role": true, "isAdmin": true, "is_admin": true, "owner_id": true, "Balance": true,
		"name": false, "roleDescription": false, "quantity": false,
	} {
		if got := Privileged(name); got != want {
			t.Errorf("Privileged(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestMatchQuery(t *testing.T) {
	for _, c := range []struct {
		name, description string
		want              Class
	}{
		{"access_token", "", Token},
		{"JSESSIONID", "", Token},
		{"session_id", "The session of the logged-in user", Token},
		{"sessionid", "Session cookie value", Token},
		{"sessionId", "The unique identifier of the conversation session", ""},
		{"session-id", "It identifies an image store upload session", ""},
		{"jwt", "", Token},
		{"Authorization", "", Secret},
		{"zid_authorization", "", Secret},
		{"auth", "", Secret},
		{"vestorly_auth", "", Secret},
		{"auth_key", "", Secret},
		{"bearer", "", Secret},
		{"pwd", "", Secret},
		{"passphrase", "", Secret},
		{"credentials", "", Secret},
		{"access_key", "", Secret},
		{"aws_access_key_id", "", Secret},
		{"AWSAccessKeyId", "", Secret},
		{"otp", "", Secret},
		{"pin", "", Secret},
		{"card_pin", "", Secret},
		{"ssn", "", Personal},
		{"card_number", "", Personal},
		{"cvv", "", Personal},
		{"credit_card", "", Personal},
		{"iban", "", Personal},
		// Whole words only.
		{"spinner", "", ""},
		{"shipping", "", ""},
		{"pinned", "", ""},
		{"author", "", ""},
		{"author_id", "", ""},
		{"auth_type", "", ""},
		{"authorizationCode", "", ""},
		{"side", "", ""},
		{"inside", "", ""},
		// sid abbreviates a session only when the parameter says so.
		{"sid", "", ""},
		{"sid", "filter for the specified linear service", ""},
		{"sid", "The session id", ""},
		{"sid", "Session id returned by the login call", Token},
		{"ParentCallSid", "The session", ""},
		// IAM's AccessKeyId names the key an operation manages.
		{"AccessKeyId", "", ""},
		{"ServiceSpecificCredentialId", "", ""},
		{"signature", "", ""},
		{"color", "", ""},
		// Flags about the data carry none.
		{"include_credit_card_information", "", ""},
		{"NoPasswordRequired", "", ""},
		{"hasOldPassword", "", ""},
		{"is_token", "", ""},
		{"user_password", "", Secret},
	} {
		got, ok := MatchQuery(c.name, c.description)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("MatchQuery(%q, %q) = %q, %v; want %q", c.name, c.description, got, ok, c.want)
		}
	}
}

func TestSignedURLSignature(t *testing.T) {
	for _, c := range []struct {
		name   string
		others []string
		want   bool
	}{
		{"X-Amz-Signature", nil, true},
		{"X-Goog-Signature", nil, true},
		{"Signature", []string{"AWSAccessKeyId", "Timestamp", "SignatureMethod"}, true},
		{"Signature", []string{"Expires", "Key-Pair-Id", "Policy"}, true},
		{"sig", []string{"sv", "se", "sp"}, true},
		{"signature", []string{"video_file_id"}, false},
		{"signature", []string{"timestamp", "nonce", "echostr"}, false},
		{"oauth_signature", []string{"oauth_nonce", "expires"}, false},
		{"target_time_signature", []string{"expires"}, false},
		{"SignatureMethod", []string{"AWSAccessKeyId"}, false},
	} {
		if got := SignedURLSignature(c.name, c.others); got != c.want {
			t.Errorf("SignedURLSignature(%q, %v) = %v, want %v", c.name, c.others, got, c.want)
		}
	}
}

func TestWords(t *testing.T) {
	for name, want := range map[string]string{
		"X-Amz-Signature":    "x amz signature",
		"sessionID":          "session id",
		"HTTPServer":         "http server",
		"JSESSIONID":         "jsessionid",
		"p12Pwd":             "p12 pwd",
		"card_number_last4":  "card number last4",
		"filter[session_id]": "filter session id",
		"":                   "",
	} {
		if got := strings.Join(Words(name), " "); got != want {
			t.Errorf("Words(%q) = %q, want %q", name, got, want)
		}
	}
}
