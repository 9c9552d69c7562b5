package spec

import (
	"errors"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// EngineFailure is the schema engine failing on a value instead of judging
// it: a number whose exponent its exact rationals cannot hold (1e10000000
// against `maximum`) makes it dereference nil. The value is not validated:
// the firewall refuses it, the scanner and the audit say it could not be
// checked.
type EngineFailure struct{ Cause any }

// Error says what happened in words for a report; Cause keeps the
// engine's panic for a log.
func (e *EngineFailure) Error() string {
	return "the schema engine failed on this value instead of judging it (a number beyond the range of its exact arithmetic, such as 1e10000000, does this)"
}

// Validate runs a compiled schema over v, returning an *EngineFailure
// rather than letting an engine panic through: a value a client, a target
// or a definition's example supplies must not take the process down.
func Validate(s *jsonschema.Schema, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &EngineFailure{Cause: r}
		}
	}()
	return s.Validate(v)
}

// IsEngineFailure reports whether err is an EngineFailure.
func IsEngineFailure(err error) bool {
	var ef *EngineFailure
	return errors.As(err, &ef)
}
