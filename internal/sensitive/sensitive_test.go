package sensitive

import "testing"

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
