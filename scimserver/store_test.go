package scimserver

import "github.com/visitly/hostsync/storage/hostdb"

// The service runs on storage/hostdb's store today.
var _ Store = (*hostdb.Store)(nil)
