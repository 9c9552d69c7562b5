package redistest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"os"
	"strings"
	"testing"
	"time"
)

// TestStartTLS: the server answers PING over TLS to a client that trusts
// the CA and checks the name 127.0.0.1, and refuses a client that trusts
// another CA.
func TestStartTLS(t *testing.T) {
	srv := StartTLS(t)
	roots := func(file string) *x509.CertPool {
		pem, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		p := x509.NewCertPool()
		if !p.AppendCertsFromPEM(pem) {
			t.Fatalf("%s: no certificate", file)
		}
		return p
	}
	conn, err := tls.Dial("tcp", srv.Addr, &tls.Config{RootCAs: roots(srv.CAFile), MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "+PONG" {
		t.Fatalf("reply %q, %v", line, err)
	}
	if c, err := tls.Dial("tcp", srv.Addr, &tls.Config{RootCAs: roots(OtherCAFile(t))}); err == nil {
		c.Close()
		t.Fatal("a client trusting another CA was accepted")
	}
}
