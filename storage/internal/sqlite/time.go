package sqlitedb

import (
	"database/sql"
	"time"
)

// Times are kept in INTEGER columns as Unix milliseconds and read back in
// UTC. A column that may be unset holds either 0 (Millis, Time) or NULL
// (NullMillis, NullTime) for the zero time; each table says which.

// Millis returns t as a column value: Unix milliseconds, 0 for the zero time.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Time is the inverse of Millis: 0 is the zero time.
func Time(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// NullMillis returns t as a column value: Unix milliseconds, NULL for the
// zero time.
func NullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// NullTime is the inverse of NullMillis: NULL is the zero time.
func NullTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}
