package firewall

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminExposure checks which admin addresses are reachable from
// beyond the host: the admin endpoints have no authentication, so those
// are warned about, at start-up and by `config validate`.
func TestAdminExposure(t *testing.T) {
	cases := []struct {
		addr, want string // want: the reason, "" for none
	}{
		{"127.0.0.1:9901", ""},
		{"127.0.0.2:9901", ""},
		{"[::1]:9901", ""},
		{"[::ffff:127.0.0.1]:9901", ""},
		{"[::ffff:10.0.0.1]:9901", "[::ffff:10.0.0.1]:9901 is not a loopback address"},
		{"localhost:9901", ""},
		{"LOCALHOST:0", ""},
		{"0.0.0.0:9901", "0.0.0.0:9901 listens on every interface"},
		{":9901", ":9901 listens on every interface"},
		{"[::]:9901", "[::]:9901 listens on every interface"},
		{"10.1.2.3:9901", "10.1.2.3:9901 is not a loopback address"},
		{"[fe80::1%eth0]:9901", "[fe80::1%eth0]:9901 is not a loopback address"},
		{"admin.internal:9901", "admin.internal:9901 names host admin.internal, not a loopback address"},
		{"not an address", ""}, // the listener refuses it
	}
	for _, tc := range cases {
		if got := AdminExposure(tc.addr); got != tc.want {
			t.Errorf("AdminExposure(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

func TestWarnAdminExposure(t *testing.T) {
	cases := []struct {
		admin string
		warn  bool
	}{
		{"", false}, // the default, 127.0.0.1:9901
		{"127.0.0.1:9901", false},
		{"0.0.0.0:9901", true},
	}
	for _, tc := range cases {
		var buf bytes.Buffer
		Config{Admin: tc.admin}.WarnAdminExposure(slog.New(slog.NewJSONHandler(&buf, nil)))
		if !tc.warn {
			if buf.Len() > 0 {
				t.Errorf("admin %q: %s", tc.admin, buf.String())
			}
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
			t.Fatalf("admin %q: %v: %q", tc.admin, err, buf.String())
		}
		if rec["level"] != "WARN" || rec["admin"] != tc.admin || !strings.Contains(rec["msg"].(string), "no authentication") || !strings.Contains(rec["exposed"].(string), "POST /denylist") {
			t.Errorf("admin %q: %v", tc.admin, rec)
		}
	}
}

// TestCheckConfigFileWarnsAboutAdmin checks that `config validate` has
// the warning, at the admin key's value, while the file stays valid.
func TestCheckConfigFileWarnsAboutAdmin(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"public admin", "mode: block\nadmin: 0.0.0.0:9901\n", []string{
			"c.yaml:2:8: warning: admin: 0.0.0.0:9901 listens on every interface; the admin endpoints (/metrics, POST /denylist (token revocation), GET /denylist/count, /healthz, /readyz) have no authentication: bind the admin address to 127.0.0.1, or keep its port off untrusted networks",
		}},
		{"loopback admin", "admin: 127.0.0.1:9901\n", nil},
		{"no admin key", "mode: block\n", nil},
		{"empty file", "", nil},
		{"not a mapping", "[1]\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			ps, ws, err := CheckConfigFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tc.name != "not a mapping" && len(ps) > 0 {
				t.Errorf("problems: %v", ps)
			}
			var got []string
			for _, w := range ws {
				got = append(got, w.Format("c.yaml"))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("warnings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}
