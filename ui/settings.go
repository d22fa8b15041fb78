package ui

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync/scimclient"
)

const (
	modeEmbedded = "This computer (embedded service)"
	modeRemote   = "A remote visitly-scimd service"
)

// settingsPage switches between the embedded service and a remote one. Every field is checked
// before anything is applied; a problem is shown under its field; a failed apply keeps the
// running service and the saved settings.
type settingsPage struct {
	ctx   context.Context
	env   *Env
	conn  Connector
	sess  *Session       // the current session, or nil
	apply func(*Session) // the shell's, on success

	mode       *widget.RadioGroup
	listen     *widget.Entry
	lan        *widget.Check
	lanWarning *widget.Label
	publicURL  *widget.Entry
	tlsCert    *widget.Entry
	tlsKey     *widget.Entry
	acmeDomain *widget.Entry
	acmeEmail  *widget.Entry
	remoteURL  *widget.Entry
	adminToken *widget.Entry
	problems   map[string]*widget.Label // under each field
	save       *widget.Button
	status     *widget.Label
	remoteBox  *fyne.Container
	listenBox  *fyne.Container
	backups    *backupCard
	now        func() time.Time
}

func newSettingsPage(ctx context.Context, env *Env, conn Connector, sess *Session, apply func(*Session)) *settingsPage {
	s := conn.Settings()
	p := &settingsPage{ctx: ctx, env: env, conn: conn, sess: sess, apply: apply, now: time.Now}
	p.listen = &widget.Entry{Text: s.ListenAddr, PlaceHolder: exampleAddr, OnChanged: func(string) { p.onListenChanged() }}
	p.lan = widget.NewCheck("Listen on this computer's network, for Microsoft's provisioning agent", p.onLAN)
	p.lanWarning = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance}
	p.publicURL = &widget.Entry{Text: s.PublicURL, PlaceHolder: "optional, e.g. " + examplePublic}
	p.tlsCert = &widget.Entry{Text: s.TLSCert, PlaceHolder: "optional: certificate file (PEM) to serve HTTPS"}
	p.tlsKey = &widget.Entry{Text: s.TLSKey, PlaceHolder: "optional: private key file (PEM)"}
	p.acmeDomain = &widget.Entry{Text: s.ACMEDomain, PlaceHolder: "optional: this computer's public DNS name, e.g. " + exampleDomain,
		OnChanged: func(string) { p.onListenChanged() }}
	p.acmeEmail = &widget.Entry{Text: s.ACMEEmail, PlaceHolder: "optional: e-mail for the certificate authority's notices"}
	p.remoteURL = &widget.Entry{Text: s.RemoteURL, PlaceHolder: examplePublic}
	p.adminToken = widget.NewPasswordEntry()
	p.adminToken.SetPlaceHolder("leave empty to keep the credential stored in the keyring")
	p.problems = map[string]*widget.Label{}
	for _, f := range []string{fieldListen, fieldPublic, fieldCert, fieldKey, fieldACME, fieldEmail, fieldRemote} {
		l := &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
		l.Hide()
		p.problems[f] = l
	}
	p.save = &widget.Button{Text: "Save and reconnect", Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: p.onSave}
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	p.mode = widget.NewRadioGroup([]string{modeEmbedded, modeRemote}, p.onMode)
	if s.Remote {
		p.mode.Selected = modeRemote
	} else {
		p.mode.Selected = modeEmbedded
	}
	if sess != nil && sess.Backups != nil {
		p.backups = newBackupCard(ctx, env, sess.Backups)
	}
	// Enter in a field saves, as the Save button does.
	for _, e := range []*widget.Entry{p.listen, p.publicURL, p.tlsCert, p.tlsKey, p.acmeDomain, p.acmeEmail, p.remoteURL, p.adminToken} {
		e.OnSubmitted = func(string) { p.onSave() }
	}
	p.onListenChanged()
	return p
}

// field is an entry (or entry row) with its problem line under it.
func (p *settingsPage) field(o fyne.CanvasObject, name string) fyne.CanvasObject {
	return container.NewVBox(o, p.problems[name])
}

func (p *settingsPage) build() fyne.CanvasObject {
	heading := pageHeading("Settings")
	p.listenBox = container.NewVBox(widget.NewForm(
		widget.NewFormItem("Listen address", p.field(container.NewVBox(p.listen, p.lan, p.lanWarning), fieldListen)),
		widget.NewFormItem("Public URL", p.field(p.publicURL, fieldPublic)),
		widget.NewFormItem("TLS certificate", p.field(p.fileField(p.tlsCert), fieldCert)),
		widget.NewFormItem("TLS private key", p.field(p.fileField(p.tlsKey), fieldKey)),
		widget.NewFormItem("Automatic HTTPS", p.field(p.acmeDomain, fieldACME)),
		widget.NewFormItem("E-mail for the CA", p.field(p.acmeEmail, fieldEmail))),
		lowLabel("The embedded service listens here. Keep 127.0.0.1 unless a reverse proxy on this computer exposes it to Azure AD, "+
			"or Microsoft's provisioning agent on another computer of the office network calls it."),
		lowLabel("Public URL: the HTTPS address Azure AD reaches the service at (a reverse proxy or tunnel); the Tenant URL is built from it. "+
			"With a certificate and key the service serves HTTPS itself (TLS 1.2 or newer); the key file stays where it is."),
		lowLabel("Automatic HTTPS: with a public DNS name that points at this computer, the service gets and renews its certificate "+
			"from Let's Encrypt by itself, and the Tenant URL becomes https://<name>. The internet must reach this computer on port 443 "+
			"(listen on 0.0.0.0:443). For a company, a server run by IT is the recommended way (see the README)."))
	p.remoteBox = container.NewVBox(widget.NewForm(
		widget.NewFormItem("Service URL", p.field(p.remoteURL, fieldRemote)),
		widget.NewFormItem("Admin credential", p.adminToken)),
		lowLabel("The admin credential is created on the server with: visitly-scimd admin-token. It is kept in the OS keyring only."))
	p.onMode(p.mode.Selected)
	data := p.conn.Settings().DataDir
	service := widget.NewCard("Host-sync service", "Where the console keeps hosts and API keys",
		container.NewVBox(p.mode, p.listenBox, p.remoteBox, container.NewHBox(p.save), p.status))
	local := widget.NewCard("This computer", "", container.NewVBox(
		widget.NewForm(widget.NewFormItem("Data folder", &widget.Label{Text: data, TextStyle: fyne.TextStyle{Monospace: true}, Wrapping: fyne.TextWrapBreak})),
		lowLabel("Start the console with --data-dir or VISITLY_DATA_DIR to keep local state elsewhere. Secrets are never stored there."),
		lowLabel("Light and dark appearance follow the operating system.")))
	cards := []fyne.CanvasObject{heading, service}
	if p.backups != nil {
		cards = append(cards, p.backups.build())
	}
	// The shell scrolls the page.
	return container.NewPadded(container.NewVBox(append(cards, local)...))
}

// fileField is an entry with a Browse… button that fills in a file's path.
func (p *settingsPage) fileField(e *widget.Entry) fyne.CanvasObject {
	browse := widget.NewButtonWithIcon("Browse…", theme.FolderOpenIcon(), func() {
		dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			r.Close()
			e.SetText(r.URI().Path())
		}, p.env.Window)
	})
	return container.NewBorder(nil, nil, nil, browse, e)
}

func lowLabel(s string) *widget.Label {
	// Italic rather than LowImportance: the theme's low-importance grey is hard to read on light.
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (p *settingsPage) onMode(mode string) {
	if p.remoteBox == nil {
		return
	}
	if mode == modeRemote {
		p.remoteBox.Show()
		p.listenBox.Hide()
	} else {
		p.remoteBox.Hide()
		p.listenBox.Show()
	}
}

// onLAN switches the listen address between loopback and every interface, keeping the port.
func (p *settingsPage) onLAN(on bool) {
	if on == listensOnNetwork(p.listen.Text) {
		return
	}
	host := "127.0.0.1"
	if on {
		host = "0.0.0.0"
	}
	p.listen.SetText(withHost(strings.TrimSpace(p.listen.Text), host))
}

// onListenChanged keeps the network check box and its warning in step with the address typed.
func (p *settingsPage) onListenChanged() {
	addr := strings.TrimSpace(p.listen.Text)
	lan := listensOnNetwork(addr)
	if p.lan.Checked != lan {
		p.lan.Checked = lan
		p.lan.Refresh()
	}
	if !lan {
		p.lanWarning.Hide()
		return
	}
	text := "Warning: any computer on this network can then reach the service. Every call still needs a valid API key, " +
		"but use this only on the office network, never on public Wi-Fi, and prefer HTTPS (certificate below) when the agent allows it."
	urls := lanTenantURLs(addr, strings.TrimSpace(p.tlsCert.Text) != "")
	if domain := strings.TrimSpace(p.acmeDomain.Text); domain != "" && checkDomain(domain) == "" {
		// Automatic HTTPS's certificate names the domain, not the LAN address: the agent must use it.
		if _, port, err := net.SplitHostPort(addr); err == nil {
			urls = []string{"https://" + net.JoinHostPort(domain, port) + scimclient.SCIMPath}
			if port == "443" {
				urls = []string{"https://" + domain + scimclient.SCIMPath}
			}
		}
	}
	if len(urls) > 0 {
		text += " The agent's Tenant URL: " + strings.Join(urls, " or ")
	}
	p.lanWarning.SetText(text)
	p.lanWarning.Show()
}

// settings reads the form.
func (p *settingsPage) settings() Settings {
	s := p.conn.Settings()
	s.Remote = p.mode.Selected == modeRemote
	s.ListenAddr = strings.TrimSpace(p.listen.Text)
	s.RemoteURL = strings.TrimSpace(p.remoteURL.Text)
	s.PublicURL = strings.TrimSpace(p.publicURL.Text)
	s.TLSCert, s.TLSKey = strings.TrimSpace(p.tlsCert.Text), strings.TrimSpace(p.tlsKey.Text)
	s.ACMEDomain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(p.acmeDomain.Text), "."))
	s.ACMEEmail = strings.TrimSpace(p.acmeEmail.Text)
	if s.Remote {
		if u, err := scimclient.ParseServiceURL(s.RemoteURL); err == nil {
			s.RemoteURL = u.String()
		}
	} else if s.PublicURL != "" {
		if u, err := scimclient.ParsePublicURL(s.PublicURL); err == nil {
			s.PublicURL = u.String()
		}
	}
	return s
}

// showProblems puts each problem under its field and hides the others.
func (p *settingsPage) showProblems(probs fieldProblems) {
	for f, l := range p.problems {
		if msg := probs[f]; msg != "" {
			l.SetText(msg)
			l.Show()
		} else {
			l.Hide()
		}
	}
}

func (p *settingsPage) setStatus(text string, imp widget.Importance) {
	p.status.Importance = imp
	p.status.SetText(text)
}

// httpWarning is shown after a save whose Public URL Azure AD would refuse; "" when none.
func httpWarning(s Settings) string {
	if !s.Remote && strings.HasPrefix(s.PublicURL, "http:") {
		return " Note: Azure AD accepts only https:// Tenant URLs, so it will not accept " + s.PublicURL + "."
	}
	return ""
}

func (p *settingsPage) onSave() {
	s := p.settings()
	probs := checkSettings(s, p.now())
	p.showProblems(probs)
	if len(probs) > 0 {
		p.setStatus("Not saved: correct the fields marked in red. Nothing was changed.", widget.DangerImportance)
		return
	}
	token := p.adminToken.Text
	p.save.Disable()
	p.setStatus("Connecting…", widget.MediumImportance)
	p.env.Run(func() func() {
		// Saved settings take effect even if the user leaves the page meanwhile.
		sess, err := p.conn.Connect(context.WithoutCancel(p.ctx), s, token)
		return func() {
			p.save.Enable()
			if err != nil {
				p.onSaveFailed(s, err)
				return
			}
			p.adminToken.SetText("")
			msg := "Connected to " + sess.Service.URL()
			imp := widget.SuccessImportance
			if tenant, public := publicTenant(sess.Service); public {
				msg += ". Azure AD calls " + tenant
			}
			if w := httpWarning(s); w != "" {
				imp = widget.WarningImportance
				msg += "." + w
			}
			p.setStatus(msg, imp)
			p.apply(sess)
		}
	})
}

// onSaveFailed says why the settings could not be applied, next to the field when one is to
// blame; the connector kept the running service and the saved settings.
func (p *settingsPage) onSaveFailed(s Settings, err error) {
	const kept = " Nothing was changed: the service keeps running with the previous settings."
	switch {
	case errors.Is(err, ErrAddressInUse):
		port := (&AddressInUseError{Addr: s.ListenAddr}).Port()
		p.showProblems(fieldProblems{fieldListen: "Port " + port + " is already used by another program. Close that program or choose another port, for example 8766."})
		p.setStatus("Not saved: port "+port+" is already used by another program."+kept, widget.DangerImportance)
	case errors.Is(err, ErrAutomaticHTTPS):
		// The error says the CA's own words ("DNS problem: NXDOMAIN …") and what to check.
		p.showProblems(fieldProblems{fieldACME: Describe(err).Hint})
		p.setStatus("Not saved: "+err.Error()+"."+kept, widget.DangerImportance)
	case errors.Is(err, ErrTLSCertificate):
		p.showProblems(fieldProblems{fieldCert: Describe(err).Hint})
		p.setStatus("Not saved: "+Describe(err).Title+"."+kept, widget.DangerImportance)
	default:
		if s.Remote && scimclient.IsUnauthorized(err) {
			p.showProblems(fieldProblems{fieldRemote: "The service at this address refused the admin credential: paste the one made with visitly-scimd admin-token."})
		}
		p.setStatus("Not saved: "+Describe(err).Title+"."+kept, widget.DangerImportance)
		ShowError(p.env.Window, err)
	}
}
