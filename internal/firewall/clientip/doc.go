// Package clientip finds the address of the client behind a request and
// applies allow/deny CIDR lists to it.
//
// # Client address
//
// The address is the TCP peer (http.Request.RemoteAddr) unless the peer is
// one of the configured trusted proxies. Only then is the forwarding header
// read (X-Forwarded-For or RFC 7239 Forwarded, whichever is configured),
// walked from right to left, skipping addresses that are themselves trusted
// proxies; the first untrusted address is the client. Everything to its
// left was written by the client or by proxies we do not control, so it is
// never believed: a client cannot pick its own address by sending the
// header. With no trusted proxies configured the headers are ignored.
//
// # How the ip-rules stage calls it
//
// Build once from configuration:
//
//	pol, err := clientip.New(cfg)            // cfg.Validate() errors are returned here too
//
// Per request, before routing (operation not yet known, pass ""), and again
// after routing if operation-level lists exist (pass the operationId):
//
//	res := pol.Resolve(r)                    // res.Addr is the client address
//	if d := pol.Check(res.Addr, opID); !d.Allowed {
//	    // 403 with reason code d.Reason: "ip-denied" or "ip-not-allowed"
//	}
//
// res.Addr is what the per-IP rate limit keys on and what the audit record
// shows as the client. pol.IsTLS(r) says whether the client connection used
// TLS (directly, or as reported by a trusted proxy in X-Forwarded-Proto /
// Forwarded proto=), which is what the response-hardening stage needs to
// decide on HSTS.
//
// A request whose RemoteAddr cannot be parsed (which net/http never
// produces for a real connection) resolves to the zero netip.Addr; Check
// refuses it with "ip-unknown" (403) whenever an allow list applies, so it
// can never slip past an allow list.
package clientip
