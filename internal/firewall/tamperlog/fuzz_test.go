package tamperlog

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
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
	// A crash that cut a line, then a restart; and a file a rotation
	// opened: the checkpoint kinds that change where a chain starts.
	dir := f.TempDir()
	path := filepath.Join(dir, "a.log")
	cw, _ := OpenFile(path, Options{Key: seed, Every: 100, Interval: -1})
	cw.AppendJSON([]byte(`{"a":1}`))
	cw.closer.Close()
	if af, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err == nil {
		af.WriteString(`{"prev":"0`)
		af.Close()
	}
	cw, _ = OpenFile(path, Options{Key: seed, Every: 100, Interval: -1})
	cw.AppendJSON([]byte(`{"b":2}`))
	os.Rename(path, path+".1")
	cw.Reopen()
	cw.AppendJSON([]byte(`{"c":3}`))
	cw.Close()
	for _, p := range []string{path + ".1", path} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
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
