// Package harden sets security headers on responses and answers CORS from
// an allowlist.
//
// # Response headers
//
// Headers.Apply runs on every response the firewall sends, forwarded or
// generated (problem responses included), just before the header is
// written:
//
//	hd, err := harden.NewHeaders(cfg.Headers)
//	hd.Apply(w.Header(), harden.ResponseInfo{
//	    TLS:           ipPolicy.IsTLS(r), // HSTS only over TLS (RFC 6797 section 7.2)
//	    Authenticated: tx.Authenticated,  // Cache-Control: no-store
//	})
//
// The configured headers replace what the upstream sent: the firewall, not
// the application, is the authority on them. Server and X-Powered-By (and
// any configured name) are removed. Apply never fails.
//
// # CORS
//
// The CORS stage calls Preflight before routing, so that a browser's
// OPTIONS preflight is answered by the firewall and never reaches the
// upstream:
//
//	if harden.IsPreflight(r) {
//	    out := cors.Preflight(r, w.Header(), pathMethods) // pathMethods: methods the path declares, or nil
//	    // answer out.Status (204) with no body; when !out.Allowed, out.Status
//	    // is 403 with reason code out.Reason
//	    // ("cors-origin-denied", "cors-method-denied", "cors-headers-denied")
//	}
//
// and, for every other request, decides with CheckActual and sets the
// headers with ActualHeaders on whatever response goes out, refusals by
// other stages included (Actual does both):
//
//	if out := cors.CheckActual(r); !out.Allowed {
//	    // only when reject_disallowed_origins is set: 403, out.Reason
//	}
//	cors.ActualHeaders(r, w.Header()) // just before the header is written
//
// The allowlist holds exact origins ("https://app.example.com") and
// single-label wildcards ("https://*.example.com"). The response echoes
// the request's origin, never "*", when credentials are allowed; "*"
// with credentials is refused by Validate. Vary: Origin is added whenever
// CORS is on, so caches never serve one origin's answer to another.
package harden
