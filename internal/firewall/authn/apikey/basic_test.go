package apikey

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// Users added over time have different bcrypt costs. An unknown name is
// checked against a throw-away hash of one of those costs, the same one
// each time, and unknown names spread over every cost: none of the users
// answers at a speed no unknown name has.
func TestBasicUnknownUsersCostLikeKnownOnes(t *testing.T) {
	users := []User{}
	for i, cost := range []int{4, 5, 6} {
		h, err := bcrypt.GenerateFromPassword([]byte("pw"), cost)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, User{Username: fmt.Sprint("user", i), Bcrypt: string(h)})
	}
	b, err := NewBasic(BasicConfig{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for i := range 300 {
		name := fmt.Sprint("nobody-", i)
		cost, err := bcrypt.Cost(b.dummyFor(name))
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := bcrypt.Cost(b.dummyFor(name)); again != cost {
			t.Fatalf("%s: cost %d, then %d", name, cost, again)
		}
		seen[cost]++
	}
	for _, cost := range []int{4, 5, 6} {
		if seen[cost] < 30 {
			t.Errorf("cost %d: %d of 300 unknown names (all: %v)", cost, seen[cost], seen)
		}
	}
	// The same configuration picks the same dummy for a name after a
	// restart.
	b2, _ := NewBasic(BasicConfig{Users: users})
	for i := range 20 {
		name := fmt.Sprint("nobody-", i)
		c1, _ := bcrypt.Cost(b.dummyFor(name))
		c2, _ := bcrypt.Cost(b2.dummyFor(name))
		if c1 != c2 {
			t.Fatalf("%s: cost %d, then %d after a restart", name, c1, c2)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth("nobody-1", "pw")
	if _, err := b.Check(r); !errors.Is(err, ErrBadBasic) {
		t.Fatalf("unknown user: %v", err)
	}
}
