package resource

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestAppendResource(t *testing.T) {
	created := time.Date(2024, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	modified := time.Date(2024, 3, 2, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name  string
		attrs string
		meta  Meta
		want  string
	}{
		{
			name:  "id first, attributes, meta last",
			attrs: `{"active":true,"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`,
			meta: Meta{ResourceType: "User", ID: "2819c223", Location: "https://h/v1/usersync/SCIM/Users/2819c223", Version: `W/"3"`,
				Created: created, LastModified: modified},
			want: `{"id":"2819c223","active":true,"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen",` +
				`"meta":{"resourceType":"User","created":"2024-03-01T09:00:00.123Z","lastModified":"2024-03-02T09:30:00.000Z",` +
				`"location":"https://h/v1/usersync/SCIM/Users/2819c223","version":"W/\"3\""}}`,
		},
		{
			name:  "whitespace around the stored object",
			attrs: " \n{ \"userName\" : \"a\" }\n",
			meta:  Meta{ID: "x"},
			want:  `{"id":"x","userName" : "a","meta":{}}`,
		},
		{
			name:  "empty object",
			attrs: `{}`,
			meta:  Meta{ID: "x", ResourceType: "Group"},
			want:  `{"id":"x","meta":{"resourceType":"Group"}}`,
		},
		{
			name:  "not an object is treated as empty",
			attrs: `[1,2]`,
			meta:  Meta{ID: "x"},
			want:  `{"id":"x","meta":{}}`,
		},
		{
			name:  "strings are JSON-escaped",
			attrs: ``,
			meta:  Meta{ID: "a\"b\\c\n\x01<&>\u2028\xff", Location: "é"},
			want:  `{"id":"a\"b\\c\n\u0001<&>\u2028\ufffd","meta":{"location":"é"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendResource([]byte("prefix:"), json.RawMessage(tt.attrs), tt.meta))
			if got != "prefix:"+tt.want {
				t.Errorf("got  %s\nwant prefix:%s", got, tt.want)
			}
			if !json.Valid([]byte(strings.TrimPrefix(got, "prefix:"))) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}

func TestAppendResourceMatchesEncodingJSON(t *testing.T) {
	// AppendString must agree with encoding/json on every string a client
	// can send, so that a spliced resource decodes to what was stored.
	for _, s := range []string{"", "plain", "quote\"back\\slash", "tab\tnl\ncr\r", "\x00\x1f\x7f", "<script>&", "日本語", "\u2028\u2029", "bad\xffutf8"} {
		out := AppendResource(nil, json.RawMessage(`{}`), Meta{ID: s})
		var d struct{ ID string }
		if err := json.Unmarshal(out, &d); err != nil {
			t.Fatalf("%q: %v in %s", s, err, out)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if d.ID != want {
			t.Errorf("id %q came back as %q", want, d.ID)
		}
	}
}

func TestAppendGroup(t *testing.T) {
	attrs := json.RawMessage(`{"displayName":"G","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`)
	m := Meta{ID: "g1", ResourceType: "Group"}
	tests := []struct {
		name    string
		members []Member
		want    string
	}{
		{"members left out", nil, `{"id":"g1","displayName":"G","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"meta":{"resourceType":"Group"}}`},
		{"no members", []Member{}, `{"id":"g1","displayName":"G","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"members":[],"meta":{"resourceType":"Group"}}`},
		{"members", []Member{{Value: "u1", Ref: "https://h/Users/u1", Display: "Babs", Type: "User"}, {Value: "u2"}},
			`{"id":"g1","displayName":"G","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"members":[{"value":"u1","$ref":"https://h/Users/u1","display":"Babs","type":"User"},{"value":"u2"}],"meta":{"resourceType":"Group"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendGroup(nil, attrs, tt.members, m)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestProject(t *testing.T) {
	res := renderedUser(t)
	tests := []struct {
		name                 string
		attributes, excluded []string
		want                 string
	}{
		{
			name:       "attributes keep id and schemas",
			attributes: []string{"userName"},
			want:       `{"id":"2819c223-7f76-453a-919d-413861904646","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"Test_User_00aa"}`,
		},
		{
			name:       "case-insensitive, dotted, URN-prefixed",
			attributes: []string{"NAME.givenname", "emails.value", "urn:ietf:params:scim:schemas:core:2.0:User:active", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "meta.created"},
			want: `{"id":"2819c223-7f76-453a-919d-413861904646","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"name":{"givenName":"Barbara"},"emails":[{"value":"bjensen@example.com"},{"value":"babs@jensen.org"}],"active":true,
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss-1"}},"meta":{"created":"2011-08-01T18:29:49.793Z"}}`,
		},
		{
			name:       "an extension URN alone selects the whole extension",
			attributes: []string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "unknownThing"},
			want: `{"id":"2819c223-7f76-453a-919d-413861904646","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":{"value":"boss-1"},"employeeNumber":"701984"}}`,
		},
		{
			name:     "excludedAttributes never drops id or schemas",
			excluded: []string{"id", "schemas", "emails", "name.familyName", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "meta", "customAttr", "title", "userType", "displayName"},
			want: `{"id":"2819c223-7f76-453a-919d-413861904646","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"userName":"Test_User_00aa","externalId":"0a21f0f2","active":true,"name":{"givenName":"Barbara"},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss-1"},"employeeNumber":"701984"}}`,
		},
		{
			name:       "excluding the only selected sub-attribute drops the attribute",
			attributes: []string{"name.givenName", "userName"},
			excluded:   []string{"name.givenName"},
			want:       `{"id":"2819c223-7f76-453a-919d-413861904646","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"Test_User_00aa"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := canon(t, res)
			equalJSON(t, Project(res, tt.attributes, tt.excluded), tt.want)
			if canon(t, res) != before {
				t.Error("Project modified its input")
			}
		})
	}
	t.Run("group members excluded", func(t *testing.T) {
		g := doc(t, `{"id":"g","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"u1"}],"meta":{"resourceType":"Group"}}`)
		equalJSON(t, Project(g, nil, []string{"members"}), `{"id":"g","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","meta":{"resourceType":"Group"}}`)
		equalJSON(t, Project(g, nil, []string{"urn:ietf:params:scim:schemas:core:2.0:Group:Members"}), `{"id":"g","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","meta":{"resourceType":"Group"}}`)
	})
	t.Run("no lists returns the resource", func(t *testing.T) {
		if got := Project(res, nil, nil); canon(t, got) != canon(t, res) {
			t.Errorf("got %s", canon(t, got))
		}
	})
}
