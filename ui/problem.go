package ui

import (
	"errors"
	"net"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// Errors main wraps so the window can explain start-up failures.
var (
	ErrAddressInUse = errors.New("address already in use")
	ErrDatabase     = errors.New("database cannot be opened")
	// ErrNoAdminCredential: a remote service was chosen but the keyring holds no admin credential for it.
	ErrNoAdminCredential = errors.New("no admin credential stored for this service")
	// ErrTLSCertificate: the embedded service's TLS certificate or key file cannot be used.
	ErrTLSCertificate = errors.New("TLS certificate cannot be used")
	// ErrAutomaticHTTPS: the embedded service could not get a certificate from the ACME CA.
	ErrAutomaticHTTPS = errors.New("automatic HTTPS failed")
	// ErrDiskFull: a file could not be written because its disk is full.
	ErrDiskFull = errors.New("the disk is full")
	// ErrBackupFolder: the backups folder cannot be created or written.
	ErrBackupFolder = errors.New("the backups folder cannot be written")
)

// AddressInUseError: the embedded service cannot listen on Addr because another program holds its
// port. It matches ErrAddressInUse.
type AddressInUseError struct {
	Addr string
	Err  error
}

func (e *AddressInUseError) Error() string {
	return "listen on " + e.Addr + ": " + ErrAddressInUse.Error() + ": " + e.Err.Error()
}
func (e *AddressInUseError) Unwrap() error        { return e.Err }
func (e *AddressInUseError) Is(target error) bool { return target == ErrAddressInUse }

// Port is the port of Addr, e.g. "8765".
func (e *AddressInUseError) Port() string {
	if _, port, err := net.SplitHostPort(e.Addr); err == nil {
		return port
	}
	return e.Addr
}

// Problem is an error told for people: what happened, what to do, and the raw error.
type Problem struct {
	Title, Message, Hint string
	Err                  error
}

// Describe turns err into a Problem.
func Describe(err error) Problem {
	p := Problem{Err: err, Title: "Something went wrong", Message: "The action did not complete."}
	var se *scimclient.Error
	switch {
	case errors.Is(err, ErrNoAdminCredential):
		p.Title = "No admin credential for this service"
		p.Message = "The console needs the service's admin credential to manage API keys, and the keyring holds none for this service."
		p.Hint = "In Settings, paste the admin credential (created on the server with: visitly-scimd admin-token) and save."
	case errors.Is(err, hostsync.ErrSecretNotFound):
		p.Title = "No API key on this computer"
		p.Message = "This computer's keyring holds no copy of an API key for this service (it was generated elsewhere, or the keyring was reset)."
		p.Hint = "Generate a new key. Older keys keep working until you revoke them, so Azure AD is not interrupted."
	case errors.Is(err, hostsync.ErrSecretTooBig):
		p.Title = "Secret too large for the keyring"
		p.Message = "The OS keyring refused to store the credential."
		p.Hint = hostsync.KeyringHint(err)
	case errors.Is(err, hostsync.ErrKeyringUnavailable):
		p.Title = "The OS keyring is not available"
		p.Message = "Visitly Console keeps credentials only in the OS keyring and could not use it. Nothing was written to a file instead."
		p.Hint = hostsync.KeyringHint(err)
	case errors.Is(err, ErrAddressInUse):
		p.Title = "The service address is already in use"
		if ae := (*AddressInUseError)(nil); errors.As(err, &ae) {
			p.Title = "Port " + ae.Port() + " is already used by another program"
		}
		p.Message = "The embedded host-sync service could not listen on its address: another program (or a Visitly Console with another data folder) uses that port."
		p.Hint = "Close the other program, or choose another address in Settings (for example 127.0.0.1:8766)."
	case errors.Is(err, ErrTLSCertificate):
		p.Title = "The TLS certificate cannot be used"
		p.Message = "The embedded service could not load its TLS certificate and key, so it cannot serve HTTPS."
		p.Hint = "In Settings, check that both files exist and are readable PEM files and that the key belongs to the certificate " +
			"(the certificate first, then any intermediates, in the certificate file). Or clear both fields to serve plain HTTP on loopback behind a reverse proxy."
	case errors.Is(err, ErrAutomaticHTTPS):
		p.Title = "Automatic HTTPS could not get a certificate"
		p.Message = "The certificate authority (Let's Encrypt) did not issue a certificate for the name in Settings, so the service cannot serve HTTPS with it."
		p.Hint = "Check that the DNS name points at this computer's public address and that the internet reaches this computer on port 443 " +
			"(ask IT to open or forward it). For a company, a server run by IT (visitly-scimd with automatic HTTPS) is the recommended way."
	case errors.Is(err, ErrDiskFull):
		p.Title = "The disk is full"
		p.Message = "The file could not be written: there is no space left on its disk. Nothing else was changed."
		p.Hint = "Free some space on that disk (empty the recycle bin, remove old backups you copied elsewhere), then try again."
	case errors.Is(err, ErrBackupFolder):
		p.Title = "The backups folder cannot be written"
		p.Message = "The console could not create or write the backups folder in the data folder."
		p.Hint = "Check that the data folder's backups folder exists and that your account may write to it, then try again."
	case errors.Is(err, ErrDatabase):
		p.Title = "The database cannot be opened"
		p.Message = "The embedded service could not open its database in the data folder."
		p.Hint = "Check that the data folder exists and is writable and the disk is not full, or start the console with --data-dir pointing at another folder."
	case errors.Is(err, scimclient.ErrUnreachable):
		p.Title = "The host-sync service is unreachable"
		p.Message = "The service did not answer."
		p.Hint = "For a remote service, check its URL in Settings, the network or VPN, and that visitly-scimd runs on the server. For the embedded service, restart the console."
	case scimclient.IsUnauthorized(err):
		p.Title = "The service refused the credential"
		p.Message = "The host-sync service answered 401: the admin credential this console holds is missing, wrong or was replaced."
		p.Hint = "In Settings, enter the service's admin credential (create one on the server with: visitly-scimd admin-token)."
	case errors.As(err, &se):
		p.Title = "The service reported an error"
		p.Message = se.Detail
		if p.Message == "" {
			p.Message = "The service refused the request."
		}
	}
	return p
}

// ShowError shows err in a dialog: message, hint, and the raw error under "Details".
func ShowError(win fyne.Window, err error) {
	if err == nil {
		return
	}
	p := Describe(err)
	d := dialog.NewCustom(p.Title, "Close", newProblemView(p), win)
	d.Resize(fyne.NewSize(520, 0))
	ShowDialog(win, d, nil) // Enter and Escape both close it
}

// newProblemView lays out a Problem; banners and dialogs share it.
func newProblemView(p Problem) fyne.CanvasObject {
	msg := widget.NewLabel(p.Message)
	msg.Wrapping = fyne.TextWrapWord
	items := []fyne.CanvasObject{msg}
	if p.Hint != "" {
		hint := widget.NewLabelWithStyle("What to do: "+p.Hint, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		hint.Wrapping = fyne.TextWrapWord
		items = append(items, hint)
	}
	if p.Err != nil {
		raw := widget.NewLabelWithStyle(p.Err.Error(), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		raw.Wrapping = fyne.TextWrapBreak
		raw.Selectable = true
		items = append(items, widget.NewAccordion(widget.NewAccordionItem("Details", raw)))
	}
	return container.NewVBox(items...)
}

// banner is an inline problem with an optional action, shown at the top of a page.
type banner struct {
	box    *fyne.Container
	title  *widget.Label
	body   *fyne.Container
	action *widget.Button
}

func newBanner() *banner {
	b := &banner{
		title:  &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord},
		body:   container.NewVBox(),
		action: &widget.Button{Importance: widget.HighImportance},
	}
	icon := widget.NewIcon(theme.NewErrorThemedResource(theme.WarningIcon()))
	b.box = container.NewVBox(container.NewBorder(nil, nil, icon, b.action, b.title), b.body, widget.NewSeparator())
	b.box.Hide()
	return b
}

// show displays p; actionText/onAction add a button (e.g. "Generate new key").
func (b *banner) show(p Problem, actionText string, onAction func()) {
	b.title.SetText(p.Title)
	b.body.Objects = []fyne.CanvasObject{newProblemView(p)}
	b.body.Refresh()
	b.action.SetText(actionText)
	b.action.OnTapped = onAction
	if onAction == nil {
		b.action.Hide()
	} else {
		b.action.Show()
	}
	b.box.Show()
}

func (b *banner) hide() { b.box.Hide() }

// visible reports whether the banner is shown (tests).
func (b *banner) visible() bool { return b.box.Visible() }
