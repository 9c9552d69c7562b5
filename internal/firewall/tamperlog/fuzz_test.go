package tamperlog

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"
)

// FuzzVerify: whatever the file holds, Verify answers (no panic, no hang)
// and every problem it reports has a kind.
func FuzzVerify(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	pub := seed.Public().(ed25519.PublicKey)
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, State{}, Options{Key: seed, Every: 2, Interval: -1})
	for _, r := range []string{`{"a":1}`, `{"b":"x"}`, `{"c":[1,2]}`} {
		w.AppendJSON([]byte(r))
	}
	w.Close()
	f.Add(buf.Bytes())
	f.Add([]byte(`{"seq":1,"prev":"00","rec":{}}` + "\n"))
	f.Add([]byte(`{"checkpoint":{"seq":99},"sig":"!!"}`))
	f.Add([]byte(strings.Repeat("{", 10000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Verify(bytes.NewReader(data), pub)
		if err != nil {
			return
		}
		if rep.Problem != nil && rep.Problem.Kind == "" {
			t.Fatal("problem without a kind")
		}
	})
}
