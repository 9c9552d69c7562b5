package authn

import (
	"os"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/redistest"
)

// TestRedisPasswordEnvUnset: both sections stop start-up, naming the
// key and the variable, when redis_password_env names an unset variable.
func TestRedisPasswordEnvUnset(t *testing.T) {
	const name = "RAMPART_TEST_UNSET_REDIS_PASSWORD"
	if _, ok := os.LookupEnv(name); ok {
		t.Skipf("%s is set", name)
	}
	b := RedisBackend{Backend: "redis", RedisAddr: redistest.Refused(t), RedisPasswordEnv: name}
	_, _, err := (&DenylistConfig{RedisBackend: b}).NewStore()
	if err == nil || !strings.Contains(err.Error(), "authentication.denylist.redis_password_env: environment variable "+name+" is not set") {
		t.Fatalf("denylist: err = %v", err)
	}
	c := &Config{
		Schemes:    map[string]*SchemeConfig{"oauth": {DPoP: &dpop.Config{}}},
		DPoPReplay: &DPoPReplayConfig{RedisBackend: b},
	}
	if _, err := c.NewDPoPReplay(nil); err == nil || !strings.Contains(err.Error(), "authentication.dpop_replay.redis_password_env: environment variable "+name+" is not set") {
		t.Fatalf("dpop_replay: err = %v", err)
	}
	// A variable set to the empty string is a password: no error.
	t.Setenv(name, "")
	_, closeDeny, err := (&DenylistConfig{RedisBackend: b}).NewStore()
	if err != nil {
		t.Fatalf("denylist, variable set but empty: %v", err)
	}
	_ = closeDeny()
}
