// Package denylist holds revoked tokens, by "jti" or by a SHA-256 of the
// whole token, each until the token would have expired anyway.
package denylist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// Entry revokes one token.
type Entry struct {
	// Exactly one of JTI and TokenHash (hex SHA-256 of the token).
	JTI       string
	TokenHash string
	// Until is when the entry may be dropped (the token's exp).
	Until time.Time
}

// Store is a denylist. Implementations are safe for concurrent use.
type Store interface {
	// Denied reports whether the token (by jti, which may be empty, or by
	// hash) is revoked. An error means the store could not answer; the
	// caller decides whether to fail open or closed.
	Denied(ctx context.Context, jti, tokenHash string) (bool, error)
	Add(ctx context.Context, e Entry) error
}

// TokenHash is the hex SHA-256 of a token, the form entries use.
func TokenHash(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

var errEmpty = errors.New("denylist entry needs a jti or a token hash")

func key(e Entry) (string, error) {
	switch {
	case e.JTI != "" && e.TokenHash == "":
		return "jti:" + e.JTI, nil
	case e.TokenHash != "" && e.JTI == "":
		return "sha256:" + e.TokenHash, nil
	}
	return "", errEmpty
}

// Memory is an in-memory store for one node. Expired entries are dropped
// on a sweep every so many additions, so memory tracks live revocations.
type Memory struct {
	mu  sync.RWMutex
	m   map[string]time.Time
	n   int
	Now func() time.Time
}

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{m: map[string]time.Time{}, Now: time.Now} }

func (s *Memory) Add(_ context.Context, e Entry) error {
	k, err := key(e)
	if err != nil {
		return err
	}
	if !s.Now().Before(e.Until) {
		return nil // already expired: nothing to deny
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A revocation only ever grows: a later one with an earlier end must
	// not lift the token back into use.
	if cur, ok := s.m[k]; !ok || e.Until.After(cur) {
		s.m[k] = e.Until
	}
	s.n++
	if s.n%1024 == 0 {
		now := s.Now()
		for k, until := range s.m {
			if !now.Before(until) {
				delete(s.m, k)
			}
		}
	}
	return nil
}

func (s *Memory) Denied(_ context.Context, jti, tokenHash string) (bool, error) {
	now := s.Now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if jti != "" {
		if until, ok := s.m["jti:"+jti]; ok && now.Before(until) {
			return true, nil
		}
	}
	if tokenHash != "" {
		if until, ok := s.m["sha256:"+tokenHash]; ok && now.Before(until) {
			return true, nil
		}
	}
	return false, nil
}

// Len is the number of entries held (live or awaiting a sweep).
func (s *Memory) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

// Count is the number of revocations in force (expired entries awaiting a
// sweep are not counted).
func (s *Memory) Count(context.Context) (int, error) {
	now := s.Now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, until := range s.m {
		if now.Before(until) {
			n++
		}
	}
	return n, nil
}
