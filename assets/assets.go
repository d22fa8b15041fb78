// Package assets holds the app's icon and bundled resources.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

// AppID is the app's reverse-DNS ID, as in FyneApp.toml. A plain go build
// does not read that file, so main passes it to app.NewWithID; it is also the
// service name of the console's entries in the OS keyring.
const AppID = "io.visitly.hostsync"

// icon.png is drawn by icon_gen.go.
//go:generate go run icon_gen.go

//go:embed icon.png
var iconPNG []byte

// Icon is the app icon, a 512×512 PNG.
var Icon fyne.Resource = fyne.NewStaticResource("icon.png", iconPNG)
