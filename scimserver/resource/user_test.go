package resource

import (
	"strings"
	"testing"
)

const core = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`
const coreEnt = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]`

func TestNormalizeUser(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "attribute names are rewritten to the schema's case",
			in:   `{"USERNAME":"bjensen","Emails":[{"Value":"b@example.com","TYPE":"work","Primary":true}],"NAME":{"GivenName":"Barbara","familyname":"Jensen"},"ACTIVE":true,"DisplayName":"Babs"}`,
			want: `{` + core + `,"userName":"bjensen","emails":[{"value":"b@example.com","type":"work","primary":true}],"name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,"displayName":"Babs"}`,
		},
		{
			name: "unknown attributes and extension objects are kept as sent",
			in:   `{"userName":"a","customThing":{"Deep":1,"gone":""},"urn:example:custom:1.0:User":{"Badge":"7"},"urn:example:flat:attr":"v"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:custom:1.0:User"],"userName":"a","active":true,"customThing":{"Deep":1},"urn:example:custom:1.0:User":{"Badge":"7"},"urn:example:flat:attr":"v"}`,
		},
		{
			name: "server-owned input is ignored and unknown schema URIs are accepted",
			in:   `{"id":"client-chosen","meta":{"resourceType":"User","created":"2001-01-01T00:00:00Z"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],"groups":[{"value":"g1"}],"userName":"a"}`,
			want: `{` + core + `,"userName":"a","active":true}`,
		},
		{
			name: "password is never stored",
			in:   `{"userName":"a","password":"hunter2","Password":"again"}`,
			want: `{` + core + `,"userName":"a","active":true}`,
		},
		{
			name: "string booleans in any case become JSON booleans",
			in:   `{"userName":"a","active":"False","emails":[{"value":"x@y","primary":"TRUE"}]}`,
			want: `{` + core + `,"userName":"a","active":false,"emails":[{"value":"x@y","primary":true}]}`,
		},
		{
			name: "active defaults to true",
			in:   `{"userName":"a","active":null}`,
			want: `{` + core + `,"userName":"a","active":true}`,
		},
		{
			name: "null, empty strings, empty arrays and objects are unassigned",
			in:   `{"userName":"a","roles":[],"nickName":"","name":{},"addresses":[{}],"title":null,"phoneNumbers":null,"emails":[{"type":"work","value":""}],"x":null,"y":[],"z":{"q":null}}`,
			want: `{` + core + `,"userName":"a","active":true}`,
		},
		{
			name: "enterprise object, flattened keys and unprefixed enterprise names are merged",
			in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"Department":"Sales","costCenter":""},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"1",
				"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Division":"North","organization":"Visitly"}`,
			want: `{` + coreEnt + `,"userName":"a","active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","employeeNumber":"1","division":"North","organization":"Visitly"}}`,
		},
		{
			name: "manager as a plain id string",
			in:   `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"boss-1"}`,
			want: `{` + coreEnt + `,"userName":"a","active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss-1"}}}`,
		},
		{
			name: "manager in RFC form is kept",
			in:   `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss-1","$ref":"../Users/boss-1","displayName":"The Boss"}}}`,
			want: `{` + coreEnt + `,"userName":"a","active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss-1","$ref":"../Users/boss-1","displayName":"The Boss"}}}`,
		},
		{
			name: "manager with an empty value is removed",
			in:   `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"","displayName":"Nobody"}}}`,
			want: `{` + core + `,"userName":"a","active":true}`,
		},
		{
			name: "manager sent as a one-element array",
			in:   `{"userName":"a","manager":[{"$ref":null,"value":"boss-2"}]}`,
			want: `{` + coreEnt + `,"userName":"a","active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss-2"}}}`,
		},
		{
			name: "core-URN-prefixed keys",
			in:   `{"urn:ietf:params:scim:schemas:core:2.0:User:userName":"a","urn:ietf:params:scim:schemas:core:2.0:User:name.givenName":"G","urn:ietf:params:scim:schemas:core:2.0:User:id":"x"}`,
			want: `{` + core + `,"userName":"a","active":true,"name":{"givenName":"G"}}`,
		},
		{
			name: "two work emails are kept (RFC 7643 §2.4 limits only primary)",
			in:   `{"userName":"a","emails":[{"value":"x@y","type":"work","primary":true},{"value":"z@y","type":"Work"},{"value":"X@Y","type":"work"}]}`,
			want: `{` + core + `,"userName":"a","active":true,"emails":[{"value":"x@y","type":"work","primary":true},{"value":"z@y","type":"Work"},{"value":"X@Y","type":"work"}]}`,
		},
		{
			name: "userName and displayName are trimmed of white space",
			in:   `{"userName":"  a@x\u00a0","displayName":"\u2003Ada Lovelace "}`,
			want: `{` + core + `,"userName":"a@x","active":true,"displayName":"Ada Lovelace"}`,
		},
		{
			name: "1,000 emails are accepted, identical ones merged",
			in:   `{"userName":"a","emails":[` + manyEmails(999) + `,{"type":"t0","value":"e0@example.com"}]}`,
			want: `{` + core + `,"userName":"a","active":true,"emails":[` + manyEmails(999) + `]}`,
		},
		{
			name: "identical values of a multi-valued attribute are merged",
			in:   `{"userName":"a","emails":[{"value":"x@y","type":"work"},{"value":"x@y","type":"work"},"z@y"]}`,
			want: `{` + core + `,"userName":"a","active":true,"emails":[{"value":"x@y","type":"work"},{"value":"z@y"}]}`,
		},
		{
			name: "every RFC 7643 user attribute",
			in: `{"userName":"u","externalId":"e","active":true,"displayName":"d","nickName":"n","profileUrl":"https://p","title":"t","userType":"Employee",
				"preferredLanguage":"en","locale":"en-US","timezone":"Europe/Paris",
				"name":{"formatted":"f","familyName":"F","givenName":"G","middleName":"M","honorificPrefix":"Ms","honorificSuffix":"III"},
				"emails":[{"value":"e@x","display":"E","type":"work","primary":true}],"phoneNumbers":[{"value":"1","type":"mobile"}],
				"ims":[{"value":"i","type":"xmpp"}],"photos":[{"value":"https://ph","type":"photo"}],
				"addresses":[{"formatted":"a","streetAddress":"s","locality":"l","region":"r","postalCode":"p","country":"c","type":"work","primary":true}],
				"entitlements":[{"value":"ent"}],"roles":[{"value":"r","display":"R","type":"t","primary":false}],"x509Certificates":[{"value":"MIIB"}]}`,
			want: `{` + core + `,"userName":"u","externalId":"e","active":true,"displayName":"d","nickName":"n","profileUrl":"https://p","title":"t","userType":"Employee",
				"preferredLanguage":"en","locale":"en-US","timezone":"Europe/Paris",
				"name":{"formatted":"f","familyName":"F","givenName":"G","middleName":"M","honorificPrefix":"Ms","honorificSuffix":"III"},
				"emails":[{"value":"e@x","display":"E","type":"work","primary":true}],"phoneNumbers":[{"value":"1","type":"mobile"}],
				"ims":[{"value":"i","type":"xmpp"}],"photos":[{"value":"https://ph","type":"photo"}],
				"addresses":[{"formatted":"a","streetAddress":"s","locality":"l","region":"r","postalCode":"p","country":"c","type":"work","primary":true}],
				"entitlements":[{"value":"ent"}],"roles":[{"value":"r","display":"R","type":"t","primary":false}],"x509Certificates":[{"value":"MIIB"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := doc(t, tt.in)
			before := canon(t, in)
			got, err := NormalizeUser(in)
			if err != nil {
				t.Fatalf("NormalizeUser: %v", err)
			}
			equalJSON(t, got, tt.want)
			if after := canon(t, in); after != before {
				t.Errorf("input was modified:\n%s\n%s", before, after)
			}
			again, err := NormalizeUser(got)
			if err != nil {
				t.Fatalf("NormalizeUser(canonical): %v", err)
			}
			equalJSON(t, again, canon(t, got))
		})
	}
}

func TestNormalizeUserErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		scimType string
		mentions []string
	}{
		{"userName missing", `{"displayName":"x"}`, ScimInvalidValue, []string{"userName", "required"}},
		{"userName empty", `{"userName":""}`, ScimInvalidValue, []string{"userName"}},
		{"userName a number", `{"userName":5}`, ScimInvalidValue, []string{"userName", "string"}},
		{"active not a boolean", `{"userName":"a","active":"yes"}`, ScimInvalidValue, []string{"active", "boolean"}},
		{"active a number", `{"userName":"a","active":1}`, ScimInvalidValue, []string{"active", "boolean"}},
		{"primary not a boolean", `{"userName":"a","emails":[{"value":"x","primary":"maybe"}]}`, ScimInvalidValue, []string{"emails[0].primary"}},
		{"name a string", `{"userName":"a","name":"Barbara"}`, ScimInvalidValue, []string{"name", "object"}},
		{"emails a string", `{"userName":"a","emails":"x@y"}`, ScimInvalidValue, []string{"emails", "array"}},
		{"emails element a number", `{"userName":"a","emails":[1]}`, ScimInvalidValue, []string{"emails[0]"}},
		{"address element a string", `{"userName":"a","addresses":["Main St"]}`, ScimInvalidValue, []string{"addresses[0]"}},
		{"sub-attribute of the wrong type", `{"userName":"a","name":{"givenName":["x"]}}`, ScimInvalidValue, []string{"name.givenName"}},
		{"two primary values", `{"userName":"a","emails":[{"value":"x","primary":true},{"value":"y","primary":"True"}]}`, ScimInvalidValue, []string{"emails", "primary"}},
		{"1,001 emails", `{"userName":"a","emails":[` + manyEmails(1001) + `]}`, ScimInvalidValue, []string{"emails", "1001", "at most 1000"}},
		{"blank userName", `{"userName":"   "}`, ScimInvalidValue, []string{"userName", "blank"}},
		{"userName of a tab", `{"userName":"\t"}`, ScimInvalidValue, []string{"userName", "control"}},
		{"userName with a NUL", `{"userName":"a\u0000b"}`, ScimInvalidValue, []string{"userName", "control"}},
		{"userName with a line break", `{"userName":"a@x\n"}`, ScimInvalidValue, []string{"userName", "control"}},
		{"userName of invisible characters", `{"userName":"\u200b\u2003"}`, ScimInvalidValue, []string{"userName", "blank"}},
		{"displayName starting with a zero-width space", `{"userName":"a","displayName":"\u200bAda"}`, ScimInvalidValue, []string{"displayName", "U+200B", "zero-width"}},
		{"blank displayName", `{"userName":"a","displayName":"  "}`, ScimInvalidValue, []string{"displayName", "blank"}},
		{"displayName with a bell", `{"userName":"a","displayName":"Ada\u0007"}`, ScimInvalidValue, []string{"displayName", "control"}},
		{"enterprise extension not an object", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}`, ScimInvalidValue, []string{"enterprise"}},
		{"department not a string", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":true}`, ScimInvalidValue, []string{"department"}},
		{"manager with two values", `{"userName":"a","manager":[{"value":"1"},{"value":"2"}]}`, ScimInvalidValue, []string{"manager", "single-valued"}},
		{"the same attribute twice", `{"userName":"a","USERNAME":"b"}`, ScimInvalidSyntax, []string{"userName", "more than once"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NormalizeUser(doc(t, tt.in))
			wantSCIMError(t, err, tt.scimType, tt.mentions...)
		})
	}
}

func TestNormalizeUserNeverEchoesValues(t *testing.T) {
	_, err := NormalizeUser(doc(t, `{"userName":"a","active":"s3cr3t-token"}`))
	if err == nil || contains(err.Error(), "s3cr3t") {
		t.Fatalf("want an error that does not quote the value, got %v", err)
	}
}

func contains(s, sub string) bool { return len(sub) > 0 && len(s) >= len(sub) && indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestUserIndex(t *testing.T) {
	tests := []struct {
		name                                string
		in                                  string
		userName, externalID, display, mail string
		active                              bool
	}{
		{"work email wins", `{"userName":"u","externalId":"E","displayName":"D","emails":[{"value":"p@x","primary":true},{"value":"w@x","type":"work"}]}`, "u", "E", "D", "w@x", true},
		{"the primary of two work emails", `{"userName":"u","emails":[{"value":"w1@x","type":"work"},{"value":"w2@x","type":"work","primary":true}]}`, "u", "", "", "w2@x", true},
		{"the first of two work emails when neither is primary", `{"userName":"u","emails":[{"value":"h@x","type":"home"},{"value":"w1@x","type":"work"},{"value":"w2@x","type":"work"}]}`, "u", "", "", "w1@x", true},
		{"primary when no work email", `{"userName":"u","emails":[{"value":"h@x","type":"home"},{"value":"p@x","type":"other","primary":true}]}`, "u", "", "", "p@x", true},
		{"first when no work or primary email", `{"userName":"u","emails":[{"value":"h@x","type":"home"},{"value":"o@x","type":"other"}]}`, "u", "", "", "h@x", true},
		{"no email, deactivated", `{"userName":"u","active":"false"}`, "u", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, e, d, m, a := UserIndex(normUser(t, tt.in))
			if u != tt.userName || e != tt.externalID || d != tt.display || m != tt.mail || a != tt.active {
				t.Errorf("UserIndex = %q %q %q %q %v, want %q %q %q %q %v", u, e, d, m, a, tt.userName, tt.externalID, tt.display, tt.mail, tt.active)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		mentions []string
	}{
		{"empty", ``, []string{"empty"}},
		{"syntax error", "{\n  \"userName\": \"a\",\n  oops\n}", []string{"line 3, column 3"}},
		{"truncated", `{"userName":`, []string{"ends early"}},
		{"an array", `[{"userName":"a"}]`, []string{"JSON object", "an array"}},
		{"a string", `"x"`, []string{"a string"}},
		{"trailing data", `{"a":1} {"b":2}`, []string{"after the JSON object", "column 9"}},
	}
	t.Run("a request with an array of more than 10,000 values", func(t *testing.T) {
		_, err := DecodeRequest([]byte(`{"x":[` + strings.Repeat(`"a,]\"",`, 10000) + `1]}`))
		wantSCIMError(t, err, ScimInvalidValue, "more than 10000")
		if _, err := DecodeRequest([]byte(`{"x":[` + strings.Repeat(`"a,]\"",`, 9999) + `1],"y":[` + strings.Repeat(`1,`, 9999) + `1]}`)); err != nil {
			t.Errorf("two arrays of 10,000 values: %v", err)
		}
		if _, err := Decode([]byte(`{"x":[` + strings.Repeat(`1,`, 10000) + `1]}`)); err != nil {
			t.Errorf("a stored resource is read whatever its size: %v", err)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.body))
			wantSCIMError(t, err, ScimInvalidSyntax, tt.mentions...)
		})
	}
	d, err := Decode([]byte(` {"n": 12345678901234567890} `))
	if err != nil {
		t.Fatal(err)
	}
	if got := canon(t, d); got != `{"n":12345678901234567890}` {
		t.Errorf("numbers must keep their text, got %s", got)
	}
}
