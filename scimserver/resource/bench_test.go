package resource

import (
	"encoding/json"
	"testing"
	"time"
)

// azureFullUser is an Azure-sized create: every default attribute mapping
// of the Entra ID gallery app filled in (SCIM-AZURE.md §2), about 1.3 KB.
func azureFullUser(b *testing.B) string {
	return string(recorded(b, "create-user-all-default-mappings.json"))
}

func BenchmarkNormalizeUser(b *testing.B) {
	body := []byte(azureFullUser(b))
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
	d := normUser(b, azureFullUser(b))
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
	cur := normUser(b, azureFullUser(b))
	body := recorded(b, "patch-user-replace-several.json") // six Replace operations, Azure AD's default
	b.ReportAllocs()
	for b.Loop() {
		if _, err := patchUser(cur, body); err != nil {
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

// BenchmarkNormalizeUserEmails is a user with the most emails accepted,
// every one distinct, and the same with each sent twice: duplicate
// detection is linear.
func BenchmarkNormalizeUserEmails(b *testing.B) {
	for _, tt := range []struct {
		name string
		body []byte
	}{
		{"1000", []byte(`{"userName":"a","emails":[` + manyEmails(1000) + `]}`)},
		{"500-twice", []byte(`{"userName":"a","emails":[` + manyEmails(500) + `,` + manyEmails(500) + `]}`)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				in, err := Decode(tt.body)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := NormalizeUser(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
