package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// pageText is every label's text on the page in the window, joined.
func pageText(win fyne.Window) string {
	var s []string
	for _, o := range test.LaidOutObjects(win.Content()) {
		switch w := o.(type) {
		case *widget.Label:
			s = append(s, w.Text)
		case *widget.Card:
			s = append(s, w.Title, w.Subtitle)
		case *widget.Button:
			s = append(s, w.Text)
		}
	}
	return strings.Join(s, "\n")
}

func TestOktaAndOneLoginPagesSpeakTheirIdPsWords(t *testing.T) {
	tests := []struct {
		idp  hostsync.IdP
		want []string
	}{
		{hostsync.IdPAzureAD, []string{"Tenant URL", "Secret Token", "Provisioning Mode to Automatic", "Test Connection"}},
		{hostsync.IdPOkta, []string{"SCIM connector base URL", "Unique identifier field for users: userName", "Push New Users",
			"Push Profile Updates", "Push Groups", "Authentication Mode: HTTP Header", "Bearer", "Test Connector Configuration"}},
		{hostsync.IdPOneLogin, []string{"SCIM Provisioner with SAML (SCIM v2 Enterprise)", "SCIM Base URL", "SCIM Bearer Token",
			"SCIM JSON Template", "API Connection"}},
	}
	for _, tt := range tests {
		t.Run(tt.idp.Name(), func(t *testing.T) {
			h := newHarness(t)
			h.idpPage(t, tt.idp)
			text := pageText(h.win)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if tt.idp != hostsync.IdPAzureAD && strings.Contains(text, "Secret Token") {
				t.Error("a page other than Azure AD's speaks of Azure AD's Secret Token")
			}
		})
	}
}

func TestOktaPageCopiesItsURLAndKey(t *testing.T) {
	h := newHarness(t)
	secret := h.svc.addIdPKey("Okta", hostsync.IdPOkta)
	h.sec.m[h.sess.KeyAccount(hostsync.IdPOkta)] = secret
	p := h.idpPage(t, hostsync.IdPOkta)
	if p.checkCopyTenant.Text != "Copy SCIM connector base URL" {
		t.Errorf("copy button %q", p.checkCopyTenant.Text)
	}
	test.Tap(p.checkCopyTenant)
	if got := h.env.Clipboard.Content(); got != h.svc.TenantURL() {
		t.Errorf("clipboard %q, want the base URL", got)
	}
	test.Tap(p.checkCopyKey)
	if got := h.env.Clipboard.Content(); got != secret {
		t.Error("Copy API key did not copy Okta's key")
	}
}

func TestEachIdPHasItsOwnKeys(t *testing.T) {
	h := newHarness(t)
	azure := h.svc.addKey("Azure AD from before IdPs") // IdP "" is Azure AD's
	h.sec.m[account] = azure
	okta := h.svc.addIdPKey("Okta", hostsync.IdPOkta)
	h.sec.m[h.sess.KeyAccount(hostsync.IdPOkta)] = okta

	p := h.idpPage(t, hostsync.IdPOkta)
	if len(p.keyRows) != 1 || p.keyRows["2"] == nil {
		t.Fatalf("Okta's page lists keys %v, want only #2", p.keyRows)
	}
	test.Tap(p.reveal)
	if p.keyText.Text != okta {
		t.Error("Okta's page does not reveal Okta's key")
	}

	a := h.azure(t)
	if len(a.keyRows) != 1 || a.keyRows["1"] == nil {
		t.Errorf("Azure AD's page lists keys %v, want only #1 (the key older than IdPs)", a.keyRows)
	}
	if a.secret != azure {
		t.Error("Azure AD lost the key kept under the account it always used")
	}

	// Generating on OneLogin's page makes a OneLogin key, kept under OneLogin's own account.
	o := h.idpPage(t, hostsync.IdPOneLogin)
	if len(o.keyRows) != 0 {
		t.Fatalf("OneLogin's page lists %d keys, want none", len(o.keyRows))
	}
	test.Tap(o.generate)
	tapDialogButton(t, h.win, "Generate key")
	h.svc.mu.Lock()
	k := h.svc.keys[len(h.svc.keys)-1]
	h.svc.mu.Unlock()
	if k.IdP != hostsync.IdPOneLogin || !strings.HasPrefix(k.Label, "OneLogin ") {
		t.Errorf("new key %+v, want OneLogin's", k)
	}
	if got := h.sec.m[account+"#onelogin"]; got == "" || got == azure || got == okta {
		t.Errorf("OneLogin's key kept as %q", got)
	}
	if h.sec.m[account] != azure || h.sec.m[account+"#okta"] != okta {
		t.Error("generating OneLogin's key replaced another IdP's")
	}
	if len(o.keyRows) != 1 {
		t.Errorf("OneLogin's page lists %d keys after generating, want 1", len(o.keyRows))
	}
}

func TestTestConnectionMakesTheIdPsOwnCalls(t *testing.T) {
	tests := []struct {
		idp       hostsync.IdP
		wantSteps []string
		wantQuery []scimclient.ListQuery // Filter "*" stands for the random userName filter
	}{
		{hostsync.IdPAzureAD, []string{"Filter query for a random userName", "ServiceProviderConfig", "ResourceTypes", "Schemas"},
			[]scimclient.ListQuery{{Filter: "*"}}},
		{hostsync.IdPOkta, []string{"Users, first page (startIndex=1, count=1)", "Filter query for a random userName", "ServiceProviderConfig"},
			[]scimclient.ListQuery{{StartIndex: 1, Count: 1}, {Filter: "*"}}},
		{hostsync.IdPOneLogin, []string{"Users (GET /Users)", "Filter query for a random userName"},
			[]scimclient.ListQuery{{}, {Filter: "*"}}},
	}
	for _, tt := range tests {
		t.Run(tt.idp.Name(), func(t *testing.T) {
			h := newHarness(t)
			h.sec.m[h.sess.KeyAccount(tt.idp)] = h.svc.addIdPKey("k", tt.idp)
			p := h.idpPage(t, tt.idp)
			test.Tap(p.test)
			var names []string
			for _, r := range p.stepRows {
				names = append(names, r.name.Text)
				if !r.ok {
					t.Errorf("step %q failed: %s", r.name.Text, r.detail.Text)
				}
			}
			if strings.Join(names, "|") != strings.Join(tt.wantSteps, "|") {
				t.Errorf("steps %q, want %q", names, tt.wantSteps)
			}
			if len(h.svc.queries) != len(tt.wantQuery) {
				t.Fatalf("queries %+v, want %+v", h.svc.queries, tt.wantQuery)
			}
			for i, q := range h.svc.queries {
				w := tt.wantQuery[i]
				if w.Filter == "*" {
					if !strings.HasPrefix(q.Filter, `userName eq "visitly-connection-test-`) {
						t.Errorf("query %d filter %q", i, q.Filter)
					}
					continue
				}
				if q != w {
					t.Errorf("query %d = %+v, want %+v", i, q, w)
				}
			}
		})
	}
}

func TestFirstRunIsAWelcomeThatTicksItself(t *testing.T) {
	for _, idp := range hostsync.IdPs {
		t.Run(idp.Name(), func(t *testing.T) {
			h := newHarness(t)
			p := h.idpPage(t, idp)
			if p.banner.visible() {
				t.Fatalf("first run shows a warning: %q", p.banner.title.Text)
			}
			if !p.welcomeCard.card.Visible() {
				t.Fatal("first run shows no welcome")
			}
			if text := pageText(h.win); strings.Contains(text, "not found") || strings.Contains(text, "Older keys keep working") {
				t.Errorf("first run shows %q", text)
			}
			ticked := func() (n int) {
				for _, s := range p.welcomeCard.steps {
					if s.done {
						n++
					}
				}
				return n
			}
			if n := ticked(); n != 0 {
				t.Fatalf("%d steps ticked before anything happened", n)
			}

			test.Tap(p.welcomeGen)
			tapDialogButton(t, h.win, "Generate key")
			if n := ticked(); n != 1 || p.welcomeGen.Visible() {
				t.Fatalf("%d steps ticked after generating, want 1", n)
			}

			// This console's own test uses the key too: that is not the IdP's call.
			test.Tap(p.test)
			h.svc.mu.Lock()
			h.svc.keys[0].LastUsed = time.Now().Add(-time.Second)
			h.svc.mu.Unlock()
			h.timers.fire(testDelays.StatusEvery)
			if n := ticked(); n != 1 {
				t.Fatalf("%d steps ticked after the console's own test, want 1", n)
			}

			// The IdP's own test connection: the key's first use.
			h.svc.mu.Lock()
			h.svc.keys[0].LastUsed = time.Now().Add(time.Second)
			h.svc.mu.Unlock()
			if h.timers.fire(testDelays.StatusEvery) != 1 {
				t.Fatal("the checklist does not check again")
			}
			if n := ticked(); n != 3 {
				t.Fatalf("%d steps ticked after the first call, want 3", n)
			}

			// Provisioning is on and the first hosts arrive.
			h.svc.mu.Lock()
			h.svc.status.IdPs = []hostsync.IdPStatus{{IdP: idp, Keys: 1, LastSuccessfulCall: &hostsync.Call{At: time.Now()},
				LastChange: &hostsync.Call{At: time.Now(), Action: hostsync.ActionHostCreated, Target: "Ann Lee"}}}
			h.svc.status.Hosts.Active = 1
			h.svc.mu.Unlock()
			h.timers.fire(testDelays.StatusEvery)
			if p.welcomeCard.card.Visible() {
				t.Errorf("welcome still shown after the first hosts arrived (%d ticked)", ticked())
			}
			if h.timers.fire(testDelays.StatusEvery) != 0 {
				t.Error("still polling after the set-up finished")
			}
		})
	}
}

func TestAnotherIdPsCallsDoNotTickTheChecklist(t *testing.T) {
	h := newHarness(t)
	h.svc.status.IdPs = []hostsync.IdPStatus{{IdP: hostsync.IdPAzureAD, LastSuccessfulCall: &hostsync.Call{At: time.Now()}, LastChange: &hostsync.Call{At: time.Now()}}}
	h.svc.status.Hosts.Active = 40
	p := h.idpPage(t, hostsync.IdPOkta)
	for i, s := range p.welcomeCard.steps {
		if s.done {
			t.Errorf("step %d ticked by Azure AD's calls", i+1)
		}
	}
}

func TestKeyLostOnlyWhenAKeyExisted(t *testing.T) {
	tests := []struct {
		name        string
		revoked     bool
		wantBanner  bool
		wantKeepsOn bool
	}{
		{name: "an active key exists elsewhere", wantBanner: true, wantKeepsOn: true},
		{name: "only a revoked key existed", revoked: true, wantBanner: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.svc.addIdPKey("made on another computer", hostsync.IdPOkta)
			if tt.revoked {
				h.svc.keys[0].Revoked = time.Now()
			}
			p := h.idpPage(t, hostsync.IdPOkta)
			if p.banner.visible() != tt.wantBanner || p.banner.title.Text != "No API key on this computer" {
				t.Fatalf("banner %v %q", p.banner.visible(), p.banner.title.Text)
			}
			if p.welcomeCard.card.Visible() {
				t.Error("the welcome shows although a key was made before")
			}
			text := bannerText(p.banner)
			if got := strings.Contains(text, "keeps working"); got != tt.wantKeepsOn {
				t.Errorf("banner %q: says keys keep working = %v", text, got)
			}
			if !strings.Contains(text, "Okta") {
				t.Errorf("banner %q does not name the IdP", text)
			}
		})
	}
}

func TestReachVerdicts(t *testing.T) {
	tests := []struct {
		tenant string
		idp    hostsync.IdP
		path   reachPath
		wantOK bool
		want   string
	}{
		{"http://127.0.0.1:8765/scim/v2", hostsync.IdPAzureAD, pathProxy, false, "as the Public URL in Settings"},
		{"http://127.0.0.1:8765/scim/v2", hostsync.IdPOkta, pathServer, false, "Connect this console to IT's server"},
		{"http://127.0.0.1:8765/scim/v2", hostsync.IdPAzureAD, "", false, "or Microsoft's provisioning agent"},
		{"http://127.0.0.1:8765/scim/v2", hostsync.IdPOneLogin, "", false, "this computer only"},
		{"http://localhost:8765/scim/v2", hostsync.IdPOkta, pathServer, false, "this computer only"},
		{"http://127.0.0.1:8765/scim/v2", hostsync.IdPAzureAD, pathAgent, true, "only when the provisioning agent runs on this same computer"},
		{"http://192.168.1.20:8765/scim/v2", hostsync.IdPAzureAD, pathServer, false, "only inside your network"},
		{"https://10.0.0.5/scim/v2", hostsync.IdPOneLogin, pathProxy, false, "only inside your network"},
		{"http://hostsync/scim/v2", hostsync.IdPOkta, pathServer, false, "only inside your network"},
		{"http://192.168.1.20:8765/scim/v2", hostsync.IdPAzureAD, pathAgent, true, "from inside your network"},
		{"http://hosts.example.com/scim/v2", hostsync.IdPAzureAD, pathProxy, false, "accepts only https://"},
		{"http://hosts.example.com/scim/v2", hostsync.IdPOneLogin, pathServer, false, "accepts only https://"},
		{"https://hosts.example.com/scim/v2", hostsync.IdPAzureAD, pathServer, true, "port 443"},
		{"https://hosts.example.com/scim/v2", hostsync.IdPOkta, pathProxy, true, "Okta's own test"},
		// Okta and OneLogin have no agent's way: a loopback address stays wrong for them.
		{"http://127.0.0.1:8765/scim/v2", hostsync.IdPOkta, pathAgent, false, "this computer only"},
	}
	for _, tt := range tests {
		t.Run(string(tt.idp)+" "+string(tt.path)+" "+tt.tenant, func(t *testing.T) {
			v := reachVerdict(tt.tenant, tt.idp, tt.path)
			if v.ok != tt.wantOK || !strings.Contains(v.text, tt.want) {
				t.Errorf("verdict ok=%v %q, want ok=%v with %q", v.ok, v.text, tt.wantOK, tt.want)
			}
		})
	}
}

func TestTestConnectionVerdictFollowsTheChosenWay(t *testing.T) {
	h := newHarness(t) // the fake's Tenant URL is http://127.0.0.1:8765/…
	h.sec.m[account] = h.svc.addKey("Azure AD")
	p := h.azure(t)
	if p.choice.Selected != "" {
		t.Fatalf("a way is chosen on a fresh loopback install: %q", p.choice.Selected)
	}
	test.Tap(p.test)
	if !strings.Contains(p.testSummary.Text, "All 4 checks passed") || !p.testVerdict.Visible() ||
		!strings.Contains(p.testVerdict.Text, "cannot use") || p.testVerdict.Importance != widget.WarningImportance {
		t.Fatalf("loopback: summary %q, verdict %q", p.testSummary.Text, p.testVerdict.Text)
	}
	if strings.Contains(p.testSummary.Text, "should succeed") {
		t.Error("false comfort for a loopback Tenant URL")
	}

	p.choice.SetSelected(pathChoices[pathAgent])
	if len(p.stepRows) != 0 || p.testVerdict.Visible() {
		t.Error("a result given for another way stays on screen")
	}
	test.Tap(p.test)
	if p.testVerdict.Importance == widget.WarningImportance || !strings.Contains(p.testVerdict.Text, "same computer") ||
		!strings.Contains(p.testVerdict.Text, "Way chosen: Microsoft's provisioning agent") {
		t.Errorf("agent's way: verdict %q", p.testVerdict.Text)
	}
	// The choice is remembered for the next visit.
	if a := h.azure(t); a.choice.Selected != pathChoices[pathAgent] {
		t.Errorf("way after reopening: %q", a.choice.Selected)
	}
	// Okta has no agent's way.
	if o := h.idpPage(t, hostsync.IdPOkta); len(o.choice.Options) != 2 || o.choice.Selected != "" {
		t.Errorf("Okta's ways %q, selected %q", o.choice.Options, o.choice.Selected)
	}
}

func TestStaleTestResultIsClearedWhenTheKeyChanges(t *testing.T) {
	h := newHarness(t)
	h.sec.m[account] = h.svc.addKey("Azure AD")
	p := h.azure(t)
	test.Tap(p.test)
	if len(p.stepRows) == 0 || p.testSummary.Text == "" {
		t.Fatal("no test result")
	}
	test.Tap(p.generate)
	tapDialogButton(t, h.win, "Generate key")
	if len(p.stepRows) != 0 || p.testSummary.Text != "" || p.testVerdict.Visible() {
		t.Errorf("after a new key: %d steps, summary %q", len(p.stepRows), p.testSummary.Text)
	}
}

func TestTestConnectionWithoutKeySaysSoOnEveryStep(t *testing.T) {
	h := newHarness(t)
	p := h.idpPage(t, hostsync.IdPOkta)
	test.Tap(p.test)
	for _, r := range p.stepRows {
		if !r.done || r.ok || !strings.Contains(r.detail.Text, "no API key") {
			t.Errorf("step %q: %q (done %v)", r.name.Text, r.detail.Text, r.done)
		}
	}
	if !strings.Contains(p.testSummary.Text, "no API key for Okta") || p.test.Disabled() {
		t.Errorf("summary %q, button disabled %v", p.testSummary.Text, p.test.Disabled())
	}
}

func TestTestResultScrollsIntoView(t *testing.T) {
	h := newHarness(t)
	h.win.Resize(fyne.NewSize(1000, 650))
	h.sec.m[account] = h.svc.addKey("Azure AD")
	p := h.azure(t)
	if p.scroll.Offset.Y != 0 {
		t.Fatalf("page opens scrolled to %v", p.scroll.Offset.Y)
	}
	test.Tap(p.test)
	if p.scroll.Offset.Y <= 0 {
		t.Errorf("the result is not scrolled into view (offset %v)", p.scroll.Offset.Y)
	}
}

func TestIdPPagesFit1000x650(t *testing.T) {
	for _, idp := range hostsync.IdPs {
		t.Run(idp.Name(), func(t *testing.T) {
			h := newHarness(t)
			p := h.idpPage(t, idp)
			h.win.Resize(fyne.NewSize(1000, 650))
			if w := p.scroll.MinSize().Width; w > 800 { // the sidebar takes the rest of 1000 px
				t.Errorf("page needs %v px wide", w)
			}
		})
	}
}

func TestChosenWayLeadsToSettings(t *testing.T) {
	h := newHarness(t)
	var went string
	h.env.Navigate = func(page string) { went = page }
	p := h.idpPage(t, hostsync.IdPOkta)
	if p.settings.Visible() {
		t.Error("Open Settings offered before a way is chosen")
	}
	p.choice.SetSelected(pathChoices[pathProxy])
	if !p.settings.Visible() || !strings.Contains(p.reachText.Text, "Public URL in Settings") || !p.details.Visible() {
		t.Fatalf("proxy's way on loopback: settings %v, text %q", p.settings.Visible(), p.reachText.Text)
	}
	test.Tap(p.settings)
	if went != PageSettings {
		t.Errorf("Open Settings went to %q", went)
	}
}
