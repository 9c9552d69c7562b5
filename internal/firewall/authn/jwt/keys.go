package jwt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/rampart-sec/rampart/internal/firewall/authn/internal/jose"
)

// ErrNotReady means no key set has been loaded yet (the JWKS or discovery
// host has not answered since start-up). Callers answer 503, not 401: the
// token may well be valid.
var ErrNotReady = errors.New("signing keys are not loaded yet")

// KeySource gives the verification keys.
type KeySource interface {
	// Keys returns the keys that may verify a token with this kid and alg.
	// A remote source refreshes (rate-limited) when kid is unknown.
	Keys(ctx context.Context, kid string, alg jwa.SignatureAlgorithm) ([]jwk.Key, error)
	// Ready reports whether a key set is loaded.
	Ready() bool
}

// StaticKeys is a fixed key set (PEM or JWK files).
type StaticKeys struct{ Set jwk.Set }

func (s StaticKeys) Keys(_ context.Context, kid string, alg jwa.SignatureAlgorithm) ([]jwk.Key, error) {
	return jose.Candidates(s.Set, kid, alg), nil
}
func (StaticKeys) Ready() bool { return true }

// maxDocument bounds a JWKS or discovery document.
const maxDocument = 1 << 20

// RemoteKeys is a JWKS URL (or an OIDC discovery URL naming one) with a
// cached key set. The set is refreshed every Refresh, and on demand when a
// token names an unknown kid, but never more often than MinRefresh so that
// tokens with random kids cannot turn the firewall into a load generator
// against the identity provider. A failed refresh keeps the last good set.
type RemoteKeys struct {
	JWKSURL      string
	DiscoveryURL string
	Client       *http.Client
	Refresh      time.Duration
	MinRefresh   time.Duration
	Logger       *slog.Logger

	set        atomic.Pointer[jwk.Set]
	issuer     atomic.Pointer[string]
	mu         sync.Mutex // guards lastTry and inflight
	inflight   *flight
	lastTry    time.Time
	jwksURL    string
	now        func() time.Time
	fetchCount atomic.Int64
}

// Ready reports whether a key set has been loaded.
func (r *RemoteKeys) Ready() bool { return r.set.Load() != nil }

// Issuer is the issuer named by the discovery document, "" without one.
func (r *RemoteKeys) Issuer() string {
	if p := r.issuer.Load(); p != nil {
		return *p
	}
	return ""
}

// Fetches counts key set fetch attempts (for tests and metrics).
func (r *RemoteKeys) Fetches() int64 { return r.fetchCount.Load() }

func (r *RemoteKeys) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

// Inherit takes p's last good key set (and the issuer and JWKS URL its
// discovery found) when p reads the same URL, so that a reload while the
// identity provider is down keeps the keys in force: built anew, the
// source had none, and every token operation answered 503 once the
// reload gave up waiting. It reports whether a set was taken.
func (r *RemoteKeys) Inherit(p *RemoteKeys) bool {
	if p == nil || p.JWKSURL != r.JWKSURL || p.DiscoveryURL != r.DiscoveryURL {
		return false
	}
	set := p.set.Load()
	if set == nil {
		return false
	}
	p.mu.Lock()
	jwksURL := p.jwksURL
	p.mu.Unlock()
	r.mu.Lock()
	r.jwksURL = jwksURL
	r.mu.Unlock()
	if iss := p.issuer.Load(); iss != nil {
		r.issuer.Store(iss)
	}
	r.set.Store(set)
	return true
}

// Run loads the keys and keeps them fresh until ctx ends. Until a load
// succeeds it retries every MinRefresh: secured operations answer 503
// meanwhile, so a backoff growing towards Refresh (an hour by default)
// kept them refused for as long again after the provider came back.
func (r *RemoteKeys) Run(ctx context.Context) {
	for {
		err := r.refresh(ctx, true)
		wait := r.Refresh
		if err != nil && !r.Ready() {
			wait = r.MinRefresh
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Keys implements KeySource.
func (r *RemoteKeys) Keys(ctx context.Context, kid string, alg jwa.SignatureAlgorithm) ([]jwk.Key, error) {
	sp := r.set.Load()
	if sp == nil {
		// Run retries in the background; requests do not wait on a host
		// that is down.
		return nil, ErrNotReady
	}
	if kid != "" {
		if _, found := (*sp).LookupKeyID(kid); !found {
			// Unknown kid: the provider may have rotated its keys. Asked
			// even when a key without kid is a candidate, since that key
			// is not necessarily the one the token names.
			if err := r.refresh(ctx, false); err == nil {
				sp = r.set.Load()
			}
		}
	}
	return jose.Candidates(*sp, kid, alg), nil
}

type flight struct {
	done chan struct{}
	err  error
}

var errRateLimited = errors.New("key refresh rate-limited")

// refresh fetches the key set. Unless forced it is skipped when the last
// attempt was less than MinRefresh ago.
func (r *RemoteKeys) refresh(ctx context.Context, forced bool) error {
	r.mu.Lock()
	if fl := r.inflight; fl != nil {
		// Join the fetch under way instead of starting another.
		r.mu.Unlock()
		select {
		case <-fl.done:
			return fl.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	now := r.clock()
	if !forced && !r.lastTry.IsZero() && now.Sub(r.lastTry) < r.MinRefresh {
		r.mu.Unlock()
		return errRateLimited
	}
	r.lastTry = now
	fl := &flight{done: make(chan struct{})}
	r.inflight = fl
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inflight = nil
		r.mu.Unlock()
		close(fl.done)
	}()
	r.fetchCount.Add(1)
	// A request that gives up must not abort the fetch others joined.
	set, err := r.fetch(context.WithoutCancel(ctx))
	fl.err = err
	if err != nil {
		if r.Logger != nil {
			if r.Ready() {
				r.Logger.Warn("signing key refresh failed; keeping the last good key set", "url", r.display(), "error", err)
			} else {
				r.Logger.Warn("signing keys could not be loaded; token operations answer 503 until they are", "url", r.display(), "retry_in", r.MinRefresh.String(), "error", err)
			}
		}
		return err
	}
	r.set.Store(&set)
	return nil
}

func (r *RemoteKeys) display() string {
	if r.JWKSURL != "" {
		return r.JWKSURL
	}
	return r.DiscoveryURL
}

func (r *RemoteKeys) fetch(ctx context.Context) (jwk.Set, error) {
	u := r.JWKSURL
	if u == "" {
		// jwksURL is guarded by mu: Inherit reads it from another
		// goroutine while this source may still be refreshing.
		r.mu.Lock()
		found := r.jwksURL
		r.mu.Unlock()
		if found == "" {
			var doc struct {
				Issuer  string `json:"issuer"`
				JWKSURI string `json:"jwks_uri"`
			}
			body, err := r.get(ctx, r.DiscoveryURL)
			if err != nil {
				return nil, fmt.Errorf("OIDC discovery: %w", err)
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				return nil, fmt.Errorf("OIDC discovery: invalid JSON: %w", err)
			}
			if doc.JWKSURI == "" {
				return nil, errors.New("OIDC discovery: the document has no jwks_uri")
			}
			if err := noDowngrade(r.DiscoveryURL, doc.JWKSURI); err != nil {
				return nil, fmt.Errorf("OIDC discovery: jwks_uri: %w", err)
			}
			found = doc.JWKSURI
			r.mu.Lock()
			r.jwksURL = found
			r.mu.Unlock()
			if doc.Issuer != "" {
				r.issuer.Store(&doc.Issuer)
			}
		}
		u = found
	}
	body, err := r.get(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	set, skipped, err := jose.ParseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", u, err)
	}
	if len(skipped) > 0 && r.Logger != nil {
		r.Logger.Warn("JWKS keys that cannot verify tokens are ignored", "url", u, "ignored", skipped)
	}
	return set, nil
}

func (r *RemoteKeys) get(ctx context.Context, u string) ([]byte, error) {
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := noDowngrade(u, resp.Request.URL.String()); err != nil {
		return nil, fmt.Errorf("GET %s: redirected: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if len(body) > maxDocument {
		return nil, fmt.Errorf("GET %s: document larger than %d bytes", u, maxDocument)
	}
	return body, nil
}

// noDowngrade refuses to follow an https location to a plain-HTTP one (a
// redirect, or a discovery document naming its key set). Signing keys
// are trust anchors: fetched over plain HTTP, anyone on the path could
// replace them with their own. A location configured as http is the
// operator's choice and is left alone.
func noDowngrade(from, to string) error {
	f, err := url.Parse(from)
	if err != nil || !strings.EqualFold(f.Scheme, "https") {
		return nil
	}
	t, err := url.Parse(to)
	if err != nil || !strings.EqualFold(t.Scheme, "https") {
		return fmt.Errorf("%q is not https, but %q is", to, from)
	}
	return nil
}
