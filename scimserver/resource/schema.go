package resource

import "strings"

// attrType is a SCIM attribute data type (RFC 7643 §2.3).
type attrType string

const (
	tString    attrType = "string"
	tBoolean   attrType = "boolean"
	tComplex   attrType = "complex"
	tReference attrType = "reference"
	tBinary    attrType = "binary"
	tDateTime  attrType = "dateTime"
)

// attribute is one row of the attribute table. The same table drives
// normalisation, PATCH, filters, projection and the /Schemas documents, so
// that what we advertise is what we accept.
type attribute struct {
	name        string
	typ         attrType
	multi       bool
	required    bool
	caseExact   bool
	mutability  string // readWrite unless set
	returned    string // default unless set
	uniqueness  string // none unless set
	description string
	canonical   []string
	refTypes    []string
	subs        []*attribute

	// dropped attributes are recognised only to be thrown away (password):
	// they are never stored and never advertised.
	dropped bool

	// visible names (userName, displayName) are read by people: surrounding
	// white space is trimmed and they may not be blank.
	visible bool

	// identifying text is what people and clients tell resources apart by
	// (userName, displayName, the parts of name, nickName, emails,
	// externalId): it may hold no invisible format character and is at
	// most MaxNameBytes long (text.go).
	identifying bool

	// multiline text (a postal address) may hold tabs and line breaks,
	// which every other string refuses with the other control characters.
	multiline bool

	subIndex map[string]*attribute // name and lower-case name → sub-attribute
}

func (a *attribute) sub(name string) *attribute {
	if a == nil {
		return nil
	}
	if s, ok := a.subIndex[name]; ok {
		return s // canonical input needs no lower-casing
	}
	return a.subIndex[strings.ToLower(name)]
}

// hasValue reports whether a complex attribute has a "value" sub-attribute,
// which is what a filter or a bare string means when it names the attribute.
func (a *attribute) hasValue() bool { return a.sub("value") != nil }

// schema is one SCIM schema: its URN and its attributes.
type schema struct {
	id, name, description string
	attrs                 []*attribute
	index                 map[string]*attribute // name and lower-case name → attribute
}

func (s *schema) attr(name string) *attribute {
	if a, ok := s.index[name]; ok {
		return a
	}
	return s.index[strings.ToLower(name)]
}

func newSchema(id, name, description string, attrs ...*attribute) *schema {
	s := &schema{id: id, name: name, description: description, attrs: attrs, index: map[string]*attribute{}}
	for _, a := range attrs {
		finish(a)
		s.index[a.name], s.index[strings.ToLower(a.name)] = a, a
	}
	return s
}

// finish fills the RFC defaults and the lookup index of an attribute tree.
func finish(a *attribute) {
	if a.mutability == "" {
		a.mutability = "readWrite"
	}
	if a.returned == "" {
		a.returned = "default"
	}
	if a.uniqueness == "" {
		a.uniqueness = "none"
	}
	a.subIndex = map[string]*attribute{}
	for _, s := range a.subs {
		finish(s)
		a.subIndex[s.name], a.subIndex[strings.ToLower(s.name)] = s, s
	}
}

func str(name, description string) *attribute {
	return &attribute{name: name, typ: tString, description: description}
}

func boolean(name, description string) *attribute {
	return &attribute{name: name, typ: tBoolean, description: description}
}

func ref(name, description string, refTypes ...string) *attribute {
	return &attribute{name: name, typ: tReference, description: description, refTypes: refTypes}
}

func complexAttr(name, description string, subs ...*attribute) *attribute {
	return &attribute{name: name, typ: tComplex, description: description, subs: subs}
}

// multi is the usual multi-valued complex attribute of RFC 7643 §2.4:
// value, display, type and primary.
func multi(name, description string, value *attribute, types ...string) *attribute {
	typ := str("type", "A label indicating the attribute's function.")
	typ.canonical = types
	return &attribute{name: name, typ: tComplex, multi: true, description: description, subs: []*attribute{
		value,
		str("display", "A human-readable name, primarily used for display purposes."),
		typ,
		boolean("primary", "A Boolean value indicating the 'primary' or preferred attribute value for this attribute. The primary attribute value 'true' MUST appear no more than once."),
	}}
}

func externalID() *attribute {
	a := str("externalId", "An identifier for the resource as defined by the provisioning client.")
	a.caseExact, a.identifying = true, true
	return a
}

// identifying marks a as identifying text (text.go).
func identifying(a *attribute) *attribute {
	a.identifying = true
	return a
}

// multiline marks a as text that may hold line breaks.
func multiline(a *attribute) *attribute {
	a.multiline = true
	return a
}

var userSchema = newSchema(UserSchema, "User", "User Account",
	func() *attribute {
		a := str("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. REQUIRED.")
		a.required, a.uniqueness, a.visible, a.identifying = true, "server", true, true
		return a
	}(),
	externalID(),
	complexAttr("name", "The components of the user's real name.",
		identifying(str("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display.")),
		identifying(str("familyName", "The family name of the User, or last name.")),
		identifying(str("givenName", "The given name of the User, or first name.")),
		identifying(str("middleName", "The middle name(s) of the User.")),
		identifying(str("honorificPrefix", "The honorific prefix(es) of the User, or title.")),
		identifying(str("honorificSuffix", "The honorific suffix(es) of the User, or suffix.")),
	),
	func() *attribute {
		a := str("displayName", "The name of the User, suitable for display to end-users.")
		a.visible, a.identifying = true, true
		return a
	}(),
	identifying(str("nickName", "The casual way to address the user in real life.")),
	ref("profileUrl", "A fully qualified URL pointing to a page representing the User's online profile.", "external"),
	str("title", "The user's title, such as \"Vice President\"."),
	str("userType", "Used to identify the relationship between the organization and the user."),
	str("preferredLanguage", "Indicates the User's preferred written or spoken language."),
	str("locale", "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
	str("timezone", "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
	boolean("active", "A Boolean value indicating the User's administrative status. A user who is not active is deactivated (soft-deleted) as a Visitly host."),
	&attribute{name: "password", typ: tString, dropped: true, mutability: "writeOnly", returned: "never",
		description: "Never stored: the service does not authenticate hosts."},
	multi("emails", "Email addresses for the user. Azure AD relies on one 'work' email.",
		identifying(str("value", "Email address for the User.")), "work", "home", "other"),
	multi("phoneNumbers", "Phone numbers for the User.",
		str("value", "Phone number of the User."), "work", "home", "mobile", "fax", "pager", "other"),
	multi("ims", "Instant messaging addresses for the User.",
		str("value", "Instant messaging address for the User."), "aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
	multi("photos", "URLs of photos of the User.",
		ref("value", "URL of a photo of the User.", "external"), "photo", "thumbnail"),
	func() *attribute {
		typ := str("type", "A label indicating the attribute's function, e.g., 'work' or 'home'.")
		typ.canonical = []string{"work", "home", "other"}
		return &attribute{name: "addresses", typ: tComplex, multi: true, description: "A physical mailing address for this User.", subs: []*attribute{
			multiline(str("formatted", "The full mailing address, formatted for display or use with a mailing label.")),
			multiline(str("streetAddress", "The full street address component.")),
			str("locality", "The city or locality component."),
			str("region", "The state or region component."),
			str("postalCode", "The zip code or postal code component."),
			str("country", "The country name component."),
			typ,
			boolean("primary", "A Boolean value indicating the 'primary' or preferred attribute value for this attribute."),
		}}
	}(),
	multi("entitlements", "A list of entitlements for the User that represent a thing the User has.",
		str("value", "The value of an entitlement.")),
	multi("roles", "A list of roles for the User that collectively represent who the User is.",
		str("value", "The value of a role.")),
	func() *attribute {
		v := &attribute{name: "value", typ: tBinary, caseExact: true, description: "The value of an X.509 certificate (base64)."}
		return multi("x509Certificates", "A list of certificates issued to the User.", v)
	}(),
)

var enterpriseSchema = newSchema(EnterpriseSchema, "EnterpriseUser", "Enterprise User",
	str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
	str("costCenter", "Identifies the name of a cost center."),
	str("organization", "Identifies the name of an organization."),
	str("division", "Identifies the name of a division."),
	str("department", "Identifies the name of a department."),
	func() *attribute {
		v := str("value", "The id of the SCIM resource representing the User's manager. REQUIRED.")
		v.required, v.caseExact = true, true
		dn := str("displayName", "The displayName of the User's manager.")
		return complexAttr("manager", "The User's manager. Azure AD may send it as a plain id string; it is stored and returned as {\"value\": id}.",
			v, ref("$ref", "The URI of the SCIM resource representing the User's manager.", "User"), dn)
	}(),
)

var groupSchema = newSchema(GroupSchema, "Group", "Group",
	func() *attribute {
		a := str("displayName", "A human-readable name for the Group. REQUIRED; unique among groups for Azure AD.")
		a.required, a.uniqueness, a.visible, a.identifying = true, "server", true, true
		return a
	}(),
	externalID(),
	func() *attribute {
		v := str("value", "Identifier of the member of this Group.")
		v.mutability = "immutable"
		typ := str("type", "A label indicating the type of resource, e.g., 'User' or 'Group'.")
		typ.mutability, typ.canonical = "immutable", []string{"User", "Group"}
		r := ref("$ref", "The URI corresponding to a SCIM resource that is a member of this Group.", "User", "Group")
		r.mutability = "immutable"
		return &attribute{name: "members", typ: tComplex, multi: true, description: "A list of members of the Group.", subs: []*attribute{
			v, r, str("display", "A human-readable name for the member."), typ,
		}}
	}(),
)

// groupMembers is the attribute a group PATCH turns into MemberOps.
var groupMembers = groupSchema.attr("members")

// commonSchema holds the server-owned attributes every resource has
// (RFC 7643 §3.1). They are read-only: filters and projection know them, the
// normalisers drop them from input.
var commonSchema = newSchema("", "", "",
	&attribute{name: "id", typ: tString, caseExact: true, mutability: "readOnly", returned: "always", uniqueness: "server",
		description: "A unique identifier for the resource, assigned by the service provider."},
	&attribute{name: "meta", typ: tComplex, mutability: "readOnly", description: "Resource metadata.", subs: []*attribute{
		&attribute{name: "resourceType", typ: tString, caseExact: true, mutability: "readOnly", description: "The name of the resource type of the resource."},
		&attribute{name: "created", typ: tDateTime, mutability: "readOnly", description: "The DateTime that the resource was added to the service provider."},
		&attribute{name: "lastModified", typ: tDateTime, mutability: "readOnly", description: "The most recent DateTime that the details of this resource were updated at the service provider."},
		&attribute{name: "location", typ: tReference, caseExact: true, mutability: "readOnly", description: "The URI of the resource being returned."},
		&attribute{name: "version", typ: tString, caseExact: true, mutability: "readOnly", description: "The version of the resource being returned."},
	}},
)

// kindSpec ties a resource type to its core schema and extensions.
type kindSpec struct {
	kind Kind
	core *schema
	exts []*schema
}

var (
	userSpec  = &kindSpec{kind: User, core: userSchema, exts: []*schema{enterpriseSchema}}
	groupSpec = &kindSpec{kind: Group, core: groupSchema}
)

func specOf(k Kind) *kindSpec {
	if k == Group {
		return groupSpec
	}
	return userSpec
}

// ext returns the extension schema with the given URN, case-insensitively.
func (s *kindSpec) ext(urn string) *schema {
	for _, e := range s.exts {
		if strings.EqualFold(e.id, urn) {
			return e
		}
	}
	return nil
}

// lookup finds an unprefixed attribute name: core first, then the
// extensions (Azure AD sends "manager" as a path without the URN).
func (s *kindSpec) lookup(name string) (*attribute, *schema) {
	if a := s.core.attr(name); a != nil {
		return a, nil
	}
	for _, e := range s.exts {
		if a := e.attr(name); a != nil {
			return a, e
		}
	}
	return nil, nil
}
