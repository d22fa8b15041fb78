package hostdb

import (
	"fmt"

	"github.com/visitly/hostsync"
)

// The store's refusals are typed, so that the HTTP layer can tell a client
// what was wrong with its own data without reading error text. Each matches
// its sentinel with errors.Is (ErrConflict, ErrInvalidMember, ErrNotFound).
// The store returns them wrapped by the operation ("hostdb: create host: …"),
// so their own text has no package prefix.

// ConflictError: a write would give a live host or group a name another live
// one has (names are unique case-insensitively).
type ConflictError struct {
	Field string // "userName" or "displayName"
	Value string // the name asked for
	// Holder is the id of the live host that has the name, when the store
	// knows it (a restore); empty when SQLite's unique index refused the write.
	Holder string
	// HolderIdP is the identity provider that provisioned the live host
	// that has the name, when known (a new host's userName).
	HolderIdP hostsync.IdP
}

func (e *ConflictError) Error() string {
	if e.Holder != "" {
		return fmt.Sprintf("conflict: %s %q is used by live host %s", e.Field, e.Value, e.Holder)
	}
	return fmt.Sprintf("conflict: %s %q is already taken", e.Field, e.Value)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// InvalidMemberError: a group member id that is not a live host.
type InvalidMemberError struct {
	ID string
}

func (e *InvalidMemberError) Error() string {
	return fmt.Sprintf("invalid member: %q is not a live host", e.ID)
}

// Is makes errors.Is(err, ErrInvalidMember) true.
func (e *InvalidMemberError) Is(target error) bool { return target == ErrInvalidMember }

// NotFoundError: no live resource of that kind has the id (or, for the
// admin's reads, none at all).
type NotFoundError struct {
	Kind string // "host", "group", "API key"
	ID   string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found", e.Kind, e.ID)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
