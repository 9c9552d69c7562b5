// Command upstream is the load-test backend of bench/firewall.sh: a tiny
// HTTP server that echoes POSTed JSON back with 201, or, with -proxy-to, a
// plain httputil.ReverseProxy (the baseline the firewall is compared with).
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18081", "address to listen on (loopback only)")
	proxyTo := flag.String("proxy-to", "", "run a plain reverse proxy to this URL instead of the echo server")
	flag.Parse()
	var h http.Handler = http.HandlerFunc(echo)
	if *proxyTo != "" {
		u, err := url.Parse(*proxyTo)
		if err != nil {
			log.Fatal(err)
		}
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.Transport = &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 90 * time.Second}
		// Clients closing keep-alive connections at the end of a run are
		// not errors worth printing.
		rp.ErrorLog = log.New(io.Discard, "", 0)
		h = rp
	}
	srv := &http.Server{Addr: *listen, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

func echo(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(b)
}
