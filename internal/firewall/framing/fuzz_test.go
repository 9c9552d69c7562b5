package framing

import (
	"reflect"
	"testing"
)

// FuzzScanner: any byte stream, read in two pieces split anywhere, gives
// the same heads and state as read whole; the queue stays bounded and
// nothing panics.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		"GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /p HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nGET /a HTTP/1.1\r\n\r\n",
		"POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\r\nGET / HTTP/1.0\r\n\r\n",
		"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nA;x=y\r\n0123456789\r\n0\r\nT: 1\r\n\r\n",
	} {
		f.Add([]byte(s), uint16(7))
	}
	f.Fuzz(func(t *testing.T, in []byte, at uint16) {
		whole := scanner{maxHead: 4096}
		whole.feed(in)
		split := scanner{maxHead: 4096}
		k := int(at)
		if k > len(in) {
			k = len(in)
		}
		split.feed(in[:k])
		split.feed(in[k:])
		if !reflect.DeepEqual(whole.queue, split.queue) || whole.st != split.st {
			t.Fatalf("split at %d disagrees: %+v %v vs %+v %v", k, whole.queue, whole.st, split.queue, split.st)
		}
		if len(whole.queue) > maxQueued {
			t.Fatalf("queue grew to %d", len(whole.queue))
		}
	})
}
