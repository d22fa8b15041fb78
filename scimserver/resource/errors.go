package resource

import (
	"errors"
	"fmt"
	"net/http"
)

// SCIM error types (RFC 7644 §3.12, table 9) this package returns.
const (
	ScimInvalidSyntax = "invalidSyntax"
	ScimInvalidValue  = "invalidValue"
	ScimInvalidPath   = "invalidPath"
	ScimNoTarget      = "noTarget"
	ScimMutability    = "mutability"
	ScimInvalidFilter = "invalidFilter"
)

// Error is a SCIM protocol error (RFC 7644 §3.12). The HTTP layer renders it
// in the urn:ietf:params:scim:api:messages:2.0:Error schema.
//
// Details never quote attribute values, only attribute names and JSON types,
// so that a password or a token sent by mistake cannot end up in a log.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *Error) Error() string {
	if e.ScimType == "" {
		return fmt.Sprintf("scim: %d: %s", e.Status, e.Detail)
	}
	return fmt.Sprintf("scim: %s: %s", e.ScimType, e.Detail)
}

// Is reports whether target is an *Error with the same status and scimType,
// so callers can write errors.Is(err, &resource.Error{Status: 400, ScimType: "noTarget"}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status && t.ScimType == e.ScimType
}

func newError(scimType, format string, a ...any) *Error {
	return &Error{Status: http.StatusBadRequest, ScimType: scimType, Detail: fmt.Sprintf(format, a...)}
}

// InvalidSyntax is a 400 for a body that does not parse or does not have the
// shape of the expected message.
func InvalidSyntax(format string, a ...any) *Error { return newError(ScimInvalidSyntax, format, a...) }

// InvalidValue is a 400 for a value of the wrong type, a bad value or a
// missing required attribute.
func InvalidValue(format string, a ...any) *Error { return newError(ScimInvalidValue, format, a...) }

// InvalidPath is a 400 for a PATCH path that does not parse or cannot be used.
func InvalidPath(format string, a ...any) *Error { return newError(ScimInvalidPath, format, a...) }

// NoTarget is a 400 for a PATCH operation that selects nothing to act on.
func NoTarget(format string, a ...any) *Error { return newError(ScimNoTarget, format, a...) }

// Mutability is a 400 for an attempt to change a read-only attribute.
func Mutability(format string, a ...any) *Error { return newError(ScimMutability, format, a...) }

// InvalidFilter is a 400 for a filter that does not parse or cannot be evaluated.
func InvalidFilter(format string, a ...any) *Error { return newError(ScimInvalidFilter, format, a...) }

// prefixed returns a copy of err with its detail prefixed by where it happened.
func prefixed(err error, format string, a ...any) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	return &Error{Status: e.Status, ScimType: e.ScimType, Detail: fmt.Sprintf(format, a...) + ": " + e.Detail}
}
