package hostsync

import "testing"

func TestActorWords(t *testing.T) {
	tests := []struct {
		actor      Actor
		stored     string
		name       string
		parsedName string // the name read back from the stored form, which has no label
	}{
		{Actor{Kind: ActorAPIKey, ID: "3", Label: "Azure AD"}, "apikey:3", "Azure AD (key #3)", "API key #3"},
		{Actor{Kind: ActorAPIKey, ID: "7"}, "apikey:7", "API key #7", "API key #7"},
		{Actor{Kind: ActorAdmin}, "admin", "Console admin", "Console admin"},
		{Actor{Kind: ActorCLI}, "cli", "Command line", "Command line"},
		{Actor{Kind: ActorSystem}, "system", "System", "System"},
		{Actor{}, "system", "System", "System"},
		{Actor{Kind: "robot"}, "robot", "robot", "robot"},
	}
	for _, tc := range tests {
		t.Run(tc.stored+"/"+tc.name, func(t *testing.T) {
			if got := tc.actor.String(); got != tc.stored {
				t.Errorf("String() = %q, want %q", got, tc.stored)
			}
			if got := tc.actor.Name(); got != tc.name {
				t.Errorf("Name() = %q, want %q", got, tc.name)
			}
			if got := ActorName(tc.stored); got != tc.parsedName {
				t.Errorf("ActorName(%q) = %q, want %q", tc.stored, got, tc.parsedName)
			}
			if got := ParseActor(tc.stored).String(); got != tc.stored {
				t.Errorf("ParseActor(%q).String() = %q, want it back", tc.stored, got)
			}
		})
	}
	if got := ActorName(""); got != "" {
		t.Errorf(`ActorName("") = %q, want ""`, got)
	}
}
