package hostdb

import "github.com/visitly/hostsync/storage/internal/namekey"

// userNameKey is the user_name_key of a userName, unique among live hosts:
// userNames people cannot tell apart ("ann", "ANN", "ａｎｎ", "é" typed two
// ways) are one host. Every statement that writes or looks up the key gets
// it from here.
func userNameKey(userName string) string { return namekey.Key(userName) }

// groupNameKey is the display_name_key of a group's displayName, unique
// among live groups (Azure AD needs displayName unique).
func groupNameKey(displayName string) string { return namekey.Key(displayName) }
