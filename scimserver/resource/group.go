package resource

import (
	"context"
	"strings"
)

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
	if err := checkText(groupSpec, d, nil); err != nil {
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
// removes only those listed. self is the group's own metadata (its id at
// least), against which writes to id, meta and schemas are checked.
func PatchGroup(ctx context.Context, cur Doc, self Meta, body []byte) (Doc, MemberOps, error) {
	d, m, err := patchDoc(ctx, groupSpec, cur, self, body)
	if err != nil {
		return nil, MemberOps{}, err
	}
	return d, m.ops(), nil
}
