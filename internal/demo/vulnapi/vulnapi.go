// Package vulnapi is Rampart's demo API: a small "bank" whose contract
// (openapi.yaml) is sound and whose implementation has one flaw per OWASP
// API Top 10 family the demo shows. It exists to be scanned and protected;
// never deploy it.
//
// The flaws, by design:
//   - BOLA: GET /accounts/{id} returns any account to any caller.
//   - Broken authentication: tokens with "alg": "none" are accepted.
//   - Excessive data exposure: /users/me returns the password hash.
//   - Mass assignment: PATCH /users/me stores any field, "role" included.
//   - Injection: GET /products builds SQL by concatenation; a quote breaks
//     it with a database error, and a tautology returns every product.
//   - No rate limiting on POST /login.
//   - Method override: a POST carrying X-HTTP-Method-Override runs as the
//     method it names (Express's method-override middleware), so a gateway
//     that authorizes by the request line's method is bypassed.
package vulnapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

//go:embed openapi.yaml
var Spec []byte

// Users are the demo's accounts (demo credentials, not secrets).
var Users = map[string]string{"alice": "alice-pass", "bob": "bob-pass"}

type user struct {
	ID       int
	Username string
	Email    string
	Password string
	Role     string
	Extra    map[string]any
}

type account struct {
	ID      int
	Owner   string
	Name    string
	Balance float64
}

// API is the demo API. Its zero value is not usable: call New.
type API struct {
	mu       sync.Mutex
	secret   []byte
	users    map[string]*user
	accounts map[int]*account
	nextAcct int
	mux      *http.ServeMux
}

// New returns a demo API with fresh state and a random signing key.
func New() *API {
	a := &API{users: map[string]*user{}, accounts: map[int]*account{}, nextAcct: 1000}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	// Printable, so the demo policy can take it from an environment variable.
	a.secret = []byte(hex.EncodeToString(raw))
	id := 1
	for _, name := range []string{"alice", "bob"} {
		a.users[name] = &user{ID: id, Username: name, Email: name + "@bank.example", Password: Users[name], Role: "customer"}
		id++
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/login", a.login)
	mux.HandleFunc("GET /api/users/me", a.authed(a.getMe))
	mux.HandleFunc("PATCH /api/users/me", a.authed(a.updateMe))
	mux.HandleFunc("POST /api/accounts", a.authed(a.createAccount))
	mux.HandleFunc("GET /api/accounts/{id}", a.authed(a.getAccount))
	mux.HandleFunc("GET /api/products", a.searchProducts)
	a.mux = mux
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m := r.Header.Get("X-HTTP-Method-Override"); m != "" && r.Method == http.MethodPost {
		r.Method = strings.ToUpper(m) // the flaw: the field wins over the request line
	}
	a.mux.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var c struct{ Username, Password string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&c); err != nil {
		fail(w, 400, "invalid JSON")
		return
	}
	a.mu.Lock()
	u := a.users[c.Username]
	a.mu.Unlock()
	if u == nil || !hmac.Equal([]byte(u.Password), []byte(c.Password)) {
		fail(w, 401, "invalid credentials")
		return
	}
	writeJSON(w, 200, map[string]string{"token": a.sign(u.Username)})
}

// sign issues an HS256 JWT.
func (a *API) sign(sub string) string {
	t, err := jwt.NewBuilder().Subject(sub).Issuer("demo-bank").Audience([]string{"demo-bank-api"}).
		IssuedAt(time.Now()).Expiration(time.Now().Add(time.Hour)).Build()
	if err != nil {
		return ""
	}
	signed, err := jwt.Sign(t, jwt.WithKey(jwa.HS256(), a.secret))
	if err != nil {
		return ""
	}
	return string(signed)
}

// SigningKey is the HS256 key, for the demo firewall policy.
func (a *API) SigningKey() []byte { return append([]byte(nil), a.secret...) }

// subject returns the caller. FLAW (broken authentication): a token whose
// header says "alg": "none" is trusted without a signature.
func (a *API) subject(r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return "", false
	}
	var t jwt.Token
	if msg, err := jws.ParseString(tok); err == nil && len(msg.Signatures()) > 0 {
		if alg, ok := msg.Signatures()[0].ProtectedHeaders().Algorithm(); ok && alg == jwa.NoSignature() {
			t, err = jwt.ParseInsecure([]byte(tok))
			if err != nil {
				return "", false
			}
		}
	}
	if t == nil {
		var err error
		if t, err = jwt.Parse([]byte(tok), jwt.WithKey(jwa.HS256(), a.secret)); err != nil {
			return "", false
		}
	}
	sub, _ := t.Subject()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.users[sub] == nil {
		return "", false
	}
	return sub, true
}

func (a *API) authed(h func(w http.ResponseWriter, r *http.Request, sub string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sub, ok := a.subject(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="demo-bank"`)
			fail(w, 401, "authentication required")
			return
		}
		h(w, r, sub)
	}
}

// userJSON renders a profile. FLAW (excessive data exposure): the password
// hash and every stored extra field go out too.
func userJSON(u *user) map[string]any {
	sum := sha256.Sum256([]byte(u.Password))
	out := map[string]any{"id": u.ID, "username": u.Username, "email": u.Email, "passwordHash": hex.EncodeToString(sum[:]), "role": u.Role}
	for k, v := range u.Extra {
		out[k] = v
	}
	return out
}

func (a *API) getMe(w http.ResponseWriter, r *http.Request, sub string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	writeJSON(w, 200, userJSON(a.users[sub]))
}

// updateMe FLAW (mass assignment): every field of the body is applied,
// including ones the contract does not allow ("role", "isAdmin").
func (a *API) updateMe(w http.ResponseWriter, r *http.Request, sub string) {
	var patch map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&patch); err != nil {
		fail(w, 400, "invalid JSON")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.users[sub]
	for k, v := range patch {
		switch k {
		case "email":
			if s, ok := v.(string); ok {
				u.Email = s
			}
		case "role":
			if s, ok := v.(string); ok {
				u.Role = s
			}
		default:
			if u.Extra == nil {
				u.Extra = map[string]any{}
			}
			u.Extra[k] = v
		}
	}
	writeJSON(w, 200, userJSON(u))
}

func (a *API) createAccount(w http.ResponseWriter, r *http.Request, sub string) {
	var in struct{ Name string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil || in.Name == "" {
		fail(w, 400, "name is required")
		return
	}
	a.mu.Lock()
	a.nextAcct++
	acct := &account{ID: a.nextAcct, Owner: sub, Name: in.Name, Balance: 100}
	a.accounts[acct.ID] = acct
	a.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("/api/accounts/%d", acct.ID))
	writeJSON(w, 201, map[string]any{"id": acct.ID, "name": acct.Name, "balance": acct.Balance})
}

// getAccount FLAW (BOLA): the owner is never compared with the caller.
func (a *API) getAccount(w http.ResponseWriter, r *http.Request, sub string) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		fail(w, 400, "invalid account id")
		return
	}
	a.mu.Lock()
	acct := a.accounts[id]
	a.mu.Unlock()
	if acct == nil {
		fail(w, 404, "no such account")
		return
	}
	writeJSON(w, 200, map[string]any{"id": acct.ID, "name": acct.Name, "balance": acct.Balance})
}

var products = []map[string]any{
	{"id": 1, "name": "Savings account", "price": 0},
	{"id": 2, "name": "Gold card", "price": 99},
	{"id": 3, "name": "Private banking", "price": 4999},
}

// searchProducts FLAW (injection): the query is concatenated into SQL. The
// "database" here only checks quoting, which is enough to show the two
// classic symptoms: an unbalanced quote breaks the statement with a
// database error, and a tautology returns every row.
func (a *API) searchProducts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if q == "" {
		fail(w, 400, "q is required")
		return
	}
	stmt := "SELECT id, name, price FROM products WHERE name LIKE '%" + q + "%'"
	if strings.Count(stmt, "'")%2 != 0 {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(500)
		fmt.Fprintf(w, "pq: unterminated quoted string at or near \"%s\" (SQLSTATE 42601)\n", q)
		return
	}
	out := []map[string]any{}
	low := strings.ToLower(q)
	tautology := strings.Contains(low, "' or ") || strings.Contains(low, "'or'")
	for _, p := range products {
		if tautology || strings.Contains(strings.ToLower(p["name"].(string)), low) {
			out = append(out, p)
		}
	}
	writeJSON(w, 200, out)
}

// Login obtains a token for one of Users from the API at base.
func Login(base, name string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": name, "password": Users[name]})
	resp, err := http.Post(base+"/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("logging in %s: %w", name, err)
	}
	defer resp.Body.Close()
	var t struct{ Token string }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&t) != nil || t.Token == "" {
		return "", fmt.Errorf("logging in %s: HTTP %d", name, resp.StatusCode)
	}
	return t.Token, nil
}
