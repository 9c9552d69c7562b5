package scan_test

import (
	"context"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
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

type transportSeen struct{ method, uri, auth, agent string }

// scanBehindTLS scans securedPingAPI on an https server whose target URL
// carries a query (?k=1), with opts' transport switches and --http-url
// pointing at a plain-HTTP server that redirects, and returns what each
// server was asked.
func scanBehindTLS(t *testing.T, opts scan.Options) (tlsSeen, plainSeen []transportSeen) {
	t.Helper()
	var mu sync.Mutex
	record := func(to *[]transportSeen) func(*http.Request) {
		return func(r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			*to = append(*to, transportSeen{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("User-Agent")})
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts.Target, opts.Rate, opts.RootCAs, opts.HTTPURL = srv.URL+"/?k=1", 1000, roots, plain.URL+"/plain/check"
	opts.Config = bearerIdentities("alice")
	if _, err := scan.Run(ctx, loadSpec(t, securedPingAPI), opts); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return tlsSeen, plainSeen
}

// The transport checks of an https target send two requests of their own,
// as docs/scan.md says: a GET of the target URL over HTTPS (HSTS) and one
// plain-HTTP GET of --http-url (by default port 80 of the target's host),
// neither with the identities' credentials nor the target URL's query
// (which may hold a key: the HSTS check runs before a certificate that
// does not verify stops the scan, and the other is in clear text).
// --no-plain-http leaves the second out and keeps the first.
func TestTransportRequestsCarryNoCredentials(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      scan.Options
		wantPlain []transportSeen
	}{
		{"default", scan.Options{}, []transportSeen{{"GET", "/plain/check", "", "rampart-scan"}}},
		{"no-plain-http", scan.Options{NoPlainHTTP: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tlsSeen, plainSeen := scanBehindTLS(t, tc.opts)
			if !slices.Equal(plainSeen, tc.wantPlain) {
				t.Errorf("plain-HTTP requests = %+v, want %+v", plainSeen, tc.wantPlain)
			}
			// Every other request goes to /ping or a probe path, with the
			// target's query: the target URL itself is asked for once, by
			// the HSTS check, without it.
			hsts := 0
			for _, s := range tlsSeen {
				if s.uri == "/" {
					hsts++
					if s != (transportSeen{"GET", "/", "", "rampart-scan"}) {
						t.Errorf("HSTS check sent %+v, want GET of the target URL without credentials", s)
					}
				}
				if s.uri == "/?k=1" {
					t.Errorf("a request for the bare target URL carried its query: %+v", s)
				}
			}
			if hsts != 1 {
				t.Errorf("%d HSTS requests, want 1", hsts)
			}
		})
	}
}
