package resource

// Schemas returns the Schema resources (RFC 7643 §7) for User, the
// enterprise extension and Group, generated from the attribute table the
// normalisers use. Every attribute has type, multiValued, required,
// caseExact, mutability, returned, uniqueness and description; complex ones
// have subAttributes. No value is ever null.
func Schemas() []Doc {
	out := make([]Doc, 0, 3)
	for _, s := range []*schema{userSchema, enterpriseSchema, groupSchema} {
		out = append(out, schemaDoc(s))
	}
	return out
}

func schemaDoc(s *schema) Doc {
	return Doc{
		"schemas":     []any{SchemaSchema},
		"id":          s.id,
		"name":        s.name,
		"description": s.description,
		"attributes":  attributeDocs(s.attrs),
		"meta":        Doc{"resourceType": "Schema"},
	}
}

func attributeDocs(attrs []*attribute) []any {
	out := make([]any, 0, len(attrs))
	for _, a := range attrs {
		if a.dropped {
			continue
		}
		d := Doc{
			"name":        a.name,
			"type":        string(a.typ),
			"multiValued": a.multi,
			"description": a.description,
			"required":    a.required,
			"caseExact":   a.caseExact,
			"mutability":  a.mutability,
			"returned":    a.returned,
			"uniqueness":  a.uniqueness,
		}
		if len(a.canonical) > 0 {
			d["canonicalValues"] = stringsToAny(a.canonical)
		}
		if len(a.refTypes) > 0 {
			d["referenceTypes"] = stringsToAny(a.refTypes)
		}
		if a.typ == tComplex {
			d["subAttributes"] = attributeDocs(a.subs)
		}
		out = append(out, d)
	}
	return out
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ResourceTypes returns the ResourceType resources (RFC 7643 §6): User at
// /Users with the optional enterprise extension, Group at /Groups.
func ResourceTypes() []Doc {
	return []Doc{
		{
			"schemas":     []any{ResourceTypeSchema},
			"id":          "User",
			"name":        "User",
			"endpoint":    "/Users",
			"description": "User Account: a Visitly host",
			"schema":      UserSchema,
			"schemaExtensions": []any{
				Doc{"schema": EnterpriseSchema, "required": false},
			},
			"meta": Doc{"resourceType": "ResourceType"},
		},
		{
			"schemas":     []any{ResourceTypeSchema},
			"id":          "Group",
			"name":        "Group",
			"endpoint":    "/Groups",
			"description": "Group",
			"schema":      GroupSchema,
			"meta":        Doc{"resourceType": "ResourceType"},
		},
	}
}

// ServiceProviderConfig returns the service's configuration (RFC 7643 §5):
// PATCH and filters supported (at most maxResults per page), no bulk, sort,
// password change or ETags, bearer-token authentication.
func ServiceProviderConfig(maxResults int) Doc {
	return Doc{
		"schemas":        []any{ServiceProviderConfigSchema},
		"patch":          Doc{"supported": true},
		"bulk":           Doc{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":         Doc{"supported": true, "maxResults": maxResults},
		"changePassword": Doc{"supported": false},
		"sort":           Doc{"supported": false},
		"etag":           Doc{"supported": false},
		"authenticationSchemes": []any{Doc{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "Authentication with the Visitly API key as a bearer token (RFC 6750).",
			"specUri":     "https://www.rfc-editor.org/info/rfc6750",
			"primary":     true,
		}},
		"meta": Doc{"resourceType": "ServiceProviderConfig"},
	}
}
