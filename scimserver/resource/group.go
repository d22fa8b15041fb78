package resource

import "strings"

// NormalizeGroup turns a POST or PUT body into the canonical stored group
// and its member ids (members are kept by the store, outside the document).
// Member ids are deduplicated and keep their order.
func NormalizeGroup(in Doc) (d Doc, members []string, err error) {
	rest := make(Doc, len(in))
	var mv any
	for k, v := range in {
		if strings.EqualFold(k, "members") {
			mv = v
			continue
		}
		rest[k] = v
	}
	if members, err = memberIDs(mv, "members"); err != nil {
		return nil, nil, err
	}
	if d, err = normalizeDoc(groupSpec, rest); err != nil {
		return nil, nil, err
	}
	return d, members, nil
}

// GroupIndex extracts the fields the store indexes from a canonical group.
func GroupIndex(d Doc) (displayName, externalID string) {
	displayName, _ = d["displayName"].(string)
	externalID, _ = d["externalId"].(string)
	return displayName, externalID
}

// PatchGroup applies an RFC 7644 PATCH body to the canonical group cur
// (without members). It returns the new canonical group and what to do to
// its members, following Azure AD: Remove "members" with a value list
// removes only those listed.
func PatchGroup(cur Doc, body []byte) (Doc, MemberOps, error) {
	d, ops, err := patchDoc(groupSpec, cur, body)
	if err != nil {
		return nil, MemberOps{}, err
	}
	if len(ops.Add) == 0 {
		ops.Add = nil
	}
	if len(ops.Remove) == 0 {
		ops.Remove = nil
	}
	return d, *ops, nil
}
