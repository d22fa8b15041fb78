package hostsync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"
)

// The rules of a change, once for every store: what a create, an update, a
// delete and a restore make of a host, which event records it, and when a
// change is none at all. A store reads the current record, calls one of
// these inside its write, and stores what it returns; the event's Seq, At,
// Actor and ActorName are the store's to fill when it appends it.

// CheckHost validates what every store relies on: a userName and attributes
// that are one JSON object.
func CheckHost(h *HostRecord) error {
	if h == nil || h.UserName == "" {
		return errors.New("host without userName")
	}
	if !isObject(h.Attrs) {
		return errors.New("host attributes are not a JSON object")
	}
	return nil
}

// CheckGroup validates a group's displayName and attributes.
func CheckGroup(displayName string, attrs []byte) error {
	if displayName == "" {
		return errors.New("group without displayName")
	}
	if !isObject(attrs) {
		return errors.New("group attributes are not a JSON object")
	}
	return nil
}

// CheckIdP fails with ErrUnknownIdP unless p is one of IdPs: a key or OAuth
// client is always made for an identity provider the service knows.
func CheckIdP(p IdP) error {
	if !slices.Contains(IdPs, p) {
		return fmt.Errorf("%w %q", ErrUnknownIdP, p)
	}
	return nil
}

func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) >= 2 && b[0] == '{' && json.Valid(b)
}

// NewHost is the host a create stores from in's indexed fields and
// attributes, with id and time t. A host created inactive is deactivated from
// the start; a key's host belongs to the key's identity provider.
func NewHost(a Actor, in *HostRecord, id string, t time.Time) (*HostRecord, Event, error) {
	if err := CheckHost(in); err != nil {
		return nil, Event{}, err
	}
	h := &HostRecord{ID: id, UserName: in.UserName, ExternalID: in.ExternalID,
		DisplayName: in.DisplayName, Email: in.Email, Active: in.Active,
		Attrs: bytes.Clone(in.Attrs), Created: t, Modified: t}
	if a.Kind == ActorAPIKey {
		h.IdP = a.IdP
	}
	if !h.Active {
		h.DeactivatedAt, h.DeactivatedBy, h.RemovedHow = t, a.String(), RemovedByDeactivate
	}
	ev := Event{Action: ActionHostCreated, ResourceType: ResourceUser, ResourceID: h.ID, UserName: h.UserName}
	return h, ev, nil
}

// UpdateHost is what an update of cur to next (the result of a SCIM PUT or
// PATCH) stores at time t: only next's indexed fields, Active and Attrs are
// taken. A nil host means nothing would change (no write, no event). Active
// turning false deactivates the host, turning true reactivates it; any change
// by a SCIM client ends a restore's mark (the IdP owns the host again).
func UpdateHost(a Actor, cur, next *HostRecord, t time.Time) (*HostRecord, Event, error) {
	same, changes, err := hostDelta(cur, next)
	if same {
		return nil, Event{}, nil
	}
	if err := errors.Join(CheckHost(next), err); err != nil {
		return nil, Event{}, err
	}
	h := cur.Clone()
	h.UserName, h.ExternalID, h.DisplayName, h.Email = next.UserName, next.ExternalID, next.DisplayName, next.Email
	h.Active, h.Attrs = next.Active, bytes.Clone(next.Attrs)
	h.Modified = t
	h.RestoredAt, h.RestoredBy = time.Time{}, ""
	ev := Event{Action: ActionHostUpdated, ResourceType: ResourceUser, ResourceID: h.ID, UserName: h.UserName, Changes: changes}
	switch {
	case cur.Active && !h.Active:
		ev.Action = ActionHostDeactivated
		h.DeactivatedAt, h.DeactivatedBy, h.RemovedHow = t, a.String(), RemovedByDeactivate
	case !cur.Active && h.Active:
		ev.Action = ActionHostReactivated
		h.DeactivatedAt, h.DeactivatedBy, h.RemovedHow = time.Time{}, "", ""
	}
	return h, ev, nil
}

// DeleteHost is what a soft delete of the live host cur stores: SCIM
// clients no longer see it and its userName is free, but the record and its
// history stay.
func DeleteHost(a Actor, cur *HostRecord, t time.Time) (*HostRecord, Event) {
	h := cur.Clone()
	h.Modified, h.DeletedAt, h.DeletedBy, h.RemovedHow = t, t, a.String(), RemovedByDelete
	h.RestoredAt, h.RestoredBy = time.Time{}, ""
	return h, Event{Action: ActionHostDeleted, ResourceType: ResourceUser, ResourceID: h.ID, UserName: h.UserName}
}

// RestoreHost is what bringing the removed host cur back stores: a
// deactivated host becomes active, a deleted one live and active ("active":
// true inside its attributes too). holder is the id of the live host that
// has cur's userName now, if any: a deleted host cannot come back over it
// (a *ConflictError). An active host needs no restore: the host is nil.
func RestoreHost(a Actor, cur *HostRecord, holder string, t time.Time) (*HostRecord, Event, error) {
	state := cur.State()
	if state == StateActive {
		return nil, Event{}, nil
	}
	if state == StateDeleted && holder != "" {
		return nil, Event{}, &ConflictError{Field: "userName", Value: cur.UserName, Holder: holder}
	}
	h := cur.Clone()
	if !h.Active {
		var err error
		if h.Attrs, err = setActive(h.Attrs); err != nil {
			return nil, Event{}, err
		}
	}
	h.Active, h.Modified = true, t
	h.DeactivatedAt, h.DeactivatedBy = time.Time{}, ""
	h.DeletedAt, h.DeletedBy, h.RemovedHow = time.Time{}, "", ""
	h.RestoredAt, h.RestoredBy = t, a.String()
	ev := Event{Action: ActionHostRestored, ResourceType: ResourceUser, ResourceID: h.ID, UserName: h.UserName,
		Changes: []FieldChange{{Field: "state", Old: string(state), New: string(StateActive)}}}
	attrChanges, err := diffAttrs(cur.Attrs, h.Attrs)
	if err != nil {
		return nil, Event{}, err
	}
	ev.Changes = append(ev.Changes, attrChanges...)
	return h, ev, nil
}

// setActive returns attrs with "active": true. Keys come back in sorted order,
// which is still the same SCIM resource.
func setActive(attrs json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(attrs))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode attributes: %w", err)
	}
	m["active"] = true
	return EncodeJSON(m)
}

// NewGroup is the group a create stores, with id and time t, and the event
// that records it with its first members (live host ids).
func NewGroup(in *GroupRecord, members []string, id string, t time.Time) (*GroupRecord, Event, error) {
	if in == nil {
		return nil, Event{}, errors.New("nil group")
	}
	if err := CheckGroup(in.DisplayName, in.Attrs); err != nil {
		return nil, Event{}, err
	}
	g := &GroupRecord{ID: id, DisplayName: in.DisplayName, ExternalID: in.ExternalID,
		Attrs: bytes.Clone(in.Attrs), Created: t, Modified: t}
	ev := Event{Action: ActionGroupCreated, ResourceType: ResourceGroup, ResourceID: g.ID,
		Detail: groupDetail(g.DisplayName, len(members), 0)}
	if len(members) > 0 {
		ev.Changes = []FieldChange{{Field: "members", New: listed(members)}}
	}
	return g, ev, nil
}

// GroupAttrs is cur with ch's non-member state applied (ch.Attrs nil keeps
// cur's): what a group update stores besides its members.
func GroupAttrs(cur *GroupRecord, ch *GroupChange) (*GroupRecord, error) {
	next := *cur
	next.Members = nil
	if ch.Attrs != nil {
		if err := CheckGroup(ch.DisplayName, ch.Attrs); err != nil {
			return nil, err
		}
		next.DisplayName, next.ExternalID, next.Attrs = ch.DisplayName, ch.ExternalID, bytes.Clone(ch.Attrs)
	}
	return &next, nil
}

// UpdateGroup is the event of a group update from cur to next whose
// members added and removed (host ids) the store has applied; ok is false
// when nothing changed (no write, no event).
func UpdateGroup(cur, next *GroupRecord, added, removed []string) (ev Event, ok bool, err error) {
	attrsSame := next.DisplayName == cur.DisplayName && next.ExternalID == cur.ExternalID &&
		jsonEqual(next.Attrs, cur.Attrs)
	if attrsSame && len(added) == 0 && len(removed) == 0 {
		return Event{}, false, nil
	}
	changes, err := diffAttrs(cur.Attrs, next.Attrs)
	if err != nil {
		return Event{}, false, err
	}
	if len(added) > 0 || len(removed) > 0 {
		changes = append(changes, FieldChange{Field: "members", Old: listed(removed), New: listed(added)})
	}
	return Event{Action: ActionGroupUpdated, ResourceType: ResourceGroup, ResourceID: cur.ID,
		Changes: changes, Detail: groupDetail(next.DisplayName, len(added), len(removed))}, true, nil
}

// DeleteGroup is the event of a group's soft delete.
func DeleteGroup(g *GroupRecord) Event {
	return Event{Action: ActionGroupDeleted, ResourceType: ResourceGroup, ResourceID: g.ID,
		Detail: groupDetail(g.DisplayName, 0, 0)}
}

func groupDetail(displayName string, added, removed int) string {
	d := fmt.Sprintf("displayName %q", displayName)
	if added > 0 {
		d += fmt.Sprintf(", %d member(s) added", added)
	}
	if removed > 0 {
		d += fmt.Sprintf(", %d member(s) removed", removed)
	}
	return d
}

// MaxListedMembers caps the member ids an event lists; its detail still gives the
// counts. A replace of a 50,000-member group must not write a 2 MB event.
const MaxListedMembers = 100

// listed is ids for an event's changes: nil when empty (so the JSON omits
// it), at most MaxListedMembers ids otherwise.
func listed(ids []string) any {
	if len(ids) == 0 {
		return nil
	}
	return ids[:min(len(ids), MaxListedMembers)]
}

// hostDelta compares an update's result with the stored host, decoding each
// attribute document once (decoding was a tenth of a PATCH's CPU when done
// twice): same reports that nothing stored would change; ch is the event
// diff, the attribute diff or, should the attributes be equal, the indexed
// fields that differ.
func hostDelta(cur, next *HostRecord) (same bool, ch []FieldChange, err error) {
	if next == nil {
		return true, nil, nil
	}
	indexedSame := cur.UserName == next.UserName && cur.ExternalID == next.ExternalID &&
		cur.DisplayName == next.DisplayName && cur.Email == next.Email && cur.Active == next.Active
	attrsSame := bytes.Equal(cur.Attrs, next.Attrs)
	if !attrsSame {
		va, errA := decodeAttrs(cur.Attrs)
		vb, errB := decodeAttrs(next.Attrs)
		if err := errors.Join(errA, errB); err != nil {
			return false, nil, err
		}
		if attrsSame = reflect.DeepEqual(va, vb); !attrsSame {
			if ch, err = diffDecoded(va, vb); err != nil || len(ch) > 0 {
				return false, ch, err
			}
		}
	}
	if attrsSame && indexedSame {
		return true, nil, nil
	}
	add := func(field string, o, n any) {
		if o != n {
			ch = append(ch, FieldChange{Field: field, Old: o, New: n})
		}
	}
	add("userName", cur.UserName, next.UserName)
	add("externalId", cur.ExternalID, next.ExternalID)
	add("displayName", cur.DisplayName, next.DisplayName)
	add("email", cur.Email, next.Email)
	add("active", cur.Active, next.Active)
	return false, ch, nil
}

// jsonEqual compares two JSON documents semantically (key order and spacing
// do not matter; numbers compare by their text).
func jsonEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	va, errA := decodeJSON(a)
	vb, errB := decodeJSON(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// EncodeJSON encodes v without escaping <, > and & (stored text is read by
// people and programs, never embedded in HTML), without a final newline.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
