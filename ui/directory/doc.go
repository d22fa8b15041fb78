// Package directory is the console's view of the directory it mirrors: the Hosts, Deleted hosts
// and Activity screens, their export, and the background sync that keeps the local mirror fresh.
//
// The screens read only the local mirror (so they stay browsable when the service is unreachable)
// and reach the service only to restore hosts, record exports and sync. Both come in through the
// small interfaces in source.go, which *mirror.Mirror and *scimclient.Client satisfy; main wires
// them. Like package ui, every slow call goes through ui.Env.Run and widgets change only on the UI
// goroutine.
package directory
