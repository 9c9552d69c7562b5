package scan_test

import (
	"context"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
)

const securedPingAPI = `openapi: 3.0.3
info: {title: ping, version: '1'}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /ping:
    get:
      responses:
        '200':
          description: pong
          content: {application/json: {schema: {type: object, properties: {status: {type: string}}}}}
        '401': {description: no}
`

// The transport checks of an https target send two requests of their own,
// as docs/scan.md says: a GET of the target URL over HTTPS (HSTS) and one
// plain-HTTP GET of --http-url (by default port 80 of the target's host),
// neither with the identities' credentials.
func TestTransportRequestsCarryNoCredentials(t *testing.T) {
	type seen struct{ method, uri, auth, agent string }
	var mu sync.Mutex
	var tlsSeen, plainSeen []seen
	record := func(to *[]seen) func(*http.Request) {
		return func(r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			*to = append(*to, seen{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("User-Agent")})
		}
	}
	tlsRec, plainRec := record(&tlsSeen), record(&plainSeen)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tlsRec(r)
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		if r.Header.Get("Authorization") != "Bearer alice-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	// The weak-suite handshakes fail on purpose; the server's log of
	// each is noise.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainRec(r)
		http.Redirect(w, r, "https://127.0.0.1/", http.StatusMovedPermanently)
	}))
	defer plain.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	cfg := &config.Config{Identities: []config.Identity{{Name: "alice", Credentials: map[string]config.Credential{"bearer": {Token: "alice-token"}}}}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := scan.Run(ctx, loadSpec(t, securedPingAPI), scan.Options{Target: srv.URL + "/?k=1", Config: cfg, Rate: 1000,
		RootCAs: roots, HTTPURL: plain.URL + "/plain/check"})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(plainSeen) != 1 || plainSeen[0] != (seen{"GET", "/plain/check", "", "rampart-scan"}) {
		t.Errorf("plain-HTTP requests = %+v, want one GET /plain/check without credentials", plainSeen)
	}
	// Every other request goes to /ping or a probe path: the target URL
	// itself is asked for once, by the HSTS check.
	hsts := 0
	for _, s := range tlsSeen {
		if s.uri == "/?k=1" {
			hsts++
			if s != (seen{"GET", "/?k=1", "", "rampart-scan"}) {
				t.Errorf("HSTS check sent %+v, want GET of the target URL without credentials", s)
			}
		}
	}
	if hsts != 1 {
		t.Errorf("%d HSTS requests, want 1", hsts)
	}
}
