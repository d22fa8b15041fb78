package scimserver

import (
	"context"
	"maps"
	"slices"

	"github.com/visitly/hostsync"
)

// calls is what the status endpoint says about the calls the service saw.
type calls struct {
	lastOK                  *hostsync.Call
	rejected, rejectedAdmin *hostsync.Call
	idps                    []hostsync.IdPStatus
}

// callStatus reads the calls' state from the store, so that it survives a
// restart: the keys' last calls (their last-used time, method and path), each
// IdP's last change (kept in memory by the store) and the last refusals. It
// reads the keys table (a few rows) and the rejected_calls table (two rows):
// cheap enough for a console that polls every few seconds.
func (s *Server) callStatus(ctx context.Context) (calls, error) {
	var out calls
	keys, err := s.st.ListAPIKeys(ctx)
	if err != nil {
		return out, err
	}
	changes, err := s.st.LastChanges(ctx)
	if err != nil {
		return out, err
	}
	rej, rejAdmin, err := s.st.LastRejected(ctx)
	if err != nil {
		return out, err
	}
	byIdP := map[hostsync.IdP]*hostsync.IdPStatus{}
	for _, k := range keys {
		p := k.IdP.Or()
		st := byIdP[p]
		if st == nil {
			st = &hostsync.IdPStatus{IdP: p}
			byIdP[p] = st
		}
		if k.Revoked.IsZero() {
			st.Keys++
		}
		if k.LastUsed.IsZero() {
			continue
		}
		a := hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: k.ID, IdP: p}
		c := &hostsync.Call{At: k.LastUsed.UTC(), Actor: a.String(), IdP: p, Method: k.LastMethod, Path: k.LastPath}
		if st.LastSuccessfulCall == nil || c.At.After(st.LastSuccessfulCall.At) {
			st.LastSuccessfulCall = c
		}
		if out.lastOK == nil || c.At.After(out.lastOK.At) {
			out.lastOK = c
		}
	}
	for p, ch := range changes {
		st := byIdP[p]
		if st == nil {
			st = &hostsync.IdPStatus{IdP: p}
			byIdP[p] = st
		}
		st.LastChange = &hostsync.Call{At: ch.At.UTC(), Actor: ch.Actor, IdP: p, Method: ch.Method, Path: ch.Path,
			Action: ch.Action, Target: ch.Target}
	}
	// In the console's order, then any IdP a newer service wrote. Never nil:
	// an empty list tells a console that no IdP has a key yet, where null
	// would mean a service too old to say.
	out.idps = []hostsync.IdPStatus{}
	for _, p := range hostsync.IdPs {
		if st := byIdP[p]; st != nil {
			out.idps = append(out.idps, *st)
			delete(byIdP, p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(byIdP)) {
		out.idps = append(out.idps, *byIdP[p])
	}
	out.rejected = rejectedCall(latest(s.rej.Load(), rej))
	out.rejectedAdmin = rejectedCall(latest(s.rejAdmin.Load(), rejAdmin))
	return out, nil
}

// latest returns the later of this process's refusal and the stored one.
func latest(mem, stored *hostsync.RejectedCall) *hostsync.RejectedCall {
	if mem == nil || stored != nil && stored.At.After(mem.At) {
		return stored
	}
	return mem
}

func rejectedCall(c *hostsync.RejectedCall) *hostsync.Call {
	if c == nil {
		return nil
	}
	return &hostsync.Call{At: c.At.UTC(), Method: c.Method, Path: c.Path, Remote: c.Remote, Reason: c.Reason}
}
