package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"

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

// settingsPage switches between the embedded service and a remote one.
type settingsPage struct {
	ctx   context.Context
	env   *Env
	conn  Connector
	apply func(*Session) // the shell's, on success

	mode       *widget.RadioGroup
	listen     *widget.Entry
	publicURL  *widget.Entry
	tlsCert    *widget.Entry
	tlsKey     *widget.Entry
	remoteURL  *widget.Entry
	adminToken *widget.Entry
	save       *widget.Button
	status     *widget.Label
	remoteBox  *fyne.Container
	listenBox  *fyne.Container
}

func newSettingsPage(ctx context.Context, env *Env, conn Connector, apply func(*Session)) *settingsPage {
	s := conn.Settings()
	p := &settingsPage{ctx: ctx, env: env, conn: conn, apply: apply}
	p.listen = &widget.Entry{Text: s.ListenAddr, PlaceHolder: "127.0.0.1:8765"}
	p.publicURL = &widget.Entry{Text: s.PublicURL, PlaceHolder: "optional, e.g. https://hosts.example.com"}
	p.tlsCert = &widget.Entry{Text: s.TLSCert, PlaceHolder: "optional: certificate file (PEM) to serve HTTPS"}
	p.tlsKey = &widget.Entry{Text: s.TLSKey, PlaceHolder: "optional: private key file (PEM)"}
	p.remoteURL = &widget.Entry{Text: s.RemoteURL, PlaceHolder: "https://hosts.example.com"}
	p.adminToken = widget.NewPasswordEntry()
	p.adminToken.SetPlaceHolder("leave empty to keep the credential stored in the keyring")
	p.save = &widget.Button{Text: "Save and reconnect", Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: p.onSave}
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	p.mode = widget.NewRadioGroup([]string{modeEmbedded, modeRemote}, p.onMode)
	if s.Remote {
		p.mode.Selected = modeRemote
	} else {
		p.mode.Selected = modeEmbedded
	}
	return p
}

func (p *settingsPage) build() fyne.CanvasObject {
	heading := pageHeading("Settings")
	p.listenBox = container.NewVBox(widget.NewForm(
		widget.NewFormItem("Listen address", p.listen),
		widget.NewFormItem("Public URL", p.publicURL),
		widget.NewFormItem("TLS certificate", p.fileField(p.tlsCert)),
		widget.NewFormItem("TLS private key", p.fileField(p.tlsKey))),
		lowLabel("The embedded service listens here. Keep 127.0.0.1 unless a reverse proxy on this computer exposes it to Azure AD."),
		lowLabel("Public URL: the HTTPS address Azure AD reaches the service at (a reverse proxy or tunnel); the Tenant URL is built from it. "+
			"With a certificate and key the service serves HTTPS itself (TLS 1.2 or newer); the key file stays where it is."))
	p.remoteBox = container.NewVBox(widget.NewForm(
		widget.NewFormItem("Service URL", p.remoteURL),
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
	return container.NewVScroll(container.NewPadded(container.NewVBox(heading, service, local)))
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

// errInvalidSetting is returned for settings that cannot work.
var errInvalidSetting = errors.New("invalid setting")

func (p *settingsPage) settings() (Settings, error) {
	s := p.conn.Settings()
	s.Remote = p.mode.Selected == modeRemote
	s.ListenAddr = strings.TrimSpace(p.listen.Text)
	s.RemoteURL = strings.TrimSpace(p.remoteURL.Text)
	if s.Remote {
		u, err := scimclient.ParseServiceURL(s.RemoteURL)
		if err != nil {
			return s, fmt.Errorf("%w: %w", errInvalidSetting, err)
		}
		s.RemoteURL = u.String()
		return s, nil
	}
	if _, _, err := net.SplitHostPort(s.ListenAddr); err != nil {
		return s, fmt.Errorf("%w: listen address %q must be host:port, e.g. 127.0.0.1:8765: %w", errInvalidSetting, s.ListenAddr, err)
	}
	s.PublicURL = strings.TrimSpace(p.publicURL.Text)
	if s.PublicURL != "" {
		u, err := scimclient.ParsePublicURL(s.PublicURL)
		if err != nil {
			return s, fmt.Errorf("%w: %w", errInvalidSetting, err)
		}
		s.PublicURL = u.String()
	}
	s.TLSCert, s.TLSKey = strings.TrimSpace(p.tlsCert.Text), strings.TrimSpace(p.tlsKey.Text)
	if (s.TLSCert == "") != (s.TLSKey == "") {
		return s, fmt.Errorf("%w: set both the TLS certificate and the private key file, or neither", errInvalidSetting)
	}
	for _, f := range []string{s.TLSCert, s.TLSKey} {
		// The console may be started from any folder: a relative path would change meaning.
		if f != "" && !filepath.IsAbs(f) {
			return s, fmt.Errorf("%w: %q must be a full path", errInvalidSetting, f)
		}
	}
	return s, nil
}

// httpWarning is shown after a save whose Public URL Azure AD would refuse; "" when none.
func httpWarning(s Settings) string {
	if !s.Remote && strings.HasPrefix(s.PublicURL, "http:") {
		return " Note: Azure AD accepts only https:// Tenant URLs, so it will not accept " + s.PublicURL + "."
	}
	return ""
}

func (p *settingsPage) onSave() {
	s, err := p.settings()
	if err != nil {
		p.status.SetText(err.Error())
		p.status.Importance = widget.DangerImportance
		p.status.Refresh()
		return
	}
	token := p.adminToken.Text
	p.save.Disable()
	p.status.Importance = widget.MediumImportance
	p.status.SetText("Connecting…")
	p.env.Run(func() func() {
		// Saved settings take effect even if the user leaves the page meanwhile.
		sess, err := p.conn.Connect(context.WithoutCancel(p.ctx), s, token)
		return func() {
			p.save.Enable()
			if err != nil {
				p.status.Importance = widget.DangerImportance
				p.status.SetText("Not saved: " + Describe(err).Title)
				ShowError(p.env.Window, err)
				return
			}
			p.adminToken.SetText("")
			p.status.Importance = widget.SuccessImportance
			msg := "Connected to " + sess.Service.URL()
			if tenant, public := publicTenant(sess.Service); public {
				msg += ". Azure AD calls " + tenant
			}
			if w := httpWarning(s); w != "" {
				p.status.Importance = widget.WarningImportance
				msg += "." + w
			}
			p.status.SetText(msg)
			p.apply(sess)
		}
	})
}
