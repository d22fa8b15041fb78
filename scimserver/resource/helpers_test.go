package resource

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
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

// userSelf and groupSelf are the metadata of the resources tests patch.
var (
	userSelf  = Meta{ResourceType: "User", ID: "2819c223-7f76-453a-919d-413861904646"}
	groupSelf = Meta{ResourceType: "Group", ID: "e9e30dba-f08f-4109-8486-d5c6a331660a"}
)

// patchUser is PatchUser on the user userSelf describes.
func patchUser(cur Doc, body []byte) (Doc, error) {
	return PatchUser(context.Background(), cur, userSelf, body)
}

// patchGroup is PatchGroup on the group groupSelf describes.
func patchGroup(cur Doc, body []byte) (Doc, MemberOps, error) {
	return PatchGroup(context.Background(), cur, groupSelf, body)
}

// recorded reads a request body identity providers send, recorded once in
// the repository's testdata/azuread and shared with the server's tests.
func recorded(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "azuread", file))
	if err != nil {
		t.Fatalf("recorded request: %v", err)
	}
	return b
}

// azureCreateGroup is Azure AD's group create, the group PATCH tests start from.
func azureCreateGroup(t testing.TB) string { return string(recorded(t, "create-group.json")) }
