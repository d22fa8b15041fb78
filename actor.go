package hostsync

import (
	"strings"
)

// Actor says who made a change.
type Actor struct {
	Kind  string // ActorAPIKey, ActorAdmin, ActorCLI or ActorSystem
	ID    string // the API key id for Kind ActorAPIKey
	Label string // the API key label for Kind ActorAPIKey
	IdP   IdP    // the API key's identity provider for Kind ActorAPIKey, when known
	// Method and Path are the request that acted, when a request did: an
	// identity provider's last change keeps them. Not part of String.
	Method, Path string
}

// Actor kinds.
const (
	ActorAPIKey = "apikey"
	ActorAdmin  = "admin"
	ActorCLI    = "cli"
	ActorSystem = "system"
)

// String is the stored and wire form: "apikey:3", "admin", "cli", "system".
func (a Actor) String() string {
	if a.Kind == ActorAPIKey {
		return ActorAPIKey + ":" + a.ID
	}
	if a.Kind == "" {
		return ActorSystem
	}
	return a.Kind
}

// Name is the human form, for office managers: "Okta (key #3)", named by the
// key's IdP when known, else by its label (or "API key #3" when neither is
// known), "Console admin", "Command line", "System".
func (a Actor) Name() string {
	switch a.Kind {
	case ActorAPIKey:
		if a.IdP != "" {
			return a.IdP.Name() + " (key #" + a.ID + ")"
		}
		if a.Label == "" {
			return "API key #" + a.ID
		}
		return a.Label + " (key #" + a.ID + ")"
	case ActorAdmin:
		return "Console admin"
	case ActorCLI:
		return "Command line"
	case ActorSystem, "":
		return "System"
	}
	return a.Kind
}

// ParseActor reads an actor's stored form (Actor.String) back. The label of
// an API key is not part of that form, so it stays empty. Any other text is
// kept as the kind, so that its Name is the text itself.
func ParseActor(s string) Actor {
	if id, ok := strings.CutPrefix(s, ActorAPIKey+":"); ok {
		return Actor{Kind: ActorAPIKey, ID: id}
	}
	return Actor{Kind: s}
}

// ActorName turns an actor's stored form into words, as Actor.Name does;
// the empty string stays empty (nobody is recorded).
func ActorName(s string) string {
	if s == "" {
		return ""
	}
	return ParseActor(s).Name()
}
