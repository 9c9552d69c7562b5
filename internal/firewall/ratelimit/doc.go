// Package ratelimit limits how often a client may call the API, keyed by
// client IP, API key or a JWT claim, per API or per operation, with the
// generic cell rate algorithm (GCRA).
//
// GCRA keeps one timestamp per key (the theoretical arrival time, TAT), so
// a limit costs one small value in memory or one Redis key, and it allows
// a burst of Burst requests followed by a steady Rate per Period. Two
// stores share the same arithmetic:
//
//   - MemoryStore: one node; sharded maps with a bounded number of keys,
//     expired entries swept as they are met, and when full the entry
//     closest to expiry among a small random sample evicted.
//   - RedisStore: a fleet; one atomic Lua script per decision, using the
//     Redis server's clock so that firewalls with skewed clocks agree.
//
// When the store fails (Redis unreachable, timeout), the limiter fails
// open or closed as configured (on_store_error), logs the failure (at most
// once per 10 s, with a count) and counts it (StoreErrors, and the
// Prometheus counter rampart_ratelimit_store_errors_total).
//
// # How the rate-limit stages call it
//
// Build once: lim, err := ratelimit.New(cfg, logger). Close it on shutdown.
//
// Stage rate-limit-ip (before routing), stage rate-limit-ip-operation
// (after routing, before authentication) and stage rate-limit-identity
// (after authentication) each call Check with what they know:
//
//	res := lim.Check(ctx, ratelimit.Input{
//	    Phase:     ratelimit.PhaseIP,      // or PhaseOperationIP, PhaseIdentity
//	    Operation: opID,                   // "" before routing
//	    IP:        clientAddr,             // from clientip.Policy.Resolve
//	    APIKey:    key,                    // identity phase: the presented API key, if any
//	    Claims:    claims,                 // identity phase: verified JWT claims, if any
//	})
//	res.SetHeaders(w.Header())             // RateLimit / RateLimit-Policy (and Retry-After on refusal)
//	if !res.Allowed {
//	    // 429 with reason code res.Reason ("rate-limited"), or
//	    // 503 with "rate-limit-unavailable" when the store failed and
//	    // on_store_error is "closed".
//	}
//
// PhaseIP evaluates rules keyed by "ip" with scope "api" and no operation
// filter (nothing else is known before routing); PhaseOperationIP the
// other rules keyed by "ip" (an operation filter, or scope "operation"),
// which need the operation but not the identity, so that failed
// authentications count against them; PhaseIdentity the rules keyed by
// API key or claim. A rule whose key is absent from the request (no API
// key, no such claim) does not apply to it: anonymous callers are limited
// by the IP rules. Every applicable rule is charged; the response reports
// the rule with the fewest remaining requests.
//
// Identities are stored hashed (SHA-256, truncated), so API keys and
// tokens never reach Redis or a memory dump.
package ratelimit
