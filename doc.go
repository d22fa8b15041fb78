// Package hostsync is the domain every part of Visitly Host Sync shares: a
// host and its states, groups, the activity log's events and action names,
// who made a change (an Actor) in words, and the pages and objects of the
// admin API the console reads.
//
// It sits at the repository root and imports only the standard library, as in
// Ben Johnson's "standard package layout" (benbjohnson/wtf): the domain is at
// the door, and each dependency lives in a subpackage named for it.
// scimserver writes these types on the wire, scimclient reads them back,
// storage/mirror keeps them in SQLite on the console's machine, and ui shows
// them, each without importing the others. A field, state or action name is
// written here once; a second copy in another package is a bug.
package hostsync
