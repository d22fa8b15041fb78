// Package idpreplay replays the requests identity providers send, as
// recorded in the repository's testdata/<idp>/sequences, against a running
// SCIM service over HTTP: scimserver's own tests replay them on every kind
// of store, and the replica tests through a load balancer. It is for tests.
package idpreplay

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sequence is one recorded scenario of an identity provider: the requests
// it sends, in order, as its own documentation shows them.
type Sequence struct {
	IdP      string            `json:"idp"`
	Scenario string            `json:"scenario"`
	Source   string            `json:"source"`
	Notes    string            `json:"notes"`
	Headers  map[string]string `json:"headers"` // sent with every step
	Steps    []Step            `json:"steps"`
}

// Step is one request. Path, body and expected values may name
// placeholders ({userId}) captured from an earlier step's response.
type Step struct {
	Name         string            `json:"name"`
	Method       string            `json:"method"`
	Path         string            `json:"path"` // below the Tenant URL
	Headers      map[string]string `json:"headers"`
	Body         json.RawMessage   `json:"body"`
	ExpectStatus int               `json:"expectStatus"`
	// Expect maps a dotted path of the response body to its value: null
	// for absent, "*" for present with any value.
	Expect map[string]any `json:"expect"`
	// Capture maps a placeholder name to a dotted path of the response body.
	Capture map[string]string `json:"capture"`
	// MaxMillis is a time limit the identity provider itself enforces.
	MaxMillis int `json:"maxMillis"`
}

// Files lists the recorded sequences under root (the repository's
// testdata folder), by "<idp>/<name>".
func Files(t testing.TB, root string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "*", "sequences", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		idp := filepath.Base(filepath.Dir(filepath.Dir(f)))
		out[idp+"/"+strings.TrimSuffix(filepath.Base(f), ".json")] = f
	}
	return out
}

// Load reads one sequence; a misspelt field fails (it would check nothing).
func Load(t testing.TB, path string) Sequence {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var seq Sequence
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seq); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if seq.Source == "" || len(seq.Steps) == 0 {
		t.Fatalf("%s: a sequence needs a source and steps", path)
	}
	return seq
}

const (
	scimContentType = "application/scim+json"
	jsonContentType = "application/json"
)

// Replay sends seq's steps to the service at tenantURL (its SCIM base) with
// the bearer key: each step must get exactly the status the sequence
// expects (no 4xx it does not expect, never a 5xx), in the media type its
// Accept asked for, with the values it expects.
func Replay(t testing.TB, client *http.Client, tenantURL, key string, seq Sequence) {
	t.Helper()
	vars := map[string]string{}
	for i, st := range seq.Steps {
		if st.ExpectStatus == 0 {
			t.Fatalf("step %d %q: no expectStatus", i+1, st.Name)
		}
		where := st.Method + " " + st.Path + " (step " + strconv.Itoa(i+1) + ", " + st.Name + ")"
		var body io.Reader
		if len(st.Body) > 0 {
			body = strings.NewReader(expand(string(st.Body), vars))
		}
		req, err := http.NewRequest(st.Method, tenantURL+expand(st.Path, vars), body)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		for k, v := range seq.Headers {
			req.Header.Set(k, v)
		}
		for k, v := range st.Headers {
			req.Header.Set(k, v)
		}
		if body == nil {
			req.Header.Del("Content-Type")
		}
		req.Header.Set("Authorization", "Bearer "+key)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		raw, err := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s: reading the response: %v", where, err)
		}
		if res.StatusCode != st.ExpectStatus {
			t.Fatalf("%s: status %d, want %d; body: %s", where, res.StatusCode, st.ExpectStatus, raw)
		}
		if st.MaxMillis > 0 && took > time.Duration(st.MaxMillis)*time.Millisecond {
			t.Errorf("%s: took %v, %s allows %d ms", where, took, seq.IdP, st.MaxMillis)
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			if len(st.Expect) > 0 || len(st.Capture) > 0 {
				t.Fatalf("%s: empty body, but the step expects or captures values", where)
			}
			continue
		}
		want := wantContentType(t, req.Header.Get("Accept"))
		if got := res.Header.Get("Content-Type"); got != want {
			t.Errorf("%s: Content-Type %q, want %q (Accept %q)", where, got, want, req.Header.Get("Accept"))
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: the body is not JSON: %v\n%s", where, err, raw)
		}
		for path, w := range st.Expect {
			got := Get(doc, path)
			switch w := w.(type) {
			case nil:
				if got != nil {
					t.Errorf("%s: %s = %#v, want it absent", where, path, got)
				}
			case string:
				w = expand(w, vars)
				if w == "*" && got == nil || w != "*" && got != w {
					t.Errorf("%s: %s = %#v, want %q", where, path, got, w)
				}
			default:
				if !jsonEqual(got, w) {
					t.Errorf("%s: %s = %#v, want %#v", where, path, got, w)
				}
			}
		}
		for name, path := range st.Capture {
			v, ok := Get(doc, path).(string)
			if !ok || v == "" {
				t.Fatalf("%s: nothing at %s to capture as {%s}", where, path, name)
			}
			vars[name] = v
		}
	}
}

// wantContentType is the media type a response must carry for a request with
// this Accept header: only the headers the recorded sequences send.
func wantContentType(t testing.TB, accept string) string {
	t.Helper()
	switch accept {
	case "", "*/*", scimContentType:
		return scimContentType
	case jsonContentType:
		return jsonContentType
	}
	t.Fatalf("no expectation for Accept %q; add it to wantContentType", accept)
	return ""
}

// expand replaces {name} with captured values; an unknown name stays as is,
// so a step that uses one before it is captured fails visibly.
func expand(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// Get reads a value of a decoded JSON document by a dotted path:
// "emails.0.value", "meta.location", "Resources.0.id". Keys may contain
// colons (URNs) but not dots, except the enterprise extension's URN.
func Get(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range splitPath(path) {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// splitPath splits on dots except inside a URN's version ("2.0").
func splitPath(p string) []string {
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	if strings.HasPrefix(p, ent) {
		rest := strings.TrimPrefix(strings.TrimPrefix(p, ent), ".")
		if rest == "" {
			return []string{ent}
		}
		return append([]string{ent}, strings.Split(rest, ".")...)
	}
	return strings.Split(p, ".")
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
