package scimserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/visitly/hostsync"
)

// These benchmarks drive a real server over loopback on a real SQLite file;
// cmd/visitly-load measures the same against a separate process.

func benchUser(i int64) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"externalId":"ext-%[1]d","userName":"bench.user%[1]d@contoso.example","active":true,"displayName":"Bench User %[1]d","title":"Engineer",
"emails":[{"primary":true,"type":"work","value":"bench.user%[1]d@contoso.example"}],
"phoneNumbers":[{"type":"work","value":"+1 555 0100"},{"type":"mobile","value":"+1 555 0199"}],
"addresses":[{"type":"work","formatted":"1 Main St","locality":"Columbus","country":"US"}],
"meta":{"resourceType":"User"},"name":{"formatted":"Bench User","familyName":"User","givenName":"Bench"},
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"%[1]d","department":"R&D","costCenter":"CC-7","organization":"Contoso","division":"Labs"},
"roles":[]}`, i)
}

func benchDo(b *testing.B, c *http.Client, method, u, key, body string, want int) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		b.Fatalf("%s %s: %d", method, u, res.StatusCode)
	}
}

// BenchmarkInitialCycle is one user of Azure AD's initial cycle: a filter GET
// by userName (no match) then a POST, from 16 concurrent clients.
func BenchmarkInitialCycle(b *testing.B) {
	e := newEnv(b)
	defer e.srv.Close()
	var n atomic.Int64
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	base := e.srv.URL + SCIMBasePath
	b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			f := url.QueryEscape(fmt.Sprintf(`userName eq "bench.user%d@contoso.example"`, i))
			benchDo(b, c, "GET", base+"/Users?filter="+f, e.key, "", 200)
			benchDo(b, c, "POST", base+"/Users", e.key, benchUser(i), 201)
		}
	})
}

// BenchmarkPostUserEmails is a POST /Users with many emails through the
// real handler and store: 1,000 (the most accepted) are stored, 100,000 are
// refused — by the body limit (413) as configured by default, and by the
// per-attribute limit (400) when a server allows bodies that large.
func BenchmarkPostUserEmails(b *testing.B) {
	e := newEnv(b)
	c := &http.Client{}
	var n int // userNames stay unique however often the sub-benchmark runs
	b.Run("1000", func(b *testing.B) {
		for b.Loop() {
			n++
			benchDo(b, c, "POST", e.srv.URL+SCIMBasePath+"/Users", e.key, manyEmails(fmt.Sprintf("emails%d", n), 1000), 201)
		}
	})
	huge := manyEmails("huge", 100000)
	b.Run("100000-default-limit", func(b *testing.B) {
		b.SetBytes(int64(len(huge)))
		for b.Loop() {
			benchDo(b, c, "POST", e.srv.URL+SCIMBasePath+"/Users", e.key, huge, 413)
		}
	})
	b.Run("100000-16MiB-limit", func(b *testing.B) {
		srv := httptest.NewServer(New(e.st, Options{MaxBodyBytes: 16 << 20}))
		defer srv.Close()
		b.SetBytes(int64(len(huge)))
		for b.Loop() {
			benchDo(b, c, "POST", srv.URL+SCIMBasePath+"/Users", e.key, huge, 400)
		}
	})
}

// BenchmarkPatchGroupMembers adds and removes 10,000 members (the most one
// request may name) of a group; the members are real hosts.
func BenchmarkPatchGroupMembers(b *testing.B) {
	e := newEnv(b)
	var ids []string
	for i := range 10000 {
		h, err := e.st.CreateHost(context.Background(), hostsync.Actor{Kind: "cli"}, &hostsync.HostRecord{UserName: fmt.Sprintf("m%d", i), Active: true,
			Attrs: []byte(fmt.Sprintf(`{"userName":"m%d","active":true,"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`, i))})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, fmt.Sprintf(`{"value":%q}`, h.ID))
	}
	gid := e.scim("POST", "/Groups", `{"displayName":"All"}`).want(b, 201).get("id").(string)
	list := strings.Join(ids, ",")
	c := &http.Client{}
	u := e.srv.URL + SCIMBasePath + "/Groups/" + gid
	for b.Loop() {
		benchDo(b, c, "PATCH", u, e.key, patchBody(`{"op":"add","path":"members","value":[`+list+`]}`), 204)
		benchDo(b, c, "PATCH", u, e.key, patchBody(`{"op":"remove","path":"members","value":[`+list+`]}`), 204)
	}
}
