package resource

import (
	"encoding/json"
	"testing"
	"time"
)

// azureFullUser is an Azure-sized create: every default attribute mapping
// of the Entra ID gallery app filled in (SCIM-AZURE.md §2), about 1.3 KB.
const azureFullUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "externalId":"jyoung","userName":"Test_User_dfeef4c5-5681-4387-b016-bdf221e82081@contoso.onmicrosoft.com","active":"True",
 "displayName":"John Young","title":"Senior Sales Representative","preferredLanguage":"en-US",
 "emails":[{"primary":true,"type":"work","value":"john.young@contoso.onmicrosoft.com"}],
 "meta":{"resourceType":"User"},
 "name":{"formatted":"John Young","familyName":"Young","givenName":"John"},
 "phoneNumbers":[{"type":"work","value":"+1 425 555 0100"},{"type":"mobile","value":"+1 425 555 0101"},{"type":"fax","value":"+1 425 555 0102"}],
 "addresses":[{"type":"work","formatted":"1 Microsoft Way, Redmond, WA 98052, USA","streetAddress":"1 Microsoft Way","locality":"Redmond","region":"WA","postalCode":"98052","country":"USA","primary":true}],
 "roles":[],
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"701984",
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales",
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"a9f3c1e2-5b7d-4e8f-9a0b-1c2d3e4f5a6b"}`

func BenchmarkNormalizeUser(b *testing.B) {
	body := []byte(azureFullUser)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		in, err := Decode(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := NormalizeUser(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendResource(b *testing.B) {
	d := normUser(b, azureFullUser)
	attrs, err := json.Marshal(d)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	m := Meta{ResourceType: "User", ID: "2819c223-7f76-453a-919d-413861904646", Location: "https://visitly.example/v1/usersync/SCIM/Users/2819c223-7f76-453a-919d-413861904646",
		Version: `W/"42"`, Created: now, LastModified: now}
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(attrs)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendResource(buf[:0], attrs, m)
	}
}

func BenchmarkPatchUser(b *testing.B) {
	cur := normUser(b, azureFullUser)
	body := []byte(azureUserPatches[8].body) // six Replace operations, Azure AD's default
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PatchUser(cur, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilter(b *testing.B) {
	res := renderedUser(b)
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseFilter(User, `emails[type eq "work"].value eq "bjensen@example.com"`); err != nil {
				b.Fatal(err)
			}
		}
	})
	f, err := ParseFilter(User, `userName eq "test_user_00aa" and emails[type eq "work" and value co "@example.com"]`)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("match", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !f.Match(res) {
				b.Fatal("no match")
			}
		}
	})
}
