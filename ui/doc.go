// Package ui is the Visitly Console's Fyne user interface: the main window's shell (sidebar,
// health header, menus), the Host Synchronization › Azure AD page, Settings, and the one helper that
// explains errors.
//
// Screens depend on the small interfaces in service.go, which *scimclient.Client and
// *keyring.Keyring satisfy; main wires them. ui never opens a database, builds an HTTP client or
// imports the keyring (its errors are hostsync's). Work runs off the UI goroutine through a Runner
// and its result is applied on the UI goroutine, so tests can make it synchronous; each page's work
// gets the page's context, which ends when the user leaves the page, and late results are dropped
// by it.
package ui
