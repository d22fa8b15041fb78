package main

import (
	"context"

	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/storage/mirror"
)

// mirrorSource adapts *scimclient.Client to mirror.Source (and HeadSource,
// for a progress fraction). The window's sync uses it too.
type mirrorSource struct{ c *scimclient.Client }

func (s mirrorSource) Changes(ctx context.Context, since int64, limit int) (mirror.ChangePage, error) {
	p, err := s.c.Changes(ctx, since, limit)
	if err != nil {
		return mirror.ChangePage{}, err
	}
	out := mirror.ChangePage{Cursor: p.Cursor, More: p.More, Changes: make([]mirror.Change, 0, len(p.Changes))}
	for _, c := range p.Changes {
		mc := mirror.Change{Seq: c.Seq, Type: c.Type}
		if c.Host != nil {
			h := mirrorHost(c.Host)
			mc.Host = &h
		}
		if c.Group != nil {
			g := c.Group
			mc.Group = &mirror.Group{ID: g.ID, Seq: g.Seq, DisplayName: g.DisplayName, ExternalID: g.ExternalID,
				Members: g.Members, Created: g.Created, Modified: g.Modified, DeletedAt: g.DeletedAt, DeletedBy: g.DeletedBy}
		}
		out.Changes = append(out.Changes, mc)
	}
	return out, nil
}

func (s mirrorSource) Activity(ctx context.Context, since int64, limit int) (mirror.ActivityPage, error) {
	p, err := s.c.Activity(ctx, scimclient.ActivityQuery{Since: since, Limit: limit})
	if err != nil {
		return mirror.ActivityPage{}, err
	}
	out := mirror.ActivityPage{Cursor: p.Cursor, More: p.More, Events: make([]mirror.Event, 0, len(p.Events))}
	for _, e := range p.Events {
		me := mirror.Event{Seq: e.Seq, At: e.At, Actor: e.Actor, ActorName: e.ActorName, Action: e.Action,
			ResourceType: e.ResourceType, ResourceID: e.ResourceID, UserName: e.UserName, Detail: e.Detail}
		for _, fc := range e.Changes {
			me.Changes = append(me.Changes, mirror.FieldChange{Field: fc.Field, Old: fc.Old, New: fc.New})
		}
		out.Events = append(out.Events, me)
	}
	return out, nil
}

// Head is the service's latest seq.
func (s mirrorSource) Head(ctx context.Context) (int64, error) {
	st, err := s.c.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.Cursor, nil
}

func mirrorHost(h *scimclient.Host) mirror.Host {
	return mirror.Host{ID: h.ID, Seq: h.Seq, State: h.State, UserName: h.UserName, ExternalID: h.ExternalID,
		DisplayName: h.DisplayName, Email: h.Email, Active: h.Active, Created: h.Created, Modified: h.Modified,
		DeactivatedAt: h.DeactivatedAt, DeactivatedBy: h.DeactivatedBy, DeletedAt: h.DeletedAt, DeletedBy: h.DeletedBy,
		RemovedHow: h.RemovedHow, RestoredAt: h.RestoredAt, RestoredBy: h.RestoredBy, Resource: h.Resource}
}
