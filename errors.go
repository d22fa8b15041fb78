package hostsync

import (
	"errors"
	"fmt"
)

// A store's refusals are typed, so that the HTTP layer can tell a client
// what was wrong with its own data without reading error text. Each typed
// error matches its sentinel with errors.Is (ErrConflict, ErrInvalidMember,
// ErrNotFound). Stores return them wrapped by the operation ("hostdb: create
// host: …"), so their own text has no package prefix.
var (
	// ErrNotFound: no such (live) resource; the error is a *NotFoundError.
	ErrNotFound = errors.New("hostsync: not found")
	// ErrConflict: a name another live host or group has; the error is a
	// *ConflictError that says which.
	ErrConflict = errors.New("hostsync: conflict")
	// ErrInvalidMember: a group member id that is not a live host; the error
	// is an *InvalidMemberError.
	ErrInvalidMember = errors.New("hostsync: invalid member")
	// ErrUnauthorized: an unknown, revoked or malformed secret.
	ErrUnauthorized = errors.New("hostsync: unauthorized")
	// ErrUnknownIdP: a key asked for an identity provider the service does
	// not know (IdPs lists those it does).
	ErrUnknownIdP = errors.New("hostsync: unknown identity provider")
	// ErrNoSpace: the disk (or the database server) had no room for a write.
	ErrNoSpace = errors.New("hostsync: no space left on the disk")
)

// ConflictError: a write would give a live host or group a name another live
// one has (names are unique case-insensitively).
type ConflictError struct {
	Field string // "userName" or "displayName"
	Value string // the name asked for
	// Holder is the id of the live host that has the name, when the store
	// knows it (a restore); empty when a unique index refused the write.
	Holder string
	// HolderIdP is the identity provider that provisioned the live host
	// that has the name, when known (a new host's userName).
	HolderIdP IdP
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
