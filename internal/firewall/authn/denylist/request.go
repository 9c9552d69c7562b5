package denylist

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// DefaultMaxTTL bounds how long a revocation added at run time is kept
// when the configuration sets no max_ttl. Access tokens rarely live longer
// than a day; an entry without a bound would hold memory (or a Redis key)
// for ever.
const DefaultMaxTTL = 24 * time.Hour

// maxJTI bounds a jti so that one request cannot pin a large string in the
// store; real jti values are short identifiers.
const maxJTI = 1024

// Request is the body of a revocation sent to the admin listener. Exactly
// one of JTI, TokenSHA256 and Token is set.
type Request struct {
	JTI string `json:"jti,omitempty"`
	// TokenSHA256 is the hex SHA-256 of the whole token.
	TokenSHA256 string `json:"token_sha256,omitempty"`
	// Token is the token itself, hashed at once; it is never stored or
	// logged.
	Token string `json:"token,omitempty"`
	// Exp is when the token expires: an RFC 3339 time or, as in the
	// token's own exp claim, seconds since the epoch. Absent, the entry
	// lasts the maximum TTL.
	Exp json.RawMessage `json:"exp,omitempty"`
}

// ParseRequest reads one revocation (a JSON object) and turns it into an
// entry that expires at the token's exp, or at now+maxTTL when exp is
// absent or later. An exp in the past gives an entry that is already
// expired: the token is refused by its own exp, and adding it is harmless.
// Errors are meant to be shown to the caller as they are.
func ParseRequest(body io.Reader, now time.Time, maxTTL time.Duration) (Entry, error) {
	if maxTTL <= 0 {
		maxTTL = DefaultMaxTTL
	}
	var req Request
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return Entry{}, fmt.Errorf("body: want a JSON object with one of jti, token_sha256 or token, and optionally exp: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Entry{}, errors.New("body: want a single JSON object")
	}
	var e Entry
	n := 0
	if req.JTI != "" {
		n++
		if len(req.JTI) > maxJTI {
			return Entry{}, fmt.Errorf("jti: longer than %d bytes", maxJTI)
		}
		e.JTI = req.JTI
	}
	if req.TokenSHA256 != "" {
		n++
		h := strings.ToLower(req.TokenSHA256)
		if b, err := hex.DecodeString(h); err != nil || len(b) != 32 {
			return Entry{}, errors.New("token_sha256: want 64 hexadecimal digits (the SHA-256 of the whole token)")
		}
		e.TokenHash = h
	}
	if req.Token != "" {
		n++
		// The firewall hashes the credential without its scheme; a
		// "Bearer " prefix would give a hash that never matches, so the
		// revocation would silently do nothing.
		if strings.ContainsAny(req.Token, " \t\r\n") {
			return Entry{}, errors.New("token: want the bare token, without \"Bearer \" or spaces")
		}
		e.TokenHash = TokenHash(req.Token)
	}
	if n != 1 {
		return Entry{}, errors.New("give exactly one of jti, token_sha256 or token")
	}
	limit := now.Add(maxTTL)
	e.Until = limit
	if len(req.Exp) > 0 && !bytes.Equal(req.Exp, []byte("null")) {
		exp, err := parseExp(req.Exp)
		if err != nil {
			return Entry{}, err
		}
		if exp.Before(limit) {
			e.Until = exp
		}
	}
	return e, nil
}

func parseExp(raw json.RawMessage) (time.Time, error) {
	const want = "exp: want an RFC 3339 time such as \"2030-01-02T15:04:05Z\" or seconds since the epoch"
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, errors.New(want)
		}
		return t, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		sec, err := n.Int64()
		if err != nil || sec < 0 {
			return time.Time{}, errors.New(want)
		}
		return time.Unix(sec, 0), nil
	}
	return time.Time{}, errors.New(want)
}

// Counter is implemented by stores that can tell how many revocations are
// in force.
type Counter interface {
	Count(ctx context.Context) (int, error)
}
