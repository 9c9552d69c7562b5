package scan

import (
	"net/url"
	"testing"
)

// The plain-HTTP probe of an https target goes to the target's host, on
// port 80, with the target's path but not its query, which may carry a
// key and this request is in clear text: the same host, never another
// one (docs/scan.md, "Target and scope"); --http-url replaces it.
func TestPlainHTTPURL(t *testing.T) {
	for _, tc := range []struct{ target, override, want string }{
		{"https://api.example.com/v1", "", "http://api.example.com/v1"},
		{"https://api.example.com:8443/v1?api-version=2024-05-01", "", "http://api.example.com/v1"},
		{"https://api.example.com/v1?api_key=s3cret#frag", "", "http://api.example.com/v1"},
		{"https://127.0.0.1:8443", "", "http://127.0.0.1"},
		{"https://[::1]:8443/api", "", "http://[::1]/api"},
		{"https://api.example.com/v1", "http://127.0.0.1:8080/health", "http://127.0.0.1:8080/health"},
	} {
		base, err := url.Parse(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		if got := plainHTTPURL(base, tc.override); got != tc.want {
			t.Errorf("plainHTTPURL(%s, %q) = %s, want %s", tc.target, tc.override, got, tc.want)
		}
	}
}
