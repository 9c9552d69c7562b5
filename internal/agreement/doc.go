// Package agreement checks that the scanner and the firewall read a
// contract the same way. Both engines take the contract model of
// internal/spec, but each turns it into requests (the scanner) or into
// checks (the firewall) with its own code; this package's tests put one in
// front of the other: the scanner's in-contract requests must pass the
// firewall and its out-of-contract requests must be refused. Every
// disagreement is a bug in one of the two, or a reading of the
// specification one of them gets wrong.
package agreement
