package hostsync

import "time"

// Group is a group in any state with its live members' host ids, as the
// admin API's change feed shows it.
type Group struct {
	ID          string    `json:"id"`
	Seq         int64     `json:"seq"`
	DisplayName string    `json:"displayName"`
	ExternalID  string    `json:"externalId,omitempty"`
	Members     []string  `json:"members"` // the service always sends a list, [] when empty
	Created     time.Time `json:"created"`
	Modified    time.Time `json:"modified"`
	DeletedAt   time.Time `json:"deletedAt,omitzero"`
	DeletedBy   string    `json:"deletedBy,omitempty"`
}
