package hostdb

import "strconv"

// Actor says who made a change.
type Actor struct {
	Kind  string // "apikey" | "admin" | "cli" | "system"
	ID    string // the API key id for Kind "apikey"
	Label string // the API key label for Kind "apikey"
}

// Actor kinds.
const (
	ActorAPIKey = "apikey"
	ActorAdmin  = "admin"
	ActorCLI    = "cli"
	ActorSystem = "system"
)

// String is the stored form: "apikey:3", "admin", "cli", "system".
func (a Actor) String() string {
	if a.Kind == ActorAPIKey {
		return ActorAPIKey + ":" + a.ID
	}
	if a.Kind == "" {
		return ActorSystem
	}
	return a.Kind
}

// Name is the human form: `API key #3 "Azure AD"`, "Console admin",
// "Command line", "System".
func (a Actor) Name() string {
	switch a.Kind {
	case ActorAPIKey:
		if a.Label == "" {
			return "API key #" + a.ID
		}
		return "API key #" + a.ID + " " + strconv.Quote(a.Label)
	case ActorAdmin:
		return "Console admin"
	case ActorCLI:
		return "Command line"
	case ActorSystem, "":
		return "System"
	}
	return a.Kind
}
