package scimserver

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

// idpSequence is one recorded scenario of an identity provider: the requests
// it sends, in order, as its own documentation shows them
// (testdata/<idp>/sequences/*.json at the repository root; single request
// bodies, replayed elsewhere, sit beside that folder).
type idpSequence struct {
	IdP      string            `json:"idp"`
	Scenario string            `json:"scenario"`
	Source   string            `json:"source"`
	Notes    string            `json:"notes"`
	Headers  map[string]string `json:"headers"` // sent with every step
	Steps    []idpStep         `json:"steps"`
}

// idpStep is one request. Path, body and expected values may name
// placeholders ({userId}) captured from an earlier step's response.
type idpStep struct {
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

// TestIdPReplay replays every recorded Okta and OneLogin sequence against the
// real handler on a fresh store of every kind (SQLite, PostgreSQL): each step must get exactly the status
// the sequence expects (no 4xx it does not expect, never a 5xx), in the media
// type its Accept asked for, with the values it expects.
func TestIdPReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "*", "sequences", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, f := range files {
		idp := filepath.Base(filepath.Dir(filepath.Dir(f)))
		n[idp]++
		name := idp + "/" + strings.TrimSuffix(filepath.Base(f), ".json")
		for _, kind := range everyStore {
			t.Run(kind.name+"/"+name, func(t *testing.T) {
				replaySequence(t, newEnvOn(t, Options{Version: "test"}, kind), loadSequence(t, f))
			})
		}
	}
	if n["okta"] < 4 || n["onelogin"] < 2 {
		t.Fatalf("found sequences %v under testdata/*/sequences, want Okta's 4 and OneLogin's 2", n)
	}
}

func loadSequence(t *testing.T, path string) idpSequence {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var seq idpSequence
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt field would silently check nothing
	if err := dec.Decode(&seq); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if seq.Source == "" || len(seq.Steps) == 0 {
		t.Fatalf("%s: a sequence needs a source and steps", path)
	}
	return seq
}

func replaySequence(t *testing.T, e *env, seq idpSequence) {
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
		req, err := http.NewRequest(st.Method, e.srv.URL+SCIMBasePath+expand(st.Path, vars), body)
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
		req.Header.Set("Authorization", "Bearer "+e.key)
		start := time.Now()
		res, err := e.srv.Client().Do(req)
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
			got := jget(doc, path)
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
			v, ok := jget(doc, path).(string)
			if !ok || v == "" {
				t.Fatalf("%s: nothing at %s to capture as {%s}", where, path, name)
			}
			vars[name] = v
		}
	}
}

// wantContentType is the media type a response must carry for a request with
// this Accept header: only the headers the recorded sequences send.
func wantContentType(t *testing.T, accept string) string {
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
