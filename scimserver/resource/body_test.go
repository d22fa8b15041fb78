package resource

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"unicode/utf8"
)

// duplicateName is the reference checkMembers is held to: encoding/json's
// Token API, which unescapes names the same way the decoder does.
func duplicateName(t *testing.T, data []byte) bool {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	type level struct {
		object bool
		names  map[string]bool
	}
	var stack []*level
	wantKey := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			t.Fatalf("Token on a body Decode accepted: %v", err)
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, &level{object: true, names: map[string]bool{}})
				wantKey = true
				continue
			case '[':
				stack = append(stack, &level{})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top := len(stack) - 1; top >= 0 && stack[top].object && wantKey {
				if stack[top].names[v] {
					return true
				}
				stack[top].names[v] = true
				wantKey = false
				continue
			}
		}
		wantKey = len(stack) > 0 && stack[len(stack)-1].object
	}
}

var bodySeeds = []string{
	`{"userName":"ann"}`,
	`{"userName":"ann","userName":"bob"}`,
	`{"userName":"ann","user\u004eame":"bob"}`,
	`{"a":{"b":1},"c":{"b":2}}`,
	`{"a":[{"b":1,"b":2}]}`,
	`{"a":"\"b\"","\"b\"":1,"\"b\"":2}`,
	`{"\ud83d\ude00":1,"😀":2}`,
	`{"a":"\ud800"}`,
	`{"a":"\udc00\ud800"}`,
	`{"a":[[],{},{"x":[1,{"x":1}],"x":2}]}`,
	`{"":1,"":2}`,
	`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k5":0}`,
}

// FuzzDecodeRequest holds the hand-written scan of body.go to the
// standard library: DecodeRequest refuses a body exactly when it is not
// UTF-8, a name repeats, or a string holds a lone surrogate escape.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range bodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if checkArrays(body) != nil {
			return
		}
		_, err := DecodeRequest(body)
		if _, derr := Decode(body); derr != nil {
			if err == nil {
				t.Fatalf("DecodeRequest accepts what Decode refuses: %v", derr)
			}
			return
		}
		var se *Error
		switch {
		case !utf8.Valid(body):
			if !errors.As(err, &se) || !contains(se.Detail, "UTF-8") {
				t.Fatalf("not UTF-8, got %v", err)
			}
		case err != nil && contains(err.Error(), "surrogate"):
			// encoding/json reads the lone half as U+FFFD: no reference.
		case duplicateName(t, body):
			if err == nil || !contains(err.Error(), "twice") {
				t.Fatalf("a name repeats, got %v", err)
			}
		case err != nil:
			t.Fatalf("refused a body with no repeated name: %v", err)
		}
	})
}

func TestLoneSurrogateEscapes(t *testing.T) {
	for body, lone := range map[string]bool{
		`{"a":"\ud83d\ude00"}`:         false,
		`{"a":"\uD83D\uDE00"}`:         false,
		`{"a":"x\ud83d"}`:              true,
		`{"a":"\ud83d x"}`:             true,
		`{"a":"\ude00\ud83d"}`:         true,
		`{"a":"\ud83d\u0041"}`:         true,
		`{"a":"\\ud83d"}`:              false, // an escaped backslash, then text
		`{"a":"\ud83d\\ude00"}`:        true,
		`{"\ud800":1}`:                 true,
		`{"a":["\ud83d\ude00\udfff"]}`: true,
	} {
		_, err := DecodeRequest([]byte(body))
		if got := err != nil && contains(err.Error(), "surrogate"); got != lone {
			t.Errorf("%s: lone surrogate reported %v, want %v (err %v)", body, got, lone, err)
		}
	}
}
