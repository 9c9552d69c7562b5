package tamperlog

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/auditlog"
)

// TestUnderAuditLog composes the firewall's asynchronous audit writer with
// the chain, as doc.go tells the firewall to: every record it writes ends
// up chained, and the log verifies.
func TestUnderAuditLog(t *testing.T) {
	pub, priv := newKey(t)
	path := filepath.Join(t.TempDir(), "audit.log")
	tw, err := OpenFile(path, Options{Key: priv, Every: 7, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	aw := auditlog.New(tw, auditlog.Options{Queue: 16})
	for i := 0; i < 50; i++ {
		if err := aw.Reserve(); err != nil {
			t.Fatal(err)
		}
		aw.Submit(&auditlog.Record{Method: "GET", Path: "/pets", Status: 200, Decision: auditlog.Allowed})
	}
	if err := aw.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	rep, err := Verify(f, pub)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Records != 50 || !rep.Final || rep.Uncovered != 0 {
		t.Fatalf("report %+v problem %+v", rep, rep.Problem)
	}
}
