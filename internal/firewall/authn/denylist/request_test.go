package denylist

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseRequest(t *testing.T) {
	now := time.Date(2030, 1, 2, 15, 0, 0, 0, time.UTC)
	const maxTTL = 2 * time.Hour
	tok := "eyJhbGciOiJSUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln"
	hash := TokenHash(tok)
	tests := []struct {
		name    string
		body    string
		want    Entry
		wantErr string // substring of the error; "" for success
	}{
		{"jti with exp", `{"jti":"a1","exp":"2030-01-02T15:30:00Z"}`, Entry{JTI: "a1", Until: now.Add(30 * time.Minute)}, ""},
		{"exp with offset and fraction", `{"jti":"a1","exp":"2030-01-02T16:30:00.5+01:00"}`, Entry{JTI: "a1", Until: now.Add(30*time.Minute + 500*time.Millisecond)}, ""},
		{"exp as epoch seconds", `{"jti":"a1","exp":` + strconv.FormatInt(now.Add(time.Hour).Unix(), 10) + `}`, Entry{JTI: "a1", Until: now.Add(time.Hour)}, ""},
		{"no exp lasts the max TTL", `{"jti":"a1"}`, Entry{JTI: "a1", Until: now.Add(maxTTL)}, ""},
		{"null exp lasts the max TTL", `{"jti":"a1","exp":null}`, Entry{JTI: "a1", Until: now.Add(maxTTL)}, ""},
		{"exp beyond the max TTL is capped", `{"jti":"a1","exp":"2031-01-01T00:00:00Z"}`, Entry{JTI: "a1", Until: now.Add(maxTTL)}, ""},
		{"exp in the past is kept as given", `{"jti":"a1","exp":"2029-01-01T00:00:00Z"}`, Entry{JTI: "a1", Until: time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)}, ""},
		{"token is hashed", `{"token":"` + tok + `"}`, Entry{TokenHash: hash, Until: now.Add(maxTTL)}, ""},
		{"hash in upper case", `{"token_sha256":"` + strings.ToUpper(hash) + `"}`, Entry{TokenHash: hash, Until: now.Add(maxTTL)}, ""},

		{"empty body", ``, Entry{}, "want a JSON object"},
		{"empty object", `{}`, Entry{}, "exactly one of"},
		{"empty jti", `{"jti":""}`, Entry{}, "exactly one of"},
		{"jti and token", `{"jti":"a","token":"` + tok + `"}`, Entry{}, "exactly one of"},
		{"unknown field", `{"jti":"a","sub":"alice"}`, Entry{}, "unknown field"},
		{"array", `[{"jti":"a"}]`, Entry{}, "want a JSON object"},
		{"two objects", `{"jti":"a"}{"jti":"b"}`, Entry{}, "single JSON object"},
		{"jti not a string", `{"jti":42}`, Entry{}, "want a JSON object"},
		{"jti too long", `{"jti":"` + strings.Repeat("x", maxJTI+1) + `"}`, Entry{}, "longer than"},
		{"hash not hex", `{"token_sha256":"` + strings.Repeat("z", 64) + `"}`, Entry{}, "64 hexadecimal"},
		{"hash too short", `{"token_sha256":"` + hash[:62] + `"}`, Entry{}, "64 hexadecimal"},
		{"token with Bearer", `{"token":"Bearer ` + tok + `"}`, Entry{}, "bare token"},
		{"exp not RFC 3339", `{"jti":"a","exp":"tomorrow"}`, Entry{}, "RFC 3339"},
		{"exp date only", `{"jti":"a","exp":"2030-01-03"}`, Entry{}, "RFC 3339"},
		{"exp negative", `{"jti":"a","exp":-5}`, Entry{}, "RFC 3339"},
		{"exp fractional seconds number", `{"jti":"a","exp":1.5}`, Entry{}, "RFC 3339"},
		{"exp object", `{"jti":"a","exp":{}}`, Entry{}, "RFC 3339"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRequest(strings.NewReader(tc.body), now, maxTTL)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.JTI != tc.want.JTI || got.TokenHash != tc.want.TokenHash || !got.Until.Equal(tc.want.Until) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseRequestNeverEchoesTheToken(t *testing.T) {
	// The error is shown to the caller and may be logged: a malformed
	// request must not carry the token into either.
	tok := "secret-token-value"
	for _, body := range []string{
		`{"token":"Bearer ` + tok + `"}`,
		`{"token":"` + tok + `","jti":"a"}`,
		`{"token":"` + tok + `","exp":"soon"}`,
	} {
		_, err := ParseRequest(strings.NewReader(body), time.Now(), time.Hour)
		if err == nil || strings.Contains(err.Error(), tok) {
			t.Errorf("%s: err = %v", body, err)
		}
	}
}

func TestParseRequestDefaultMaxTTL(t *testing.T) {
	now := time.Now()
	e, err := ParseRequest(strings.NewReader(`{"jti":"a"}`), now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Until.Equal(now.Add(DefaultMaxTTL)) {
		t.Fatalf("until = %v, want now + %v", e.Until, DefaultMaxTTL)
	}
}

func TestParseRequestBodyLimit(t *testing.T) {
	// The admin handler wraps the body in http.MaxBytesReader; the error
	// must stay recognisable through ParseRequest so it can answer 413.
	rec := httptest.NewRecorder()
	body := http.MaxBytesReader(rec, io.NopCloser(strings.NewReader(`{"jti":"`+strings.Repeat("x", 100)+`"}`)), 10)
	_, err := ParseRequest(body, time.Now(), time.Hour)
	var tooBig *http.MaxBytesError
	if !errors.As(err, &tooBig) {
		t.Fatalf("err = %v, want a *http.MaxBytesError inside", err)
	}
}

func TestMemoryCount(t *testing.T) {
	m := NewMemory()
	now := time.Now()
	m.Now = func() time.Time { return now }
	ctx := context.Background()
	for _, e := range []Entry{
		{JTI: "a", Until: now.Add(time.Hour)},
		{JTI: "b", Until: now.Add(time.Minute)},
		{TokenHash: TokenHash("t"), Until: now.Add(time.Hour)},
		{JTI: "old", Until: now.Add(-time.Second)},
	} {
		if err := m.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		after time.Duration
		want  int
	}{{0, 3}, {2 * time.Minute, 2}, {2 * time.Hour, 0}} {
		now = now.Add(tc.after)
		if n, _ := m.Count(ctx); n != tc.want {
			t.Errorf("after %v: count = %d, want %d", tc.after, n, tc.want)
		}
		now = now.Add(-tc.after)
	}
}
