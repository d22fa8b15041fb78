package resource

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the fuzz seed corpora in testdata/fuzz from the Azure AD bodies")

// filterSeeds are the filters Azure AD and Microsoft's test suites send
// (SCIM-AZURE.md §3–§5), plus the RFC's examples.
var filterSeeds = []string{
	`userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"`,
	`userName eq "non-existent user"`,
	`externalId eq "johnwong"`,
	`displayName eq "displayName"`,
	`emails[type eq "work"].value eq "updatedEmail@microsoft.com"`,
	`userName sw "Test"`,
	`userName co "User"`,
	`meta.created gt "2011-05-13T04:42:34Z"`,
	`userName eq "ryan3" and (displayName co "Bob" or title pr)`,
	`members[value eq "f648f8d5ea4e4cd38e9c"]`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "boss-1"`,
	`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
	`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
	`active eq "False"`,
	`displayName eq "a \"q\" b\u00e9"`,
}

// corpus maps each fuzz target to its seeds: the recorded requests.
func corpus(t testing.TB) map[string][]string {
	c := map[string][]string{"FuzzParseFilter": filterSeeds}
	for _, p := range azureUserPatches {
		c["FuzzPatchUser"] = append(c["FuzzPatchUser"], string(recorded(t, p.file)))
	}
	for _, p := range azureGroupPatches {
		c["FuzzPatchUser"] = append(c["FuzzPatchUser"], string(recorded(t, p.file)))
	}
	for _, f := range []string{"create-user.json", "create-user-with-nulls.json", "postman-create-user-string-active.json"} {
		c["FuzzNormalizeUser"] = append(c["FuzzNormalizeUser"], string(recorded(t, f)))
	}
	c["FuzzNormalizeUser"] = append(c["FuzzNormalizeUser"], azureUser, azureCreateGroup(t))
	// FuzzPatchOperation takes one operation as op, path and value; its
	// seeds are the operations of the Azure AD bodies, one per line.
	for _, body := range c["FuzzPatchUser"] {
		var p struct{ Operations []map[string]json.RawMessage }
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			panic(err)
		}
		for _, o := range p.Operations {
			var op, path string
			json.Unmarshal(o["op"], &op)
			json.Unmarshal(o["path"], &path)
			c["FuzzPatchOperation"] = append(c["FuzzPatchOperation"], op+"\n"+path+"\n"+string(o["value"]))
		}
	}
	return c
}

func seedFile(target string, seed string) string {
	switch target {
	case "FuzzParseFilter":
		return "go test fuzz v1\nstring(" + strconv.Quote(seed) + ")\n"
	case "FuzzPatchOperation":
		out := "go test fuzz v1\n"
		for _, part := range strings.SplitN(seed, "\n", 3) {
			out += "string(" + strconv.Quote(part) + ")\n"
		}
		return out
	}
	return "go test fuzz v1\n[]byte(" + strconv.Quote(seed) + ")\n"
}

// TestFuzzCorpus keeps testdata/fuzz in step with the bodies in these
// tests; go test -run TestFuzzCorpus -update-corpus rewrites it.
func TestFuzzCorpus(t *testing.T) {
	for target, seeds := range corpus(t) {
		dir := filepath.Join("testdata", "fuzz", target)
		if *updateCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for i, s := range seeds {
			path := filepath.Join(dir, fmt.Sprintf("azure-%02d", i))
			want := seedFile(target, s)
			if *updateCorpus {
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != want {
				t.Errorf("%s is missing or stale; run go test -run TestFuzzCorpus -update-corpus", path)
			}
		}
	}
}

// wantBadRequest fails unless err is a 400 *Error.
func wantBadRequest(t *testing.T, err error) {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) || se.Status != 400 || se.ScimType == "" || se.Detail == "" {
		t.Fatalf("want a 400 *Error, got %#v", err)
	}
}

func FuzzParseFilter(f *testing.F) {
	user := renderedUser(f)
	group := doc(f, `{"id":"g1","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"u1"}],"meta":{"created":"2024-01-02T03:04:05.000Z"}}`)
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) <= maxFilterLen && depth(s) <= maxFilterDepth && utf8.ValidString(s) {
			// The shape cache must give exactly the library's parse.
			rw := rewriteFilter(s, true)
			direct, derr := parseFilterText(rw)
			cached, cerr := parseFilterExpr(rw)
			if (derr == nil) != (cerr == nil) || derr == nil && fmt.Sprint(direct) != fmt.Sprint(cached) {
				t.Fatalf("library: %v %v\ncached:  %v %v", direct, derr, cached, cerr)
			}
		}
		for _, k := range []Kind{User, Group} {
			flt, err := ParseFilter(k, s)
			if err != nil {
				wantBadRequest(t, err)
				var se *Error
				if errors.As(err, &se) && se.ScimType != ScimInvalidFilter {
					t.Fatalf("scimType %s, want invalidFilter", se.ScimType)
				}
				continue
			}
			flt.Match(user)
			flt.Match(group)
			for _, c := range flt.Conds() {
				if c.Attr == "" {
					t.Fatalf("empty Cond attribute in %v", flt.Conds())
				}
			}
		}
	})
}

func FuzzPatchUser(f *testing.F) {
	cur := normUser(f, azureUser)
	before := canon(f, cur)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := patchUser(cur, body)
		if canon(t, cur) != before {
			t.Fatal("PatchUser modified its input")
		}
		if err != nil {
			wantBadRequest(t, err)
			return
		}
		if _, ok := got["userName"].(string); !ok {
			t.Fatalf("result without userName: %s", canon(t, got))
		}
		if _, ok := got["id"]; ok {
			t.Fatal("result holds an id")
		}
		again, err := NormalizeUser(got)
		if err != nil {
			t.Fatalf("result does not normalise: %v\n%s", err, canon(t, got))
		}
		if canon(t, again) != canon(t, got) {
			t.Fatalf("result is not canonical:\n%s\n%s", canon(t, got), canon(t, again))
		}
	})
}

// FuzzPatchOperation builds one well-formed operation from its parts, so
// that the fuzzer spends its time in paths and values rather than in JSON
// syntax.
func FuzzPatchOperation(f *testing.F) {
	cur := normUser(f, azureUser)
	group, _, err := NormalizeGroup(doc(f, azureCreateGroup(f)))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op, path, value string) {
		o := map[string]any{"op": op}
		if path != "" {
			o["path"] = path
		}
		if json.Valid([]byte(value)) {
			o["value"] = json.RawMessage(value)
		} else if value != "" {
			o["value"] = value
		}
		if utf8.ValidString(path) {
			direct, derr := parsePathText(rewriteFilter(path, false))
			cached, cerr := parsePath(path)
			if (derr == nil) != (cerr == nil) || derr == nil && fmt.Sprint(direct) != fmt.Sprint(cached) {
				t.Fatalf("library: %v %v\ncached:  %v %v", direct, derr, cached, cerr)
			}
		}
		body, err := json.Marshal(map[string]any{"schemas": []string{PatchOpSchema}, "Operations": []any{o}})
		if err != nil {
			return // a value json.Marshal cannot re-encode
		}
		got, err := patchUser(cur, body)
		if err != nil {
			wantBadRequest(t, err)
		} else if again, err := NormalizeUser(got); err != nil || canon(t, again) != canon(t, got) {
			t.Fatalf("result is not canonical: %v\n%s", err, canon(t, got))
		}
		if _, _, err := patchGroup(group, body); err != nil {
			wantBadRequest(t, err)
		}
	})
}

func FuzzNormalizeUser(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := Decode(body)
		if err != nil {
			wantBadRequest(t, err)
			return
		}
		got, err := NormalizeUser(in)
		if err != nil {
			wantBadRequest(t, err)
			return
		}
		for _, k := range []string{"id", "meta", "password"} {
			if _, ok := got[k]; ok {
				t.Fatalf("%s was stored", k)
			}
		}
		again, err := NormalizeUser(got)
		if err != nil || canon(t, again) != canon(t, got) {
			t.Fatalf("not idempotent: %v\n%s\n%s", err, canon(t, got), canon(t, again))
		}
	})
}
