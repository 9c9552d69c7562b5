package jwt

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn/internal/jose"
)

// Config is the YAML configuration of JWT bearer verification for one
// security scheme.
type Config struct {
	// Exactly one key source: jwks_url, openid_connect_url (discovery;
	// defaults to the scheme's openIdConnectUrl), key_files, or only an
	// HMAC secret.
	JWKSURL          string   `yaml:"jwks_url,omitempty"`
	OpenIDConnectURL string   `yaml:"openid_connect_url,omitempty"`
	KeyFiles         []string `yaml:"key_files,omitempty"`
	// HMAC secret, read from an environment variable or a file so that it
	// never sits in the configuration. Enables HS* algorithms only when
	// they are also listed in algorithms.
	HMACSecretEnv  string `yaml:"hmac_secret_env,omitempty"`
	HMACSecretFile string `yaml:"hmac_secret_file,omitempty"`

	Algorithms []string      `yaml:"algorithms,omitempty"`
	Issuer     string        `yaml:"issuer,omitempty"`
	Audiences  []string      `yaml:"audiences,omitempty"`
	Type       string        `yaml:"type,omitempty"` // e.g. at+jwt
	Leeway     time.Duration `yaml:"leeway,omitempty"`
	// RequireExp defaults to true; tokens without exp never expire.
	RequireExp *bool         `yaml:"require_exp,omitempty"`
	MaxAge     time.Duration `yaml:"max_age,omitempty"`

	Refresh      time.Duration `yaml:"refresh,omitempty"`       // default 1h
	MinRefresh   time.Duration `yaml:"min_refresh,omitempty"`   // default 30s
	FetchTimeout time.Duration `yaml:"fetch_timeout,omitempty"` // default 5s
}

// Validate reports configuration mistakes.
func (c *Config) Validate() error { return c.validate(true) }

// ValidateSettings is Validate without the requirement of a key source.
// A configuration read without the contract uses it: an openIdConnect
// scheme's openIdConnectUrl stands in for a missing source, and only
// Build, given the scheme, can tell whether there is one.
func (c *Config) ValidateSettings() error { return c.validate(false) }

func (c *Config) validate(needSource bool) error {
	var errs []error
	sources := 0
	for _, s := range []bool{c.JWKSURL != "", c.OpenIDConnectURL != "", len(c.KeyFiles) > 0} {
		if s {
			sources++
		}
	}
	hasSecret := c.HMACSecretEnv != "" || c.HMACSecretFile != ""
	if sources > 1 {
		errs = append(errs, errors.New("choose one of jwks_url, openid_connect_url and key_files"))
	}
	if sources == 0 && !hasSecret && needSource {
		errs = append(errs, errors.New("no key source: set jwks_url, openid_connect_url, key_files or an HMAC secret (an openIdConnect scheme's openIdConnectUrl is the default)"))
	}
	if c.HMACSecretEnv != "" && c.HMACSecretFile != "" {
		errs = append(errs, errors.New("set hmac_secret_env or hmac_secret_file, not both"))
	}
	for name, u := range map[string]string{"jwks_url": c.JWKSURL, "openid_connect_url": c.OpenIDConnectURL} {
		if u == "" {
			continue
		}
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL", name, u))
		}
	}
	if _, err := jose.NewAllowlist(c.Algorithms, hasSecret); err != nil {
		errs = append(errs, fmt.Errorf("algorithms: %w", err))
	}
	hmacListed := false
	for _, a := range c.Algorithms {
		hmacListed = hmacListed || jose.IsHMAC(a)
	}
	if hasSecret && !hmacListed {
		errs = append(errs, errors.New("an HMAC secret is configured but no HS* algorithm is listed in algorithms"))
	}
	if c.Type != "" && strings.ContainsAny(c.Type, " \t") {
		errs = append(errs, fmt.Errorf("type %q: must be a media type such as at+jwt", c.Type))
	}
	for name, d := range map[string]time.Duration{"leeway": c.Leeway, "max_age": c.MaxAge, "refresh": c.Refresh, "min_refresh": c.MinRefresh, "fetch_timeout": c.FetchTimeout} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative", name))
		}
	}
	if c.Leeway > 5*time.Minute {
		errs = append(errs, errors.New("leeway above 5m defeats expiry checks"))
	}
	return errors.Join(errs...)
}

func (c *Config) secret() ([]byte, error) {
	switch {
	case c.HMACSecretEnv != "":
		v, ok := os.LookupEnv(c.HMACSecretEnv)
		if !ok || v == "" {
			return nil, fmt.Errorf("environment variable %s (hmac_secret_env) is not set", c.HMACSecretEnv)
		}
		return []byte(v), nil
	case c.HMACSecretFile != "":
		b, err := os.ReadFile(c.HMACSecretFile)
		if err != nil {
			return nil, fmt.Errorf("hmac_secret_file: %w", err)
		}
		return []byte(strings.TrimRight(string(b), "\r\n")), nil
	}
	return nil, nil
}

// Built is a verifier and, for remote keys, the source to Run.
type Built struct {
	Verifier *Verifier
	// Remote is nil for static keys; otherwise call Remote.Run in a
	// goroutine for the life of the server.
	Remote *RemoteKeys
}

// Build makes the verifier. schemeOIDC is the scheme's openIdConnectUrl,
// used when the configuration names no key source.
func (c *Config) Build(schemeOIDC string, logger *slog.Logger) (*Built, error) {
	if c.JWKSURL == "" && c.OpenIDConnectURL == "" && len(c.KeyFiles) == 0 && schemeOIDC != "" && c.HMACSecretEnv == "" && c.HMACSecretFile == "" {
		cc := *c
		cc.OpenIDConnectURL = schemeOIDC
		c = &cc
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	secret, err := c.secret()
	if err != nil {
		return nil, err
	}
	out := &Built{}
	var keys KeySource
	switch {
	case len(c.KeyFiles) > 0:
		set, err := jose.LoadKeys(c.KeyFiles)
		if err != nil {
			return nil, err
		}
		keys = StaticKeys{Set: set}
	case c.JWKSURL != "" || c.OpenIDConnectURL != "":
		out.Remote = &RemoteKeys{
			JWKSURL:      c.JWKSURL,
			DiscoveryURL: c.OpenIDConnectURL,
			Client:       &http.Client{Timeout: or(c.FetchTimeout, 5*time.Second)},
			Refresh:      or(c.Refresh, time.Hour),
			MinRefresh:   or(c.MinRefresh, 30*time.Second),
			Logger:       logger,
		}
		keys = out.Remote
	}
	needExp := c.RequireExp == nil || *c.RequireExp
	v, err := NewVerifier(keys, Options{Algorithms: c.Algorithms, HMACSecret: secret, Issuer: c.Issuer, Audiences: c.Audiences, Type: c.Type, Leeway: c.Leeway, RequireExp: needExp, MaxAge: c.MaxAge})
	if err != nil {
		return nil, err
	}
	out.Verifier = v
	return out, nil
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
