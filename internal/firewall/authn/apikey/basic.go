package apikey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rampart-sec/rampart/internal/firewall/authn/internal/credentials"
	"github.com/rampart-sec/rampart/internal/firewall/authn/internal/ttlcache"
)

// User is one HTTP basic user.
type User struct {
	Username string   `yaml:"username"`
	Bcrypt   string   `yaml:"bcrypt"` // htpasswd -nbB user pass, the part after ':'
	Scopes   []string `yaml:"scopes,omitempty"`
}

// BasicConfig lists the users of one http basic scheme.
type BasicConfig struct {
	Users []User `yaml:"users"`
	// CacheTTL is how long a verified credential skips bcrypt (default
	// 60s; 0 keeps the default, negative disables the cache).
	CacheTTL  time.Duration `yaml:"cache_ttl,omitempty"`
	CacheSize int           `yaml:"cache_size,omitempty"` // default 1000
}

// Validate reports configuration mistakes.
func (c *BasicConfig) Validate() error {
	var errs []error
	if len(c.Users) == 0 {
		errs = append(errs, errors.New("basic: no users configured"))
	}
	seen := map[string]bool{}
	for i, u := range c.Users {
		if u.Username == "" || strings.Contains(u.Username, ":") {
			errs = append(errs, fmt.Errorf("basic.users[%d]: username must be non-empty and contain no colon", i))
		}
		if seen[u.Username] {
			errs = append(errs, fmt.Errorf("basic.users[%d]: duplicate username %q", i, u.Username))
		}
		seen[u.Username] = true
		if _, err := bcrypt.Cost([]byte(u.Bcrypt)); err != nil {
			errs = append(errs, fmt.Errorf("basic.users[%d] (%s): bcrypt is not a bcrypt hash: %v", i, u.Username, err))
		}
	}
	if c.CacheTTL > 10*time.Minute {
		errs = append(errs, errors.New("basic.cache_ttl above 10m keeps revoked passwords valid too long"))
	}
	if c.CacheSize < 0 {
		errs = append(errs, errors.New("basic.cache_size must not be negative"))
	}
	return errors.Join(errs...)
}

// maxBcryptPassword is the longest password bcrypt reads in full.
const maxBcryptPassword = 72

// Errors a caller may test for.
var (
	ErrNoBasic  = errors.New("no basic credentials in the request")
	ErrBadBasic = errors.New("basic credentials not recognised")
	// ErrSeveralFields: the request has more than one Authorization field.
	// The firewall would check one and the upstream might use another.
	ErrSeveralFields = errors.New("several Authorization header fields")
	// ErrMalformedField: "Basic" followed by a tab, or by nothing.
	ErrMalformedField = credentials.ErrMalformed
)

// Basic verifies HTTP basic credentials.
type Basic struct {
	users map[string]*User
	cache *ttlcache.Cache[[32]byte, *User]
	ttl   time.Duration
	// dummies are throw-away hashes, one per bcrypt cost the users have,
	// and dummyKey picks one for an unknown user name (dummyFor).
	dummies  [][]byte
	dummyKey [32]byte
}

// NewBasic builds the checker.
func NewBasic(c BasicConfig) (*Basic, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	b := &Basic{users: map[string]*User{}, ttl: c.CacheTTL}
	if b.ttl == 0 {
		b.ttl = time.Minute
	}
	size := c.CacheSize
	if size == 0 {
		size = 1000
	}
	b.cache = ttlcache.New[[32]byte, *User](size)
	for i := range c.Users {
		b.users[c.Users[i].Username] = &c.Users[i]
	}
	// Unknown users are checked against a throw-away hash so that their
	// answer takes as long as a wrong password. Users added over time
	// have different costs: with one dummy of the first user's cost, a
	// user of another cost answered slower or faster than any unknown
	// name, which told who exists. There is one dummy per cost the users
	// have, and each unknown name always gets the same one.
	costs := map[int]bool{}
	h := sha256.New()
	for _, u := range c.Users {
		if n, err := bcrypt.Cost([]byte(u.Bcrypt)); err == nil {
			costs[n] = true
		}
		h.Write([]byte(u.Bcrypt + "\x00"))
	}
	if len(costs) == 0 {
		costs[bcrypt.DefaultCost] = true
	}
	// Keyed by the configured hashes: stable across restarts (a name
	// whose timing changed from one start to the next would be an
	// unknown one) and not computable without the configuration.
	copy(b.dummyKey[:], h.Sum(nil))
	for _, cost := range slices.Sorted(maps.Keys(costs)) {
		d, err := bcrypt.GenerateFromPassword([]byte("unused"), cost)
		if err != nil {
			return nil, fmt.Errorf("basic: %w", err)
		}
		b.dummies = append(b.dummies, d)
	}
	return b, nil
}

// dummyFor is the throw-away hash an unknown user name is checked
// against.
func (b *Basic) dummyFor(user string) []byte {
	mac := hmac.New(sha256.New, b.dummyKey[:])
	mac.Write([]byte(user))
	return b.dummies[binary.BigEndian.Uint64(mac.Sum(nil))%uint64(len(b.dummies))]
}

// ParseBasic returns the credentials of an Authorization: Basic header:
// ErrNoBasic without (well-formed) ones, ErrSeveralFields when
// Authorization is sent more than once, ErrMalformedField when the scheme
// is not followed by spaces and a credential.
func ParseBasic(r *http.Request) (user, pass string, err error) {
	sch, param, err := credentials.Authorization(r.Header)
	switch {
	case errors.Is(err, credentials.ErrNone):
		return "", "", ErrNoBasic
	case errors.Is(err, credentials.ErrSeveral):
		return "", "", ErrSeveralFields
	case !strings.EqualFold(sch, "Basic"):
		return "", "", ErrNoBasic
	case err != nil:
		return "", "", ErrMalformedField
	}
	raw, err := base64.StdEncoding.DecodeString(param)
	if err != nil {
		return "", "", ErrNoBasic
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", ErrNoBasic
	}
	return user, pass, nil
}

// Check verifies the request's credentials. The cache is keyed by a
// SHA-256 of the whole credential, so a cached entry is found only with the
// exact password, and the cache never holds a password.
func (b *Basic) Check(r *http.Request) (*User, error) {
	user, pass, err := ParseBasic(r)
	if err != nil {
		return nil, err
	}
	// bcrypt keys its cipher with the first 72 bytes of the password and
	// ignores the rest, so a 72-byte password followed by anything would
	// match. No bcrypt hash can be made from a longer password (the
	// library refuses to), so such a password is refused outright; its
	// length says nothing about which users exist.
	if len(pass) > maxBcryptPassword {
		return nil, ErrBadBasic
	}
	key := sha256.Sum256([]byte(user + "\x00" + pass))
	if b.ttl > 0 {
		if u, hit := b.cache.Get(key); hit {
			return u, nil
		}
	}
	u, known := b.users[user]
	var hash []byte
	if known {
		hash = []byte(u.Bcrypt)
	} else {
		hash = b.dummyFor(user)
	}
	if err := bcrypt.CompareHashAndPassword(hash, []byte(pass)); err != nil || !known {
		return nil, ErrBadBasic
	}
	if b.ttl > 0 {
		b.cache.Set(key, u, b.ttl)
	}
	return u, nil
}
