package scan_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
)

// bolaServer stores items and lets any bearer read any of them (BOLA).
// It has no login endpoint: POST /login is refused.
type bolaServer struct {
	mu    sync.Mutex
	items map[string]string
}

func (b *bolaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "POST" && r.URL.Path == "/items":
		var in struct{ Name string }
		if json.NewDecoder(r.Body).Decode(&in) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		id := fmt.Sprint(len(b.items) + 1)
		b.items[id] = in.Name
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "name": in.Name})
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/items/"):
		id := strings.TrimPrefix(r.URL.Path, "/items/")
		name, ok := b.items[id]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "name": name})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// When the second identity cannot log in, the BOLA test cannot run: the
// report must say so rather than scan a BOLA-vulnerable target clean.
func TestAuthorizationNotRunIsReported(t *testing.T) {
	for _, tc := range []struct {
		name     string
		bob      config.Identity
		wantBOLA bool
		wantNote string
	}{
		{"bob has a token", config.Identity{Name: "bob", Credentials: map[string]config.Credential{"bearer": {Token: "bob-token"}}}, true, ""},
		{"bob's login fails", config.Identity{Name: "bob", Login: &config.Login{URL: "/login", JSON: map[string]any{"user": "bob"}}}, false,
			"authorization (BOLA/BFLA) tests as bob were not run: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(&bolaServer{items: map[string]string{}})
			defer srv.Close()
			cfg := &config.Config{Identities: []config.Identity{
				bearerIdentities("alice").Identities[0],
				tc.bob,
			}}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			res, err := scan.Run(ctx, loadSpec(t, itemsAPI), scan.Options{Target: srv.URL, Config: cfg, Rate: 1000, NoProbes: true})
			if err != nil {
				t.Fatal(err)
			}
			bola := false
			for _, f := range res.Spec.Findings {
				bola = bola || f.Rule == "scan-bola"
			}
			if bola != tc.wantBOLA {
				t.Errorf("scan-bola reported = %v, want %v", bola, tc.wantBOLA)
			}
			note := ""
			for _, m := range res.Spec.ManualChecks {
				if strings.Contains(m, "BOLA/BFLA") {
					note = m
				}
			}
			if tc.wantNote == "" && note != "" {
				t.Errorf("unexpected note %q", note)
			}
			if tc.wantNote != "" && (!strings.Contains(note, tc.wantNote) || !strings.Contains(note, "login POST")) {
				t.Errorf("manual checks %q do not say the tests as bob were not run and why", res.Spec.ManualChecks)
			}
			if got := res.Spec.Summary["authz_tests"]; tc.wantBOLA != (got > 0) {
				t.Errorf("authz_tests = %d with BOLA tested = %v", got, tc.wantBOLA)
			}
		})
	}
}
