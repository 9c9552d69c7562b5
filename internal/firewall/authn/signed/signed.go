// Package signed verifies signed request payloads: bodies of content type
// application/jose (a compact JWS whose payload is the real body) and
// detached JWS signatures (RFC 7515 appendix F, optionally with RFC 7797
// unencoded payloads) carried in a request header over the raw body. Keys
// come from configuration only; header-embedded keys and key URLs are never
// used.
package signed

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/rampart-sec/rampart/internal/firewall/authn/internal/jose"
)

// Config is the YAML configuration.
type Config struct {
	KeyFiles   []string `yaml:"key_files"`
	Algorithms []string `yaml:"algorithms,omitempty"` // default: all asymmetric
	// Header carries detached signatures (default X-JWS-Signature).
	Header string `yaml:"header,omitempty"`
}

// Validate reports configuration mistakes.
func (c *Config) Validate() error {
	var errs []error
	if len(c.KeyFiles) == 0 {
		errs = append(errs, errors.New("signed_payloads.key_files: at least one key file is required"))
	}
	for _, a := range c.Algorithms {
		if jose.IsHMAC(a) {
			errs = append(errs, fmt.Errorf("signed_payloads.algorithms: %s is symmetric and cannot give non-repudiation", a))
		}
	}
	if len(errs) == 0 {
		if _, err := jose.NewAllowlist(c.Algorithms, false); err != nil {
			errs = append(errs, fmt.Errorf("signed_payloads.algorithms: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Errors a caller may test for.
var (
	ErrUnsigned = errors.New("the request is not signed")
	ErrInvalid  = errors.New("invalid payload signature")
)

// MediaType is the content type of JWS bodies.
const MediaType = "application/jose"

// Verifier is safe for concurrent use.
type Verifier struct {
	keys   jwk.Set
	allow  jose.Allowlist
	header string
}

// New loads the keys.
func New(c Config) (*Verifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	set, err := jose.LoadKeys(c.KeyFiles)
	if err != nil {
		return nil, fmt.Errorf("signed_payloads: %w", err)
	}
	return NewWithKeys(set, c.Algorithms, c.Header)
}

// NewWithKeys builds a verifier from a key set.
func NewWithKeys(keys jwk.Set, algorithms []string, header string) (*Verifier, error) {
	allow, err := jose.NewAllowlist(algorithms, false)
	if err != nil {
		return nil, err
	}
	if header == "" {
		header = "X-JWS-Signature"
	}
	return &Verifier{keys: keys, allow: allow, header: http.CanonicalHeaderKey(header)}, nil
}

// Result describes a verified payload.
type Result struct {
	// Payload is the signed content: for application/jose the embedded
	// payload (what the contract's schema describes), for a detached
	// signature the body itself.
	Payload []byte
	// ContentType is the payload's media type from the "cty" header, ""
	// when not given.
	ContentType string
	Kid         string
	Alg         string
	Detached    bool
}

// IsSigned reports whether the request carries a signature of either
// form, to decide whether an optional check applies.
func (v *Verifier) IsSigned(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == MediaType || r.Header.Get(v.header) != ""
}

// Verify checks the signature of a request whose body has been read into
// body. It returns ErrUnsigned when there is no signature at all.
func (v *Verifier) Verify(r *http.Request, body []byte) (*Result, error) {
	sigs := r.Header.Values(v.header)
	if len(sigs) > 1 {
		return nil, fmt.Errorf("%w: several %s fields", ErrInvalid, v.header)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case len(sigs) == 1:
		if body == nil {
			// A request without a body is signed over the empty payload;
			// a nil payload would take the attached path and accept any
			// JWS signed for other content.
			body = []byte{}
		}
		return v.verify([]byte(strings.TrimSpace(sigs[0])), body)
	case mt == MediaType:
		return v.verify([]byte(strings.TrimSpace(string(body))), nil)
	}
	return nil, ErrUnsigned
}

func (v *Verifier) verify(tok, detached []byte) (*Result, error) {
	if detached != nil {
		// A detached JWS has an empty middle part.
		parts := strings.Split(string(tok), ".")
		if len(parts) != 3 || parts[1] != "" {
			return nil, fmt.Errorf("%w: the signature header must be a detached compact JWS (header..signature)", ErrInvalid)
		}
	}
	h, err := jose.ParseCompact(tok, v.allow, "b64")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	keys := jose.Candidates(v.keys, h.Kid, h.Alg)
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no configured key for kid %q and alg %s", ErrInvalid, h.Kid, h.Alg)
	}
	var last error
	for _, k := range keys {
		p, err := jose.Verify(tok, h.Alg, k, detached)
		if err != nil {
			last = err
			continue
		}
		res := &Result{Payload: p, Kid: h.Kid, Alg: h.Alg.String(), Detached: detached != nil}
		if detached != nil {
			res.Payload = detached
		}
		if cty, ok := h.Raw().ContentType(); ok {
			res.ContentType = cty
		}
		return res, nil
	}
	return nil, fmt.Errorf("%w: %v", ErrInvalid, last)
}
