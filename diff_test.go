package hostsync

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDiffAttrs(t *testing.T) {
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	tests := []struct {
		name     string
		old, new string
		want     []FieldChange
	}{
		{"top-level string", `{"title":"Engineer"}`, `{"title":"Lead"}`,
			[]FieldChange{{Field: "title", Old: "Engineer", New: "Lead"}}},
		{"added and removed", `{"title":"Engineer"}`, `{"nickName":"Al"}`,
			[]FieldChange{{Field: "nickName", New: "Al"}, {Field: "title", Old: "Engineer"}}},
		{"nested object as dotted path", `{"name":{"givenName":"Al","familyName":"X"}}`, `{"name":{"givenName":"Bo","familyName":"X"}}`,
			[]FieldChange{{Field: "name.givenName", Old: "Al", New: "Bo"}}},
		{"enterprise attribute", `{"` + ent + `":{"department":"Sales"}}`, `{"` + ent + `":{"department":"R&D"}}`,
			[]FieldChange{{Field: ent + ":department", Old: "Sales", New: "R&D"}}},
		{"manager as its value", `{"` + ent + `":{"manager":{"value":"m1","displayName":"Boss"}}}`, `{"` + ent + `":{"manager":{"value":"m2"}}}`,
			[]FieldChange{{Field: ent + ":manager", Old: "m1", New: "m2"}}},
		{"manager removed", `{"` + ent + `":{"manager":{"value":"m1"},"department":"S"}}`, `{"` + ent + `":{"department":"S"}}`,
			[]FieldChange{{Field: ent + ":manager", Old: "m1"}}},
		{"typed array by type", `{"emails":[{"type":"work","value":"a@x"},{"type":"home","value":"h@x"}]}`,
			`{"emails":[{"type":"home","value":"h@x"},{"type":"work","value":"b@x","primary":true}]}`,
			[]FieldChange{{Field: `emails[type eq "work"].primary`, New: true}, {Field: `emails[type eq "work"].value`, Old: "a@x", New: "b@x"}}},
		{"address sub-attribute", `{"addresses":[{"type":"work","locality":"Oslo"}]}`, `{"addresses":[{"type":"work","locality":"Bergen"}]}`,
			[]FieldChange{{Field: `addresses[type eq "work"].locality`, Old: "Oslo", New: "Bergen"}}},
		{"untyped array whole", `{"roles":[{"value":"a"}]}`, `{"roles":[{"value":"b"}]}`,
			[]FieldChange{{Field: "roles", Old: []any{map[string]any{"value": "a"}}, New: []any{map[string]any{"value": "b"}}}}},
		{"boolean", `{"active":true}`, `{"active":false}`, []FieldChange{{Field: "active", Old: true, New: false}}},
		{"number kept exact", `{"x":1.50}`, `{"x":2}`, []FieldChange{{Field: "x", Old: json.Number("1.50"), New: json.Number("2")}}},
		{"schemas ignored", `{"schemas":["a"],"title":"t"}`, `{"schemas":["a","b"],"title":"t"}`, nil},
		{"key order ignored", `{"a":1,"b":{"c":2,"d":3}}`, `{"b":{"d":3,"c":2},"a":1}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := diffAttrs([]byte(tt.old), []byte(tt.new))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("diffAttrs =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
	if _, err := diffAttrs([]byte(`[1]`), []byte(`{}`)); err == nil {
		t.Error("diffAttrs accepted a non-object")
	}
}

func TestJSONEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[1,2]}`, `{ "b":[1,2], "a":1 }`, true},
		{`{"a":[1,2]}`, `{"a":[2,1]}`, false},
		{`{"a":"1"}`, `{"a":1}`, false},
		{`{"a":null}`, `{}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			if got := jsonEqual([]byte(tt.a), []byte(tt.b)); got != tt.want {
				t.Errorf("jsonEqual = %v, want %v", got, tt.want)
			}
		})
	}
}
