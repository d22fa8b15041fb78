package directory

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// hostDetails is the panel beside a hosts table: every attribute, the groups, how Azure AD matches
// the host, and its history in Azure AD's words.
type hostDetails struct {
	body   *fyne.Container
	scroll *container.Scroll
	id     string // the host on display
	hint   string // what the panel says with no host
	// restore, when set, offers Restore on a removed host (the Deleted hosts screen).
	restore    func(hostsync.Host)
	restoreBtn *widget.Button // the last one offered (tests)
}

func newHostDetails(emptyText string) *hostDetails {
	d := &hostDetails{body: container.NewVBox(), hint: emptyText}
	d.scroll = container.NewVScroll(d.body)
	d.clear(emptyText)
	return d
}

func (d *hostDetails) clear(text string) {
	d.id = ""
	hint := widget.NewLabel(text)
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	hint.Alignment = fyne.TextAlignCenter
	d.body.Objects = []fyne.CanvasObject{widget.NewLabel(""), container.NewCenter(widget.NewIcon(theme.AccountIcon())), hint}
	d.body.Refresh()
}

// show lays out one host.
func (d *hostDetails) show(hd *hostsync.HostDetail) {
	h := &hd.Host
	d.id = h.ID
	idp := h.IdP.Name() // the words of the identity provider that provisioned it
	name := h.DisplayName
	if name == "" {
		name = h.UserName
	}
	title := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	title.Truncation = fyne.TextTruncateEllipsis
	state := &widget.Label{Text: stateWords(h), Importance: stateTone(h), TextStyle: fyne.TextStyle{Bold: true}}
	objs := []fyne.CanvasObject{title, state}
	if note := removalNote(h); note != "" {
		objs = append(objs, wrapped(note, widget.MediumImportance))
	}
	d.restoreBtn = nil
	if d.restore != nil && h.State.Removed() {
		host := *h
		d.restoreBtn = &widget.Button{Text: "Restore this host…", Icon: theme.HistoryIcon(), Importance: widget.HighImportance,
			OnTapped: func() { d.restore(host) }}
		objs = append(objs, container.NewHBox(d.restoreBtn))
	}
	if h.IdP != "" {
		objs = append(objs, form([][2]string{{"From", h.IdP.Name()}}))
	}
	tech := [][2]string{{"Host ID", h.ID}, {"State", string(h.State)}}
	if h.RemovedHow != "" {
		tech = append(tech, [2]string{"Removed by request", howRequest(h.RemovedHow)}, [2]string{"Removed by actor", h.RemovedBy()})
	}
	objs = append(objs, techDetails(tech))
	if !h.RestoredAt.IsZero() {
		objs = append(objs, wrapped(fmt.Sprintf("Restored locally %s by %s. %s's next change to this user can undo it; "+
			"the lasting fix is to %s.", whenLocal(h.RestoredAt), hostsync.ActorName(h.RestoredBy), idp, lastingFix(h.IdP)),
			widget.HighImportance))
	}

	objs = append(objs, heading("How "+idp+" matches this host"),
		form([][2]string{{"userName", h.UserName}, {"externalId", h.ExternalID}, {"Work email", h.Email}}),
		wrapped(idp+" looks a user up by these keys before creating it; a different value on either side makes a duplicate.",
			widget.LowImportance))

	objs = append(objs, heading("Attributes"), form(attributes(h)))

	objs = append(objs, heading(fmt.Sprintf("Groups (%d)", len(hd.Groups))))
	if len(hd.Groups) == 0 {
		objs = append(objs, wrapped("In no group.", widget.LowImportance))
	}
	for _, g := range hd.Groups {
		objs = append(objs, widget.NewLabel("• "+g.DisplayName))
	}

	objs = append(objs, heading("History in "+idp))
	if len(hd.History) == 0 {
		objs = append(objs, wrapped("No activity recorded for this host yet.", widget.LowImportance))
	}
	for i := range hd.History {
		objs = append(objs, historyEntry(&hd.History[i]))
	}
	d.body.Objects = objs
	d.body.Refresh()
	d.scroll.ScrollToTop()
}

// removalNote says when, by whom and how a removed host was removed.
func removalNote(h *hostsync.Host) string {
	at := h.RemovedAt()
	if at.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s on %s by %s. Nothing is erased: an admin can restore it.",
		howWords(h), whenLocal(at), h.RemovedByName())
}

// historyEntry is one event: what, when and who on one line, then its changes old → new.
func historyEntry(e *hostsync.Event) fyne.CanvasObject {
	head := &widget.Label{Text: EventWords(e), Importance: actionTone(e.Action), TextStyle: fyne.TextStyle{Bold: true}}
	meta := &widget.Label{Text: whenLocal(e.At) + " · " + eventActor(e), Importance: widget.LowImportance,
		Truncation: fyne.TextTruncateEllipsis}
	objs := []fyne.CanvasObject{container.NewBorder(nil, nil, head, nil, meta)}
	for _, c := range e.Changes {
		objs = append(objs, wrapped(fmt.Sprintf("    %s: %s → %s", fieldWords(c.Field), valueWords(c.Old), valueWords(c.New)),
			widget.MediumImportance))
	}
	if e.Detail != "" {
		objs = append(objs, wrapped("    "+e.Detail, widget.LowImportance))
	}
	return container.NewVBox(objs...)
}

// valueWords shows an old or new value: text as is, nothing as "(none)", anything else as JSON.
func valueWords(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		if x == "" {
			return "(empty)"
		}
		return "“" + x + "”"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// attributes flattens the SCIM resource into readable label/value pairs: core attributes, then
// the enterprise extension. Multi-valued ones are labelled by type ("Work email", "Mobile phone").
func attributes(h *hostsync.Host) [][2]string {
	var res map[string]any
	if err := json.Unmarshal(h.Resource, &res); err != nil || res == nil {
		return [][2]string{{"User name (UPN)", h.UserName}, {"Display name", h.DisplayName}}
	}
	var out [][2]string
	ent, _ := res[enterpriseURN].(map[string]any)
	delete(res, enterpriseURN)
	for _, skip := range []string{"schemas", "meta", "id", "groups"} {
		delete(res, skip)
	}
	// Azure AD's DELETE leaves the resource's "active": true behind; a removed host is not active.
	if _, ok := res["active"]; ok || h.State != hostsync.StateActive {
		res["active"] = h.State == hostsync.StateActive
	}
	flatten("", res, &out)
	flatten("", ent, &out)
	return out
}

func flatten(prefix string, m map[string]any, out *[][2]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return attrRank(prefix+keys[i]) < attrRank(prefix+keys[j]) || (attrRank(prefix+keys[i]) == attrRank(prefix+keys[j]) && keys[i] < keys[j])
	})
	for _, k := range keys {
		path := prefix + k
		switch v := m[k].(type) {
		case map[string]any:
			flatten(path+".", v, out)
		case []any:
			for _, item := range v {
				obj, ok := item.(map[string]any)
				if !ok {
					*out = append(*out, [2]string{label(path), scalar(item)})
					continue
				}
				kind, _ := obj["type"].(string)
				base := label(path + ".value")
				if val, ok := obj["value"]; ok {
					*out = append(*out, [2]string{typed(kind, base), scalar(val) + primary(obj)})
					continue
				}
				// addresses and other complex values: one row per sub-attribute
				sub := map[string]any{}
				for sk, sv := range obj {
					if sk != "type" && sk != "primary" {
						sub[sk] = sv
					}
				}
				var rows [][2]string
				flatten(path+".", sub, &rows)
				for _, r := range rows {
					*out = append(*out, [2]string{typed(kind, r[0]), r[1]})
				}
			}
		default:
			*out = append(*out, [2]string{label(path), scalar(v)})
		}
	}
}

// attrRank puts the attributes people look for first.
func attrRank(path string) int {
	for i, p := range []string{"userName", "displayName", "name", "title", "department", "emails", "phoneNumbers",
		"manager", "employeeNumber", "active", "externalId"} {
		if path == p || strings.HasPrefix(path, p+".") {
			return i
		}
	}
	return 100
}

func label(path string) string {
	if l, ok := attrLabels[path]; ok {
		return l
	}
	if i := strings.LastIndex(path, "."); i >= 0 && path[i+1:] != "value" {
		return path[i+1:]
	}
	return strings.TrimSuffix(path, ".value")
}

func typed(kind, base string) string {
	if kind == "" {
		return base
	}
	return strings.ToUpper(kind[:1]) + kind[1:] + " " + strings.ToLower(base)
}

func primary(obj map[string]any) string {
	if p, _ := obj["primary"].(bool); p {
		return " (primary)"
	}
	return ""
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// form lays out label/value rows; values are selectable so they can be copied. A long value
// without spaces (an email, an id) wraps after its @, dots, dashes and slashes, never inside a
// word; it is then shown with a Copy button, as its selectable text would hold the break points.
func form(rows [][2]string) fyne.CanvasObject {
	objs := make([]fyne.CanvasObject, 0, 2*len(rows))
	for _, r := range rows {
		k := &widget.Label{Text: r[0], TextStyle: fyne.TextStyle{Italic: true}}
		v := &widget.Label{Text: r[1], Selectable: true, Wrapping: fyne.TextWrapWord}
		var cell fyne.CanvasObject = v
		switch shown := breakable(r[1]); {
		case r[1] == "":
			v.Text, v.Importance = "—", widget.LowImportance
		case shown != r[1]:
			v.Text, v.Selectable = shown, false
			value := r[1]
			cp := &widget.Button{Icon: theme.ContentCopyIcon(), Importance: widget.LowImportance}
			cp.OnTapped = func() { fyne.CurrentApp().Clipboard().SetContent(value) }
			cell = container.NewBorder(nil, nil, nil, cp, v)
		}
		objs = append(objs, k, cell)
	}
	return container.New(layout.NewFormLayout(), objs...)
}

// wrapPoint is an invisible space: Fyne wraps words only at spaces.
const wrapPoint = "\u200a"

// breakable returns s with a hair space after each @ . - _ / of its long words (an email, an
// id), so that they wrap there (noah.müller@ | contoso.com); short words are left as they are.
func breakable(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		if utf8.RuneCountInString(w) < 24 {
			continue
		}
		var b strings.Builder
		for _, r := range w {
			b.WriteRune(r)
			if strings.ContainsRune("@.-_/", r) {
				b.WriteString(wrapPoint)
			}
		}
		words[i] = strings.TrimSuffix(b.String(), wrapPoint)
	}
	return strings.Join(words, " ")
}

func heading(text string) fyne.CanvasObject {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewVBox(widget.NewSeparator(), l)
}

func wrapped(text string, imp widget.Importance) *widget.Label {
	return &widget.Label{Text: text, Wrapping: fyne.TextWrapWord, Importance: imp}
}
