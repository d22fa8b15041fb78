package hostsync

import (
	"encoding/json"
	"testing"
	"time"
)

func TestStateRemoved(t *testing.T) {
	tests := []struct {
		s    State
		want bool
	}{
		{StateActive, false}, {StateDeactivated, true}, {StateDeleted, true},
		{StateRemoved, false}, {StateAll, false}, {"", false},
	}
	for _, tc := range tests {
		if got := tc.s.Removed(); got != tc.want {
			t.Errorf("State(%q).Removed() = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestHostRemoved(t *testing.T) {
	deact := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	del := deact.Add(time.Hour)
	tests := []struct {
		name   string
		h      Host
		wantAt time.Time
		wantBy string
	}{
		{"active", Host{State: StateActive}, time.Time{}, ""},
		{"deactivated", Host{State: StateDeactivated, DeactivatedAt: deact, DeactivatedBy: "apikey:1"}, deact, "apikey:1"},
		{"deleted after deactivation", Host{State: StateDeleted, DeactivatedAt: deact, DeactivatedBy: "apikey:1",
			DeletedAt: del, DeletedBy: "apikey:2"}, del, "apikey:2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.RemovedAt(); !got.Equal(tc.wantAt) {
				t.Errorf("RemovedAt() = %v, want %v", got, tc.wantAt)
			}
			if got := tc.h.RemovedBy(); got != tc.wantBy {
				t.Errorf("RemovedBy() = %q, want %q", got, tc.wantBy)
			}
		})
	}
}

func TestHostRemovedByName(t *testing.T) {
	tests := []struct {
		name string
		h    Host
		want string
	}{
		{"active", Host{}, ""},
		{"deactivated, named by the service", Host{DeactivatedBy: "apikey:3", DeactivatedByName: "Okta (key #3)"}, "Okta (key #3)"},
		{"deactivated, from an older service", Host{DeactivatedBy: "apikey:3"}, "API key #3"},
		{"deleted after deactivation", Host{DeactivatedBy: "apikey:3", DeactivatedByName: "Okta (key #3)",
			DeletedBy: "apikey:4", DeletedByName: "OneLogin (key #4)"}, "OneLogin (key #4)"},
		{"deleted, from an older service", Host{DeactivatedBy: "apikey:3", DeactivatedByName: "Okta (key #3)", DeletedBy: "cli"}, "Command line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.RemovedByName(); got != tc.want {
				t.Errorf("RemovedByName() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestWireFormat pins the admin API's JSON: consoles already in the field
// decode exactly these names, and the service's hand-written change feed
// encoder (scimserver) writes the same bytes for a Host.
func TestWireFormat(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"active host", Host{ID: "h1", Seq: 4, State: StateActive, UserName: "ann@example.com", Active: true,
			Created: at, Modified: at, Department: "not on the wire", Resource: json.RawMessage(`{"id":"h1"}`)},
			`{"id":"h1","seq":4,"state":"active","userName":"ann@example.com","active":true,` +
				`"created":"2026-01-02T03:04:05.6Z","modified":"2026-01-02T03:04:05.6Z","resource":{"id":"h1"}}`},
		{"deleted host", Host{ID: "h2", Seq: 9, State: StateDeleted, UserName: "bo", ExternalID: "x", DisplayName: "Bo",
			Email: "bo@example.com", Created: at, Modified: at, DeletedAt: at, DeletedBy: "apikey:1", RemovedHow: RemovedByDelete},
			`{"id":"h2","seq":9,"state":"deleted","userName":"bo","externalId":"x","displayName":"Bo","email":"bo@example.com",` +
				`"active":false,"created":"2026-01-02T03:04:05.6Z","modified":"2026-01-02T03:04:05.6Z",` +
				`"deletedAt":"2026-01-02T03:04:05.6Z","deletedBy":"apikey:1","removedHow":"DELETE","resource":null}`},
		{"host removed by a named key", Host{ID: "h3", State: StateDeactivated, UserName: "cy", Created: at, Modified: at,
			DeactivatedAt: at, DeactivatedBy: "apikey:2", DeactivatedByName: "Okta (key #2)", RemovedHow: RemovedByDeactivate, IdP: IdPOkta},
			`{"id":"h3","seq":0,"state":"deactivated","userName":"cy","active":false,"created":"2026-01-02T03:04:05.6Z",` +
				`"modified":"2026-01-02T03:04:05.6Z","deactivatedAt":"2026-01-02T03:04:05.6Z","deactivatedBy":"apikey:2",` +
				`"removedHow":"active=false","idp":"okta","resource":null,"deactivatedByName":"Okta (key #2)"}`},
		{"group", Group{ID: "g1", Seq: 2, DisplayName: "Staff", Members: []string{}, Created: at, Modified: at},
			`{"id":"g1","seq":2,"displayName":"Staff","members":[],"created":"2026-01-02T03:04:05.6Z","modified":"2026-01-02T03:04:05.6Z"}`},
		{"event", Event{Seq: 5, At: at, Actor: "apikey:1", Action: ActionHostUpdated, ResourceType: ResourceUser,
			Changes: []FieldChange{{Field: "title", Old: "A", New: "B"}}},
			`{"seq":5,"at":"2026-01-02T03:04:05.6Z","actor":"apikey:1","action":"host.updated","resourceType":"User",` +
				`"changes":[{"field":"title","old":"A","new":"B"}]}`},
		{"event of an IdP's key", Event{Seq: 6, At: at, Actor: "apikey:2", ActorName: "Okta (key #2)", Action: ActionHostDeleted, IdP: IdPOkta},
			`{"seq":6,"at":"2026-01-02T03:04:05.6Z","actor":"apikey:2","actorName":"Okta (key #2)","action":"host.deleted","idp":"okta"}`},
		{"key", Key{ID: "1", Label: "Azure AD", Prefix: "vk_ab", Created: at},
			`{"id":"1","label":"Azure AD","prefix":"vk_ab","created":"2026-01-02T03:04:05.6Z"}`},
		{"status", Status{Cursor: 7, Groups: 1, Hosts: HostCounts{Active: 2}, Service: "visitly-scimd", Version: "dev",
			LastSuccessfulCall: &Call{At: at, Actor: "apikey:1", Method: "GET", Path: "/Users"}},
			`{"cursor":7,"groups":1,"hosts":{"active":2,"deactivated":0,"deleted":0},"lastRejectedCall":null,` +
				`"lastSuccessfulCall":{"at":"2026-01-02T03:04:05.6Z","actor":"apikey:1","method":"GET","path":"/Users"},` +
				`"service":"visitly-scimd","version":"dev"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

func TestConsoleAction(t *testing.T) {
	tests := []struct {
		action string
		rt     string
		ok     bool
	}{
		{ActionKeyRevealed, ResourceKey, true},
		{ActionKeyCopied, ResourceKey, true},
		{ActionTenantURLCopied, ResourceConsole, true},
		{ActionConnectionTested, ResourceConsole, true},
		{ActionExportCreated, ResourceConsole, true},
		{ActionHostDeleted, "", false}, // only the service records what Azure AD did
		{ActionKeyCreated, "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		rt, ok := ConsoleAction(tc.action)
		if rt != tc.rt || ok != tc.ok {
			t.Errorf("ConsoleAction(%q) = %q, %v; want %q, %v", tc.action, rt, ok, tc.rt, tc.ok)
		}
	}
	if n := len(ConsoleActions()); n != len(consoleActions) {
		t.Errorf("ConsoleActions lists %d actions, the map has %d", n, len(consoleActions))
	}
}
