package resource

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// renderedUser is a user as the HTTP layer hands it to Match: the stored
// document rendered with AppendResource and decoded.
func renderedUser(t testing.TB) Doc {
	t.Helper()
	stored := normUser(t, `{"userName":"Test_User_00aa","externalId":"0a21f0f2","active":true,"displayName":"Babs \"The\" Jensen",
		"title":"Tour Guide","userType":"Employee",
		"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],
		"name":{"familyName":"Jensen","givenName":"Barbara"},"customAttr":"x",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":{"value":"boss-1"},"employeeNumber":"701984"}}`)
	attrs, err := Marshal(stored)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2011, 8, 1, 18, 29, 49, 793e6, time.UTC)
	return doc(t, string(AppendResource(nil, attrs, Meta{ResourceType: "User", ID: "2819c223-7f76-453a-919d-413861904646",
		Created: created, LastModified: created})))
}

func TestFilterMatch(t *testing.T) {
	res := renderedUser(t)
	tests := []struct {
		filter string
		want   bool
	}{
		// eq and case rules: userName is caseExact false, id and externalId true.
		{`userName eq "Test_User_00aa"`, true},
		{`USERNAME EQ "test_user_00AA"`, true},
		{`userName eq "c7a4a4c4-6ce2-4a1d-9a8d-7d8b8d9e3b1f"`, false}, // Test Connection's random GUID
		{`externalId eq "0a21f0f2"`, true},
		{`externalId eq "0A21F0F2"`, false},
		{`id eq "2819c223-7f76-453a-919d-413861904646"`, true},
		{`id eq "2819C223-7F76-453A-919D-413861904646"`, false},
		{`userName ne "x"`, true},
		{`nickName ne "x"`, false}, // unassigned matches nothing
		// substring and ordering
		{`userName co "USER_00"`, true},
		{`userName sw "test"`, true},
		{`userName ew "00AA"`, true},
		{`title gt "Tour"`, true},
		{`title lt "A"`, false},
		{`title le "tour guide"`, true},
		// presence
		{`title pr`, true},
		{`nickName pr`, false},
		{`name pr`, true},
		{`emails pr`, true},
		{`addresses pr`, false},
		// value filters and Azure AD's form
		{`emails[type eq "work" and value co "@example.com"]`, true},
		{`emails[type eq "home" and value co "@example.com"]`, false},
		{`emails[not (type eq "work")]`, true},
		{`emails[type eq "work"].value eq "bjensen@example.com"`, true},
		{`emails[type eq "work"].value eq "BJENSEN@example.com"`, true},
		{`emails[type eq "home"].value eq "bjensen@example.com"`, false},
		{`emails[type eq "work"].value pr`, true},
		{`emails co "jensen.org"`, true},
		{`emails.value sw "babs"`, true},
		{`emails.type eq "home"`, true},
		{`emails.primary eq true`, true},
		// dateTime compares as time
		{`meta.created gt "2011-05-13T04:42:34Z"`, true},
		{`meta.created lt "2011-05-13T04:42:34Z"`, false},
		{`meta.lastModified ge "2011-08-01T18:29:49.793Z"`, true},
		{`meta.created eq "2011-08-01T20:29:49.793+02:00"`, true},
		{`meta.created sw "2011-08"`, true},
		{`meta.resourceType eq "User"`, true},
		// booleans, string booleans
		{`active eq true`, true},
		{`active eq "True"`, true},
		{`active ne false`, true},
		{`active eq false`, false},
		// logic and grouping (the Postman suite's and (… or …))
		{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`, true},
		{`userType eq "Intern" or title pr`, true},
		{`userType eq "Intern" or (title pr and nickName pr)`, false},
		{`not (userName eq "x")`, true},
		{`not (nickName eq "x")`, true},
		{`userName eq "x" or userName eq "test_user_00aa" and active eq true`, true},
		// unknown attributes are unassigned, even when stored
		{`customAttr eq "x"`, false},
		{`foo pr`, false},
		{`not (foo pr)`, true},
		{`name.nickName pr`, false},
		// URN prefixes and the enterprise extension
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales"`, true},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:employeeNumber eq "701984"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "boss-1"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq "boss-1"]`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "Test"`, true},
		{`urn:example:other:2.0:User:userName pr`, false},
		{`department eq "Sales"`, true},
		{`manager eq "BOSS-1"`, false},
		// escapes, numbers, null
		{`displayName eq "Babs \"The\" Jensen"`, true},
		{`displayName co "\"the\""`, true},
		{`displayName sw "B\u0061bs"`, true},
		{`displayName sw "B\u0041bs"`, true},
		{`nickName eq null`, true},
		{`title eq null`, false},
		{`title ne null`, true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := ParseFilter(User, tt.filter)
			if err != nil {
				t.Fatalf("ParseFilter: %v", err)
			}
			if got := f.Match(res); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct {
		name, filter string
		mentions     []string
	}{
		{"empty", `  `, []string{"empty"}},
		{"too long", `userName eq "` + strings.Repeat("a", 4100) + `"`, []string{"4096"}},
		{"too deep", strings.Repeat("(", 33) + "a pr" + strings.Repeat(")", 33), []string{"33 deep"}},
		{"bad syntax", `emails[`, []string{"RFC 7644"}},
		{"bad syntax late", `userName eq "x" foo`, []string{`" foo"`, "character 16"}},
		{"unknown operator", `userName xx "y"`, []string{"RFC 7644"}},
		{"unquoted string", `externalId eq jyoung`, []string{"RFC 7644"}},
		{"three comparisons in a value filter", `emails[type eq "work" and value co "@" and primary eq true]`, []string{"two joined by and/or"}},
		{"booleans have no order", `active gt true`, []string{"boolean"}},
		{"booleans have no order on any attribute", `foo lt false`, []string{"boolean"}},
		{"no substrings of booleans", `active co "t"`, []string{"boolean"}},
		{"boolean compared with a word", `active eq "yes"`, []string{"true or false"}},
		{"dateTime compared with a non-time", `meta.created gt "yesterday"`, []string{"meta.created", "RFC 3339"}},
		{"dateTime compared with a number", `meta.created gt 5`, []string{"number"}},
		{"string compared with a boolean", `userName eq true`, []string{"userName", "quoted string"}},
		{"string compared with a number", `userName eq 5`, []string{"userName", "number"}},
		{"string ordered against a number", `userName gt 5`, []string{"userName", "number"}},
		{"sub-attribute compared with a number", `emails.value eq 5`, []string{"emails.value", "number"}},
		{"binary has no order", `x509Certificates.value gt "AAAA"`, []string{"x509Certificates.value", "binary"}},
		{"complex attribute compared", `name eq "x"`, []string{"name", "sub-attributes"}},
		{"value filter on a simple attribute", `userName[value eq "x"]`, []string{"userName"}},
		{"null with gt", `title gt null`, []string{"null"}},
		{"null with co on any attribute", `foo co null`, []string{"null"}},
		{"not without parentheses", `not userName eq "x"`, []string{"RFC 7644"}},
		{"invalid UTF-8", "userName eq \"\xff\"", []string{"UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFilter(User, tt.filter)
			wantSCIMError(t, err, ScimInvalidFilter, tt.mentions...)
			if f != nil {
				t.Error("got a filter with the error")
			}
		})
	}
}

func TestFilterConds(t *testing.T) {
	tests := []struct {
		kind   Kind
		filter string
		want   []Cond
		exact  bool
	}{
		{User, `userName eq "Test_User"`, []Cond{{"userName", "Test_User"}}, true},
		{User, `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"`, []Cond{{"userName", "a"}}, true},
		{User, `externalId eq "x" and active eq "False"`, []Cond{{"externalId", "x"}, {"active", "false"}}, true},
		{User, `id eq "i" and displayName eq "D" and active eq true`, []Cond{{"id", "i"}, {"displayName", "D"}, {"active", "true"}}, true},
		{User, `emails[type eq "work"].value eq "a@b"`, []Cond{{"email", "a@b"}}, false},
		{User, `emails[value eq "a@b" and type eq "Work"]`, []Cond{{"email", "a@b"}}, false},
		{User, `emails[type eq "home"].value eq "a@b"`, nil, false},
		{User, `userName eq "a" and title pr`, []Cond{{"userName", "a"}}, false},
		{User, `id eq "x" and (displayName eq "d" or nickName pr)`, []Cond{{"id", "x"}}, false},
		{User, `userName eq "a" or userName eq "b"`, nil, false},
		{User, `not (userName eq "a")`, nil, false},
		{User, `userName co "a"`, nil, false},
		{User, `userName eq null`, nil, false},
		{User, `name.givenName eq "a"`, nil, false},
		{Group, `displayName eq "displayName"`, []Cond{{"displayName", "displayName"}}, true},
		{Group, `externalId eq "8aa1" and id eq "g"`, []Cond{{"externalId", "8aa1"}, {"id", "g"}}, true},
		{Group, `userName eq "a"`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String()+" "+tt.filter, func(t *testing.T) {
			f, err := ParseFilter(tt.kind, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if canon(t, f.Conds()) != canon(t, tt.want) {
				t.Errorf("Conds = %v, want %v", f.Conds(), tt.want)
			}
			if f.Exact() != tt.exact {
				t.Errorf("Exact = %v, want %v", f.Exact(), tt.exact)
			}
		})
	}
}

func TestGroupFilter(t *testing.T) {
	group := doc(t, `{"id":"g1","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales Team","externalId":"8aa1",
		"members":[{"value":"u1"},{"value":"u2"}],"meta":{"resourceType":"Group","created":"2024-01-02T03:04:05.000Z"}}`)
	tests := []struct {
		filter  string
		want    bool
		members bool
	}{
		{`displayName eq "sales team"`, true, false},
		{`displayName eq "Sales"`, false, false},
		{`externalId eq "8aa1"`, true, false},
		{`members[value eq "u2"]`, true, true},
		{`members[value eq "u3"]`, false, true},
		{`members.value eq "u1"`, true, true},
		{`members eq "u1"`, true, true},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:members pr`, true, true},
		{`displayName sw "Sales" and not (members pr)`, false, true},
		{`meta.created ge "2024-01-01T00:00:00Z"`, true, false},
		{`userName eq "x"`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := ParseFilter(Group, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(group); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
			if f.UsesMembers() != tt.members {
				t.Errorf("UsesMembers = %v, want %v", f.UsesMembers(), tt.members)
			}
		})
	}
}

func TestRewriteFilter(t *testing.T) {
	tests := []struct{ in, want string }{
		{`emails[type eq "work"].value eq "x"`, `emails[type eq "work" and value eq "x"]`},
		{`emails[type eq "work"].value eq "a]b.c eq \"d\"" and userName pr`, `emails[type eq "work" and value eq "a]b.c eq \"d\""] and userName pr`},
		{`emails[type eq "work"].value pr`, `emails[type eq "work" and value pr]`},
		{`(emails[type eq "work"].value sw "a")`, `(emails[type eq "work" and value sw "a"])`},
		{`userName eq "emails[type eq \"work\"].value eq \"x\""`, `userName eq "emails[type eq \"work\"].value eq \"x\""`},
		{`displayName eq "\u00e9"`, `displayName eq "\u00E9"`},
		{`emails[type eq "work"].value`, `emails[type eq "work"].value`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := rewriteFilter(tt.in, true); got != tt.want {
				t.Errorf("rewriteFilter = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestFilterConcurrent runs parsing (through the shared shape cache) and
// matching from many goroutines; go test -race checks it.
func TestFilterConcurrent(t *testing.T) {
	res := renderedUser(t)
	done := make(chan error)
	for g := range 8 {
		go func() {
			var err error
			for i := range 200 {
				var f *Filter
				f, err = ParseFilter(User, `userName eq "test_user_00aa" and emails[type eq "work"].value co "`+strconv.Itoa(g*1000+i%3)+`"`)
				if err != nil {
					break
				}
				if f.Match(res) {
					err = errors.New("matched a value it does not contain")
					break
				}
				if _, perr := parsePath(`members[value eq "` + strconv.Itoa(i) + `"]`); perr != nil {
					err = perr
					break
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
