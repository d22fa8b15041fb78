package main

import (
	"crypto/sha1"
	"encoding/binary"
	"strconv"
	"strings"
	"unicode/utf16"
)

// openFolderError says that others than the service (and the system's
// administrators) may read or write the data folder: the database with
// the directory and the key hashes, the TLS and ACME keys, and — for
// writers — a -wal or -journal file SQLite would replay into the database.
type openFolderError struct {
	dir, who string // who: in words, e.g. "other users (mode drwxr-xr-x)"
}

func (e *openFolderError) Error() string {
	return "data folder " + e.dir + " is open to " + e.who
}

// serviceSID is the SID Windows gives the service named name, which is
// also its virtual account's (NT SERVICE\name): S-1-5-80 followed by the
// SHA-1 of the upper-case name in UTF-16LE, read as five little-endian
// 32-bit numbers. Computed rather than looked up, so that the data folder
// can be secured before the service exists.
func serviceSID(name string) string {
	u := utf16.Encode([]rune(strings.ToUpper(name)))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	sum := sha1.Sum(b)
	sid := "S-1-5-80"
	for i := 0; i < len(sum); i += 4 {
		sid += "-" + strconv.FormatUint(uint64(binary.LittleEndian.Uint32(sum[i:])), 10)
	}
	return sid
}
