package firewall

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"
)

// benchOrder is the ~1 KB body of bench/firewall.sh.
const benchOrder = `{"customer":{"name":"Ada Lovelace","email":"ada@example.com","phone":"+44 20 7946 0958"},"items":[{"sku":"SKU-0000","quantity":1,"price":10.99,"note":"handle with care, item 0"},{"sku":"SKU-0001","quantity":2,"price":11.99,"note":"handle with care, item 1"},{"sku":"SKU-0002","quantity":3,"price":12.99,"note":"handle with care, item 2"},{"sku":"SKU-0003","quantity":4,"price":13.99,"note":"handle with care, item 3"},{"sku":"SKU-0004","quantity":5,"price":14.99,"note":"handle with care, item 4"},{"sku":"SKU-0005","quantity":6,"price":15.99,"note":"handle with care, item 5"},{"sku":"SKU-0006","quantity":7,"price":16.99,"note":"handle with care, item 6"},{"sku":"SKU-0007","quantity":8,"price":17.99,"note":"handle with care, item 7"}],"currency":"EUR","address":{"street":"12 Analytical Engine Road","city":"London","zip":"N1 9GU","country":"GB"},"notes":"Please deliver between 9 and 5 on weekdays; ring twice.","gift":false}`

// serveOn runs h on a fresh loopback listener until the benchmark ends.
func serveOn(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// BenchmarkProxyPOST sends POST /orders with the 1 KB body over loopback
// to the echo upstream directly, through a plain httputil.ReverseProxy,
// and through the firewall (request and response validated, audit records
// encoded and discarded), from parallel clients in the same process. It
// is the in-process companion of bench/firewall.sh, for profiles
// (-cpuprofile) and allocation counts per forwarded request.
func BenchmarkProxyPOST(b *testing.B) {
	echo := serveOn(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	}))
	up, _ := url.Parse(echo)
	plain := httputil.NewSingleHostReverseProxy(up)
	plain.Transport = &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}
	plainURL := serveOn(b, plain)
	fw := startFirewall(b, Config{Spec: "testdata/bench.yaml", Upstream: echo}, io.Discard)
	client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 256, DisableCompression: true}}
	for _, target := range []struct{ name, url string }{
		{"direct", echo},
		{"plain-proxy", plainURL},
		{"rampart", "http://" + fw.Addr()},
	} {
		b.Run(target.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Post(target.url+"/orders", "application/json", bytes.NewReader([]byte(benchOrder)))
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						b.Errorf("%s: status %d", target.name, resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
