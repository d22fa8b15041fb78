package hostsync

import (
	"strconv"
	"strings"
	"time"
)

// Ago says roughly how long before now t was, for people: "just now",
// "1 minute ago", "5 hours ago", "3 days ago". A t after now is "just now".
func Ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return Plural(int(d/time.Minute), "minute", "minutes") + " ago"
	case d < 48*time.Hour:
		return Plural(int(d/time.Hour), "hour", "hours") + " ago"
	}
	return Plural(int(d/(24*time.Hour)), "day", "days") + " ago"
}

// Plural counts n of something: "0 hosts", "1 host", "12,345 hosts".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Count(n) + " " + many
}

// Count formats n with thousands separators: 12,345.
func Count(n int) string {
	s := strconv.Itoa(n)
	digits := strings.TrimPrefix(s, "-")
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
