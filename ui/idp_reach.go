package ui

import (
	"net"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// reachPath is how the identity provider reaches the service (#13). Azure AD has all three;
// Okta and OneLogin call only from their cloud, so only a server or a proxy will do.
type reachPath string

const (
	pathServer reachPath = "server" // visitly-scimd on a server with a public DNS name and automatic HTTPS
	pathAgent  reachPath = "agent"  // Microsoft Entra provisioning agent in the office network (Azure AD only)
	pathProxy  reachPath = "proxy"  // this computer behind a reverse proxy or tunnel (Public URL)
)

var pathChoices = map[reachPath]string{
	pathServer: "A server run by IT (recommended for companies)",
	pathAgent:  "Microsoft's provisioning agent in the office network",
	pathProxy:  "This computer, behind a reverse proxy or tunnel",
}

// pathsFor lists the ways idp can reach the service, in the order the page offers them.
func pathsFor(idp hostsync.IdP) []reachPath {
	if idp.Or() == hostsync.IdPAzureAD {
		return []reachPath{pathServer, pathAgent, pathProxy}
	}
	return []reachPath{pathServer, pathProxy}
}

// reachPref is the console preference remembering the chosen path, per service and IdP (only
// Azure AD can take the agent's way).
func reachPref(sess *Session, idp hostsync.IdP) string {
	return "reachPath " + string(idp.Or()) + " " + sess.Service.URL()
}

// savedPath is the chosen path, or a guess from the connection when none was chosen yet: a remote
// service is a server, an embedded one with a Public URL is behind a proxy; "" when unknown.
func savedPath(sess *Session, idp hostsync.IdP) (p reachPath, chosen bool) {
	if a := fyne.CurrentApp(); a != nil {
		p = reachPath(a.Preferences().String(reachPref(sess, idp)))
	}
	for _, ok := range pathsFor(idp) {
		if p == ok {
			return p, true
		}
	}
	if !sess.Embedded {
		return pathServer, false
	}
	if _, public := publicTenant(sess.Service); public {
		return pathProxy, false
	}
	return "", false
}

// verdict says whether the IdP can use a Tenant URL on a path.
type verdict struct {
	ok    bool   // it can (as far as can be told from here)
	text  string // what it means and, when not ok, what to do
	short string // why not, in a few words, for beside the address; "" when ok
	// caveat: it can, but only under a condition the console cannot check (the agent on this
	// computer); told as information, not as success.
	caveat bool
}

// urlPlace is where an address leads.
type urlPlace int

const (
	placePublic   urlPlace = iota
	placeLoopback          // this computer only
	placePrivate           // the local network only
	placeInvalid
)

// placeOf classifies the host of serviceURL.
func placeOf(serviceURL string) (urlPlace, *url.URL) {
	u, err := url.Parse(serviceURL)
	if err != nil || u.Host == "" {
		return placeInvalid, u
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return placeLoopback, u
	}
	if ip := net.ParseIP(host); ip != nil {
		switch {
		case ip.IsLoopback():
			return placeLoopback, u
		case ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsUnspecified():
			return placePrivate, u
		}
		return placePublic, u
	}
	// A name without a dot, or under a suffix reserved for local networks, resolves only inside.
	if !strings.Contains(host, ".") || strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".lan") ||
		strings.HasSuffix(host, ".internal") || strings.HasSuffix(host, ".home.arpa") {
		return placePrivate, u
	}
	return placePublic, u
}

// reachVerdict judges tenant for idp on path ("" when no path was chosen: judged as from the cloud).
func reachVerdict(tenant string, idp hostsync.IdP, path reachPath) verdict {
	name := idp.Name()
	place, u := placeOf(tenant)
	if place == placeInvalid {
		return verdict{text: "The service's address " + tenant + " is not a valid URL. Check Settings.", short: "it is not a valid URL"}
	}
	host := u.Hostname()
	if path == pathAgent && idp.Or() == hostsync.IdPAzureAD {
		switch place {
		case placeLoopback:
			return verdict{ok: true, caveat: true, text: host + " is right only when the provisioning agent runs on this same computer. " +
				"If it runs on another Windows Server, let the service listen on this computer's network address " +
				"(Settings › Listen address, for example 192.168.1.20:8765) and use that address."}
		default:
			return verdict{ok: true, text: "The provisioning agent calls " + host + " from inside your network: " +
				"check that the agent's Windows Server can open this address (HTTP or HTTPS, as the agent allows)."}
		}
	}
	// What to do depends on the way chosen: set up that way, or choose one.
	var cloudWays string
	switch path {
	case pathServer:
		cloudWays = "Connect this console to IT's server in Settings (remote service, its https:// address): the address " + name + " needs is then the server's."
	case pathProxy:
		cloudWays = "Enter the reverse proxy's or tunnel's https:// address as the Public URL in Settings: the address " + name + " needs is then built from it."
	default:
		cloudWays = "Choose one of the ways above: a server run by IT with its own https:// address, " +
			"or this computer behind a reverse proxy or tunnel (its address as the Public URL in Settings)"
		if idp.Or() == hostsync.IdPAzureAD {
			cloudWays += ", or Microsoft's provisioning agent in the office network"
		}
		cloudWays += "."
	}
	switch {
	case place == placeLoopback:
		return verdict{text: name + " calls from the internet and cannot use " + host + ": that address leads to this computer only. " + cloudWays,
			short: "it leads to this computer only"}
	case place == placePrivate:
		return verdict{text: name + " calls from the internet and cannot use " + host + ": that address works only inside your network. " + cloudWays,
			short: "it works only inside your network"}
	case u.Scheme != "https":
		return verdict{text: name + " accepts only https:// addresses. Give the service a certificate (a server run by IT gets one automatically) " +
			"or put an HTTPS reverse proxy in front of it, and use its https:// address.", short: "it accepts only https:// addresses"}
	}
	return verdict{ok: true, text: name + " can use " + host + " if it is open to the internet (port 443). " +
		name + "'s own test checks the way there."}
}

// reachCard is "How will Azure AD reach the host-sync service?": the ways, each with its steps,
// and the verdict on the current Tenant URL.
type reachCard struct {
	p *idpPage

	choice     *widget.RadioGroup
	details    *widget.Accordion
	pathSteps  *widget.Label
	tenantNow  *widget.Label
	reachIcon  *widget.Icon
	settings   *widget.Button // Open Settings, when the way's next step is there
	reachText  *widget.Label
	paths      []reachPath
	path       reachPath
	pathChosen bool
}

func newReachCard(p *idpPage) *reachCard {
	c := &reachCard{p: p, paths: pathsFor(p.idp)}
	c.path, c.pathChosen = savedPath(p.sess, p.idp)
	var opts []string
	for _, rp := range c.paths {
		opts = append(opts, pathChoices[rp])
	}
	c.choice = widget.NewRadioGroup(opts, nil)
	if c.path != "" {
		c.choice.Selected = pathChoices[c.path]
	}
	c.choice.OnChanged = c.onChoose
	c.pathSteps = widget.NewLabel("")
	c.pathSteps.Wrapping = fyne.TextWrapWord
	c.tenantNow = widget.NewLabel("")
	c.tenantNow.Wrapping = fyne.TextWrapBreak
	c.reachIcon = widget.NewIcon(nil)
	c.reachText = widget.NewLabel("")
	c.reachText.Wrapping = fyne.TextWrapWord
	c.settings = &widget.Button{Text: "Open Settings", Icon: theme.SettingsIcon(), OnTapped: func() {
		if p.env.Navigate != nil {
			p.env.Navigate(PageSettings)
		}
	}}
	c.showPath()
	return c
}

func (c *reachCard) build() fyne.CanvasObject {
	sub := "Choose the way that fits your company; the steps and the check below follow your choice."
	if c.p.idp != hostsync.IdPAzureAD {
		sub = c.p.idp.Name() + " calls from its cloud, so it needs a public https:// address."
	}
	c.details = widget.NewAccordion(widget.NewAccordionItem("Steps for this way", c.pathSteps))
	c.details.Open(0)
	if c.path == "" {
		c.details.Hide() // nothing to show until a way is chosen
	}
	return widget.NewCard("How will "+c.p.idp.Name()+" reach the host-sync service?", sub, container.NewVBox(
		c.choice, c.details, c.tenantNow,
		container.NewBorder(nil, nil, container.NewVBox(c.reachIcon), nil, c.reachText),
		container.NewHBox(c.settings),
	))
}

func (c *reachCard) onChoose(label string) {
	for _, rp := range c.paths {
		if pathChoices[rp] == label {
			c.path, c.pathChosen = rp, true
			if a := fyne.CurrentApp(); a != nil {
				a.Preferences().SetString(reachPref(c.p.sess, c.p.idp), string(rp))
			}
		}
	}
	c.showPath()
	c.p.clearTest() // a verdict given for another way is stale
}

// verdict judges the current Tenant URL on the chosen way.
func (c *reachCard) verdict() verdict {
	return reachVerdict(c.p.sess.Service.TenantURL(), c.p.idp, c.path)
}

// showPath shows the chosen way's steps and the verdict.
func (c *reachCard) showPath() {
	c.pathSteps.SetText(pathSteps(c.path, c.p.idp, c.p.sess))
	if c.details != nil && c.path != "" {
		c.details.Show()
	}
	c.tenantNow.SetText(c.p.guide.urlLabel + " now: " + c.p.sess.Service.TenantURL())
	v := c.verdict()
	text := v.text
	if c.path == "" {
		text = "No way chosen yet. " + text
	}
	switch {
	case v.caveat:
		c.reachIcon.SetResource(theme.InfoIcon())
		c.reachText.Importance = widget.MediumImportance
	case v.ok:
		c.reachIcon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
		c.reachText.Importance = widget.MediumImportance
	default:
		c.reachIcon.SetResource(theme.NewWarningThemedResource(theme.WarningIcon()))
		c.reachText.Importance = widget.WarningImportance
	}
	c.reachText.SetText(text)
	// Ways 1 and 3 are set up in Settings (remote service, Public URL), as is the agent's LAN address.
	if !v.ok && c.path != "" || v.caveat {
		c.settings.Show()
	} else {
		c.settings.Hide()
	}
	if c.p.credentialsCard != nil {
		c.p.showNote(v)
	}
}

// pathSteps are the exact steps of a way.
func pathSteps(path reachPath, idp hostsync.IdP, sess *Session) string {
	name := idp.Name()
	switch path {
	case pathServer:
		return "1. Ask IT for a server with a public DNS name (for example hosts.example.com) and port 443 open to the internet.\n" +
			"2. IT installs visitly-scimd there and starts it with automatic HTTPS: visitly-scimd serve --acme-domain hosts.example.com\n" +
			"3. IT creates an admin credential on the server (visitly-scimd admin-token) and gives it to you.\n" +
			"4. Here, in Settings, choose the remote service, enter https://hosts.example.com and the admin credential, and Save.\n" +
			"5. The address " + name + " needs then starts with https://hosts.example.com (shown below)."
	case pathAgent:
		return "1. You need Microsoft Entra ID P1 and a Windows Server 2016 or later (3 GB RAM) in the office network that can reach this service.\n" +
			"2. In the Microsoft Entra admin center, Enterprise applications › New application: add the gallery app \"On-premises SCIM app\".\n" +
			"3. Install the Microsoft Entra provisioning agent on that Windows Server, then in the app's Provisioning › On-Premises Connectivity assign the agent.\n" +
			"4. Provisioning › Admin Credentials: Tenant URL = this service's network address (below), Secret Token = the API key; Test Connection, Save.\n" +
			"5. For the service in this console: in Settings set the listen address to this computer's network address (for example 192.168.1.20:8765). " +
			"Any machine on that network can then reach the service; it still refuses every call without a valid API key."
	case pathProxy:
		return "1. Put a reverse proxy or tunnel with a public https:// address in front of this computer's service (it listens on " + sess.Service.URL() + ").\n" +
			"2. In Settings enter that address as the Public URL and Save.\n" +
			"3. Keep this computer on and the console open: " + name + " can sync only while it runs."
	}
	return "Choose a way above to see its steps."
}
