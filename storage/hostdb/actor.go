package hostdb

import "github.com/visitly/hostsync"

// Actor says who made a change; the store records its String and Name.
// It is hostsync's, named here because every write takes one.
type Actor = hostsync.Actor
