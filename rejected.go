package hostsync

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxRejectedPath is how much of a refused call's path is kept: a stranger
// choosing a 60 KB path must not choose how much the log grows.
const MaxRejectedPath = 256

// Kept is c as a store keeps it: its path cut to MaxRejectedPath runes.
func (c RejectedCall) Kept() RejectedCall {
	n := 0
	for i := range c.Path {
		if n == MaxRejectedPath {
			c.Path = c.Path[:i]
			break
		}
		n++
	}
	return c
}

// Detail is the activity log's words for a refused call (or, with Count > 1,
// the refusals of one source in one minute): the reason, the method and the
// quoted path, the source. What the caller chose (the path) is capped and
// quoted with its control, format and bidi characters escaped, so that it can
// neither break a line nor pose as the text around it ("(from 10.9.9.9)").
func (c RejectedCall) Detail() string {
	reason := c.Reason
	if c.Admin && !strings.HasPrefix(reason, "admin API") {
		reason = "admin API: " + reason
	}
	call := ""
	if c.Method != "" {
		call = ": " + method(c.Method) + " " + SafeText(c.Path, MaxRejectedPath)
	}
	if c.Count > 1 {
		return fmt.Sprintf("%s refused calls from %s in the minute from %s UTC (the last: %s%s)",
			Count(c.Count), cmpOr(c.Remote, "an unknown address"), c.Since.UTC().Format(time.TimeOnly), reason, call)
	}
	d := reason + call
	if c.Remote != "" {
		d += " (from " + c.Remote + ")"
	}
	return d
}

// method is an HTTP method as is when it is one of the usual uppercase
// words, else quoted: a caller may send any token as its method.
func method(m string) string {
	if len(m) <= 16 && strings.Trim(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
		return m
	}
	return SafeText(m, 16)
}

func cmpOr(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// SafeText is s as a quoted string for a log line: at most max runes (then
// "…"), invalid UTF-8, control, format (zero-width, bidi) and line-breaking
// characters escaped as \uXXXX, quotes and backslashes escaped.
func SafeText(s string, max int) string {
	var b strings.Builder
	b.WriteByte('"')
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if n == max {
			b.WriteString("…")
			break
		}
		n++
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i-1])
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029':
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
