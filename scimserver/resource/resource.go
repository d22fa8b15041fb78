// Package resource is the SCIM 2.0 resource model of the host-sync service:
// the User (with the enterprise extension) and Group schemas, normalisation of
// what clients send — Azure AD's dialect included — RFC 7644 PATCH and filters.
//
// It is pure Go and does no I/O: the HTTP layer decodes a body with
// DecodeRequest, checks a PUT's read-only attributes with CheckReadOnly,
// turns the body into the canonical stored form with
// NormalizeUser/NormalizeGroup or PatchUser/PatchGroup, extracts the indexed
// fields with UserIndex/GroupIndex, hands the canonical JSON (Marshal) to the
// store, and renders what the store returns with AppendResource and Project.
// Work is linear in the request and bounded by MaxValues and MaxMembers.
package resource

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Schema and message URNs (RFC 7643 §8.7, RFC 7644 §3).
const (
	UserSchema         = "urn:ietf:params:scim:schemas:core:2.0:User"
	EnterpriseSchema   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	GroupSchema        = "urn:ietf:params:scim:schemas:core:2.0:Group"
	PatchOpSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	ListResponseSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	ErrorSchema        = "urn:ietf:params:scim:api:messages:2.0:Error"

	SchemaSchema                = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	ResourceTypeSchema          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	ServiceProviderConfigSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
)

// Doc is a decoded JSON object, decoded with json.Decoder.UseNumber so that
// numbers keep their exact text.
type Doc = map[string]any

// Kind says which resource type a filter is about.
type Kind int

// The resource types this service has.
const (
	User Kind = iota
	Group
)

func (k Kind) String() string {
	switch k {
	case User:
		return "User"
	case Group:
		return "Group"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Decode parses a request body that must be one JSON object. Any other input
// is an *Error invalidSyntax whose detail says where the problem is.
func Decode(data []byte) (Doc, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, InvalidSyntax("%s", describeJSONError(data, err, dec.InputOffset()))
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		rest := data[end:]
		end += int64(len(rest) - len(bytes.TrimLeft(rest, " \t\r\n")))
		line, col := lineCol(data, end)
		return nil, InvalidSyntax("unexpected data after the JSON object at line %d, column %d", line, col)
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, InvalidSyntax("the body must be a JSON object, not %s", jsonType(v))
	}
	return d, nil
}

// DecodeRequest is Decode for a request body: a body holding a JSON array
// of more than 10,000 values is refused before it is decoded, so that a
// body of 100,000 emails costs the time to scan it, not to decode it; a
// body that is not UTF-8, that names a member twice in one object or holds
// a lone surrogate escape is refused (body.go). Stored resources are read
// with Decode, which has none of these checks.
func DecodeRequest(body []byte) (Doc, error) {
	if err := checkArrays(body); err != nil {
		return nil, err
	}
	if err := checkUTF8(body); err != nil {
		return nil, err
	}
	d, err := Decode(body)
	if err != nil {
		return nil, err
	}
	if err := checkMembers(body); err != nil {
		return nil, err
	}
	return d, nil
}

func describeJSONError(data []byte, err error, offset int64) string {
	var syn *json.SyntaxError
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return "the body is empty; a JSON object is expected"
	case errors.As(err, &syn):
		line, col := lineCol(data, syn.Offset-1) // Offset is just past the bad byte
		return fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		line, col := lineCol(data, int64(len(data)))
		return fmt.Sprintf("malformed JSON: the body ends early, at line %d, column %d", line, col)
	}
	line, col := lineCol(data, offset)
	return fmt.Sprintf("malformed JSON near line %d, column %d: %s", line, col, err.Error())
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// jsonType names the JSON type of a decoded value for error details.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number, float64, int:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// Marshal encodes a Doc as compact JSON without HTML escaping: the canonical
// bytes the store keeps and AppendResource splices.
func Marshal(d Doc) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("resource: encode: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// isURN reports whether an attribute key is a schema URN or URN-prefixed.
func isURN(k string) bool {
	return len(k) > 4 && strings.EqualFold(k[:4], "urn:")
}
