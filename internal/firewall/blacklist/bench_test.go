package blacklist

import (
	"encoding/json"
	"strings"
	"testing"

	libinjection "github.com/corazawaf/libinjection-go"
)

// benchBody is a 1 KB JSON request body of the usual kind: identifiers,
// names, an address, free text with punctuation, a URL, numbers.
const benchBody = `{
 "id": "7d1c0a52-3b8e-4c43-9d2f-6a0e5b1c9f11",
 "customer": {"name": "Marie-Claire O'Neill", "email": "marie.oneill+orders@example.org",
   "phone": "+33 1 23 45 67 89", "company": "Dupont & Fils (Lyon)"},
 "shipping": {"street": "12, rue de la République", "city": "Lyon", "zip": "69002",
   "country": "FR", "instructions": "Ring twice; leave with the concierge if nobody answers - thanks!"},
 "items": [
  {"sku": "BK-1021", "title": "Learning SQL: a practical guide (3rd ed.)", "qty": 1, "price": 39.90},
  {"sku": "MG-0007", "title": "Mug \"Hello, world\" 350ml", "qty": 2, "price": 12.5},
  {"sku": "TS-4410", "title": "T-shirt <size M> / blue", "qty": 1, "price": 19}
 ],
 "coupon": "SPRING-24",
 "notes": "Please gift-wrap the book. It's for my colleague's birthday on 2024-04-12, so delivery before then would be great. Ref #4471/B.",
 "callback": "https://shop.example.org/orders/confirm?token=abc123&lang=fr",
 "tags": ["gift", "priority", "eu"],
 "created": "2024-04-01T09:30:00Z",
 "consent": true
}`

func benchValue(b *testing.B) any {
	b.Helper()
	if len(benchBody) < 1000 || len(benchBody) > 1100 {
		b.Fatalf("bench body is %d bytes, want about 1 KB", len(benchBody))
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(benchBody))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkDefaultTier1KB is the blacklist stage's cost on a 1 KB JSON
// body with no skip policy (every string and key inspected).
func BenchmarkDefaultTier1KB(b *testing.B) {
	v := benchValue(b)
	d := NewDetector(Config{})
	if f := Walk(d, v, WalkOptions{CheckKeys: true}); f.Detected() {
		b.Fatalf("benign body flagged: %+v", f)
	}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		Walk(d, v, WalkOptions{CheckKeys: true})
	}
}

// BenchmarkLibinjection1KB is libinjection alone (SQLi and XSS) over the
// same strings, the baseline the default tier builds on.
func BenchmarkLibinjection1KB(b *testing.B) {
	v := benchValue(b)
	var strs []string
	var collect func(any)
	collect = func(x any) {
		switch t := x.(type) {
		case string:
			strs = append(strs, t)
		case map[string]any:
			for k, e := range t {
				strs = append(strs, k)
				collect(e)
			}
		case []any:
			for _, e := range t {
				collect(e)
			}
		}
	}
	collect(v)
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range strs {
			libinjection.IsSQLi(s)
			libinjection.IsXSS(s)
		}
	}
}

// BenchmarkCRSTier1KB is the optional tier on the same body at its
// default paranoia level: every string passes the default tier and is
// scored by the CRS.
func BenchmarkCRSTier1KB(b *testing.B) {
	v := benchValue(b)
	c, err := NewCRS(Config{})
	if err != nil {
		b.Fatal(err)
	}
	if f := Walk(c, v, WalkOptions{CheckKeys: true}); f.Detected() {
		b.Fatalf("benign body flagged: %+v", f)
	}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		Walk(c, v, WalkOptions{CheckKeys: true})
	}
}

// BenchmarkDetectorAttack is the cost of one detection (the finding path).
func BenchmarkDetectorAttack(b *testing.B) {
	d := NewDetector(Config{})
	b.ReportAllocs()
	for b.Loop() {
		d.Check("1%27%20UNION%20SELECT%20password%20FROM%20users--", Context{})
	}
}
