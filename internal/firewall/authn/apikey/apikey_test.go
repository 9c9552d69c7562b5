package apikey

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/cookies"
	"golang.org/x/crypto/bcrypt"
)

func TestBasicCache(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	b, err := NewBasic(BasicConfig{Users: []User{{Username: "ops", Bcrypt: string(hash)}}, CacheTTL: time.Minute, CacheSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	b.cache.Now = func() time.Time { return now }
	req := func(u, p string) error {
		r := httptest.NewRequest("GET", "/", nil)
		r.SetBasicAuth(u, p)
		_, err := b.Check(r)
		return err
	}
	if err := req("ops", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if b.cache.Len() != 1 {
		t.Fatalf("verified credential not cached")
	}
	// The cache is keyed by the whole credential: a wrong password never
	// hits it.
	if err := req("ops", "s3cret!"); !errors.Is(err, ErrBadBasic) {
		t.Fatalf("wrong password: %v", err)
	}
	if b.cache.Len() != 1 {
		t.Fatal("a failed attempt was cached")
	}
	// A cache hit skips bcrypt: replace the hash and the cached entry still
	// answers until it expires.
	b.users["ops"].Bcrypt = "$2a$04$invalidinvalidinvalidinvalidinvalidinvalidinvalidinval"
	if err := req("ops", "s3cret"); err != nil {
		t.Fatalf("cache miss: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if err := req("ops", "s3cret"); err == nil {
		t.Fatal("expired cache entry still used")
	}
}

func TestAPIKeyAndBasic(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if _, err := New("header", "X-Key", Config{Keys: []Key{{ID: "a", SHA256: "abc"}}}); err == nil {
		t.Fatal("a short digest must be refused")
	}
	if _, err := NewBasic(BasicConfig{Users: []User{{Username: "u", Bcrypt: "plain"}}}); err == nil {
		t.Fatal("a plain password must be refused")
	}
	ch, err := New("header", "X-Key", Config{Keys: []Key{{ID: "a", SHA256: Digest("k-a")}, {ID: "b", SHA256: Digest("k-b")}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  string
		id   string
		want error
	}{
		{"k-a", "a", nil}, {"k-b", "b", nil}, {"k-c", "", ErrUnknown}, {"", "", ErrMissing}, {Digest("k-a"), "", ErrUnknown},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.key != "" {
			r.Header.Set("X-Key", tc.key)
		}
		k, err := ch.Check(r)
		if !errors.Is(err, tc.want) || (err == nil && k.ID != tc.id) {
			t.Errorf("key %q: got %v %v", tc.key, k, err)
		}
	}
	// A key sent twice is refused, wherever the scheme puts it: the
	// firewall would check one and the upstream might use the other.
	for _, in := range []string{"header", "query", "cookie"} {
		c, err := New(in, "k", Config{Keys: []Key{{ID: "a", SHA256: Digest("k-a")}}})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/?k=k-a&k=other", nil)
		if in != "query" {
			r = httptest.NewRequest("GET", "/", nil)
		}
		switch in {
		case "header":
			r.Header.Add("k", "k-a")
			r.Header.Add("k", "other")
		case "cookie":
			r.Header.Set("Cookie", "k=k-a; k=other")
		}
		if _, err := c.Check(r); !errors.Is(err, ErrSeveral) {
			t.Errorf("%s key sent twice: %v", in, err)
		}
	}
	// In a cookie, a second key can also hide after a comma (one cookie to
	// net/http, two to an RFC 2109 parser), or sit in a value net/http
	// would drop.
	c, err := New("cookie", "k", Config{Keys: []Key{{ID: "a", SHA256: Digest("k-a")}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cookie string
		want   error
	}{
		{"k=k-a; theme=dark,k=other", cookies.ErrAmbiguous},
		{"theme=dark, k=k-a", cookies.ErrAmbiguous},
		{`k=k-a; k=x"y`, ErrSeveral},
		{`theme=a"b; k=k-a`, nil},
		{`k="k-a"`, nil},
		// A lookalike name beside the key: ASP.NET Core (no case, last
		// wins) and PHP ('.' to '_', first wins) read the forged one.
		{"k=k-a; K=forged", ErrSeveral},
		{"K=forged; k=k-a", ErrSeveral},
		{"kk=x; k=k-a", nil},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", tc.cookie)
		if _, err := c.Check(r); !errors.Is(err, tc.want) {
			t.Errorf("Cookie %q: got %v, want %v", tc.cookie, err, tc.want)
		}
	}
	b, err := NewBasic(BasicConfig{Users: []User{{Username: "u", Bcrypt: string(hash)}}, CacheTTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Basic !!!")
	if _, err := b.Check(r); !errors.Is(err, ErrNoBasic) {
		t.Errorf("malformed basic: %v", err)
	}
}

// bcrypt reads only the first 72 bytes of a password: without a length
// check, the 72-byte password followed by anything would be accepted.
func TestBasicLongPassword(t *testing.T) {
	pass72 := strings.Repeat("p", 72)
	hash, err := bcrypt.GenerateFromPassword([]byte(pass72), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBasic(BasicConfig{Users: []User{{Username: "ops", Bcrypt: string(hash)}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, pass string
		ok         bool
	}{
		{"exact 72-byte password", pass72, true},
		{"72 bytes plus a suffix", pass72 + "anything", false},
		{"72 bytes plus one byte", pass72 + "p", false},
		{"71 bytes", pass72[:71], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.SetBasicAuth("ops", tc.pass)
			_, err := b.Check(r)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrBadBasic) {
				t.Fatalf("got %v, want ErrBadBasic", err)
			}
		})
	}
}
