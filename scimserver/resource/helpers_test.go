package resource

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// doc decodes a JSON object written in a test.
func doc(t testing.TB, s string) Doc {
	t.Helper()
	d, err := Decode([]byte(s))
	if err != nil {
		t.Fatalf("test JSON does not decode: %v\n%s", err, s)
	}
	return d
}

// canon is the canonical JSON of a value, for comparisons and messages.
func canon(t testing.TB, v any) string {
	t.Helper()
	d, ok := v.(Doc)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		return string(b)
	}
	b, err := Marshal(d)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}

// equalJSON fails unless got has the same JSON value as want.
func equalJSON(t testing.TB, got Doc, want string) {
	t.Helper()
	w := doc(t, want)
	if !reflect.DeepEqual(got, w) {
		t.Errorf("document differs\n got: %s\nwant: %s", canon(t, got), canon(t, w))
	}
}

// wantSCIMError fails unless err is an *Error with the given scimType whose
// detail contains every one of mentions.
func wantSCIMError(t testing.TB, err error, scimType string, mentions ...string) {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("want a *resource.Error %s, got %v", scimType, err)
	}
	if se.Status != 400 || se.ScimType != scimType {
		t.Errorf("want 400 %s, got %d %s (%s)", scimType, se.Status, se.ScimType, se.Detail)
	}
	for _, m := range mentions {
		if !strings.Contains(se.Detail, m) {
			t.Errorf("detail %q does not mention %q", se.Detail, m)
		}
	}
}

// normUser normalises a JSON user written in a test.
func normUser(t testing.TB, s string) Doc {
	t.Helper()
	d, err := NormalizeUser(doc(t, s))
	if err != nil {
		t.Fatalf("NormalizeUser: %v", err)
	}
	return d
}
