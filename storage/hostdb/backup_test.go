package hostdb

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

// TestBackupUnderWriteLoad backs up while 16 goroutines create hosts, then
// restores the backup: it must pass the integrity check, hold every host
// acknowledged before Backup was called, and be one commit's snapshot (each
// host there has its creation event there, and no event lacks its host).
func TestBackupUnderWriteLoad(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	dir := t.TempDir()
	var (
		mu    sync.Mutex
		acked []string
		stop  = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make(chan error, 16)
	)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				h, err := s.CreateHost(ctx, azure, hostDoc(fmt.Sprintf("w%d-%d", w, i), true, nil))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				acked = append(acked, h.ID)
				mu.Unlock()
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 500 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	before := slices.Clone(acked)
	mu.Unlock()
	backupPath := filepath.Join(dir, "hostsync-backup.db")
	err := s.Backup(ctx, backupPath)
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("write during backup: %v", err)
	}
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if during == 0 {
		t.Errorf("no write was acknowledged while the backup ran: the test did not test backing up under load")
	}
	t.Logf("%d hosts acknowledged before the backup, %d while it ran", len(before), during)
	if err := CheckBackup(ctx, backupPath); err != nil {
		t.Fatalf("CheckBackup: %v", err)
	}

	restored := filepath.Join(dir, "restored.db")
	if _, err := Restore(ctx, backupPath, restored, false); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	r, err := Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, id := range before {
		if _, err := r.GetHost(ctx, id); err != nil {
			t.Fatalf("host %s acknowledged before the backup: %v", id, err)
		}
	}
	var hosts, created, orphans int
	q := func(query string, v *int) {
		t.Helper()
		if err := r.r.QueryRowContext(ctx, query).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	q("SELECT count(*) FROM hosts", &hosts)
	q("SELECT count(*) FROM activity WHERE action = 'host.created'", &created)
	q(`SELECT count(*) FROM activity a WHERE action = 'host.created'
		AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.id = a.resource_id)`, &orphans)
	if hosts != created || orphans != 0 || hosts < len(before) {
		t.Errorf("restored: %d hosts, %d creation events, %d events without their host; %d acknowledged before",
			hosts, created, orphans, len(before))
	}
	if _, err := r.CreateHost(ctx, azure, hostDoc("after-restore", true, nil)); err != nil {
		t.Errorf("write to the restored database: %v", err)
	}
	assertOnlyFiles(t, dir, "hostsync-backup.db", "restored.db", "restored.db-shm", "restored.db-wal")
}

// assertOnlyFiles fails if dir holds anything but names (a partial file
// left behind, for one).
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(names, e.Name()) {
			t.Errorf("%s left in %s", e.Name(), dir)
		}
	}
}

// TestBackupFailuresLeaveNothing: a backup that cannot be written fails
// with an error the caller can tell apart, leaves no file, and the store
// goes on serving.
func TestBackupFailuresLeaveNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	mustCreateHost(t, s, "alice", nil)
	dir := t.TempDir()
	existing := filepath.Join(dir, "taken.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want       error
	}{
		{"target exists", existing, fs.ErrExist},
		{"folder missing", filepath.Join(dir, "no", "such", "b.db"), fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Backup(ctx, tc.path)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Backup(%s) = %v, want %v", tc.path, err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("the existing file was changed: %q", b)
	}
	assertOnlyFiles(t, dir, "taken.db")
	mustCreateHost(t, s, "bob", nil)
}

// TestBackupOnFullDisk fills a small tmpfs: the backup fails with
// ErrNoSpace, leaves no partial file, and the store still takes writes.
// Mounting needs privileges; without them the test skips.
func TestBackupOnFullDisk(t *testing.T) {
	dir := mountTiny(t, 96<<10)
	ctx := context.Background()
	s, _ := openTest(t)
	for i := range 300 {
		mustCreateHost(t, s, fmt.Sprintf("user%03d", i), nil)
	}
	err := s.Backup(ctx, filepath.Join(dir, "b.db"))
	if !errors.Is(err, hostsync.ErrNoSpace) {
		t.Fatalf("Backup to a full disk = %v, want hostsync.ErrNoSpace", err)
	}
	t.Logf("error: %v", err)
	assertOnlyFiles(t, dir)
	mustCreateHost(t, s, "after", nil)
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "hostsync.db")
	s, err := Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	alice := mustCreateHost(t, s, "alice", nil)
	backupPath := filepath.Join(dir, "b.db")
	if err := s.Backup(ctx, backupPath); err != nil {
		t.Fatal(err)
	}
	mustCreateHost(t, s, "bob", nil) // after the backup: gone after the restore

	if _, err := Restore(ctx, backupPath, live, false); !errors.Is(err, fs.ErrExist) {
		t.Errorf("restore over an existing database without force = %v, want fs.ErrExist", err)
	}
	if _, err := Restore(ctx, backupPath, live, true); !errors.Is(err, ErrInUse) {
		t.Errorf("restore while the store has it open = %v, want ErrInUse", err)
	}
	mustCreateHost(t, s, "carol", nil) // the refused restores changed nothing
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A stale WAL of the old database must not be replayed into the
	// restored one.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.WriteFile(live+suffix, []byte("stale"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The service's user must be able to open the restored file.
	if err := os.Chmod(live, 0o640); err != nil {
		t.Fatal(err)
	}
	const uid = 4242
	asRoot := os.Geteuid() == 0
	if asRoot {
		if err := os.Chown(live, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Restore(ctx, backupPath, live, true)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if fi, err := os.Stat(live); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o640 {
		t.Errorf("restored file: %v, %v; want the old file's mode 0640", fi.Mode(), err)
	}
	if owner := fileOwner(t, live); asRoot && owner != uid {
		t.Errorf("restored file owned by %d, want the old file's owner %d", owner, uid)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(live + suffix); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still there after the restore (%v)", suffix, err)
		}
	}
	s, err = Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetHost(ctx, alice.ID); err != nil {
		t.Errorf("alice after restore: %v", err)
	}
	if c, err := s.Counts(ctx); err != nil || c.Active != 1 {
		t.Errorf("after restore: %+v, %v; want alice alone", c, err)
	}
	if _, err := Restore(ctx, backupPath, backupPath, true); err == nil {
		t.Errorf("restoring a backup over itself succeeded")
	}
	// The replaced database is kept, whole, beside the restored one, with
	// the WAL that belonged to it.
	kept := filepath.Base(rep.Kept)
	if !strings.HasPrefix(kept, "hostsync.db.before-restore-") || filepath.Dir(rep.Kept) != dir {
		t.Errorf("replaced database kept as %q", rep.Kept)
	}
	assertOnlyFiles(t, dir, "hostsync.db", "hostsync.db-wal", "hostsync.db-shm", "b.db", kept, kept+"-wal")
	old, err := Open(ctx, rep.Kept)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if c, err := old.Counts(ctx); err != nil || c.Active != 3 {
		t.Errorf("kept database: %+v, %v; want alice, bob and carol", c, err)
	}
}

// TestCheckBackupRejects: every kind of file that is not a usable backup is
// ErrBadBackup, and Restore leaves the database alone for it.
func TestCheckBackupRejects(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := openTest(t)
	for i := range 200 {
		mustCreateHost(t, s, fmt.Sprintf("user%03d", i), nil)
	}
	good := filepath.Join(dir, "good.db")
	if err := s.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	if err := CheckBackup(ctx, good); err != nil {
		t.Fatalf("CheckBackup of a good backup: %v", err)
	}
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sqliteFile := func(name string, stmts ...string) string {
		p := filepath.Join(dir, name)
		db, err := sql.Open("sqlite", "file:"+p)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, st := range stmts {
			if _, err := db.Exec(st); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	damaged := slices.Clone(goodBytes)
	for i := 2 * 4096; i < len(damaged)-4096; i += 4096 { // page 3 on: index and table pages
		copy(damaged[i+8:i+200], strings.Repeat("x", 192))
	}
	newer := sqliteFile("newer.db", "CREATE TABLE hosts(n); CREATE TABLE groups(n); CREATE TABLE activity(n)", "PRAGMA user_version = 999")
	live := write("live.db", goodBytes)
	write("live.db-wal", []byte("frames"))
	known, err := schema.Version()
	if err != nil {
		t.Fatal(err)
	}
	altered := sqliteFile // on a copy of the good backup written first
	write("trigger.db", goodBytes)
	write("view.db", goodBytes)
	write("index.db", goodBytes)
	write("key.db", goodBytes)
	write("token.db", goodBytes)
	write("table.db", goodBytes)
	for _, tc := range []struct{ name, path, want string }{
		{"text file", write("notes.txt", []byte("SQLite format 3 is what this is not\n")), "not an SQLite database"},
		{"another program's database", sqliteFile("other.db", "CREATE TABLE t(x)", "PRAGMA user_version = 1"), "not a Visitly host database"},
		{"damaged", write("damaged.db", damaged), "damaged ("},
		{"newer schema", newer, "newer version"},
		{"live database with its WAL", live, "live database"},
		{"junk tables with the right version", sqliteFile("junk.db", "CREATE TABLE hosts(n); CREATE TABLE groups(n); CREATE TABLE activity(n)",
			fmt.Sprintf("PRAGMA user_version = %d", known)), "not the schema this program made"},
		{"a trigger planted", altered("trigger.db", `CREATE TRIGGER revive AFTER UPDATE OF revoked ON api_keys
			BEGIN UPDATE api_keys SET revoked = NULL WHERE id = new.id; END`), "extra trigger revive"},
		{"a view planted", altered("view.db", "CREATE VIEW v AS SELECT * FROM hosts"), "extra view v"},
		{"an index planted", altered("index.db", "CREATE INDEX x ON hosts (attrs)"), "extra index x"},
		{"an index dropped", altered("table.db", "DROP INDEX hosts_seq"), "index hosts_seq is missing"},
		{"a key row planted", altered("key.db", `INSERT INTO api_keys (label, prefix, hash, created, idp)
			VALUES ('x', 'vhs_AAAA', randomblob(32), 0, 'azuread')`), "no apikey.created entry"},
		{"an admin credential planted", altered("token.db", `INSERT INTO admin_token (id, prefix, hash, created)
			VALUES (1, 'vha_AAAA', randomblob(32), 0)`), "no admintoken.rotated entry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBackup(ctx, tc.path)
			if !errors.Is(err, ErrBadBackup) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("CheckBackup = %v, want ErrBadBackup saying %q on one line", err, tc.want)
			}
			if testing.Verbose() {
				t.Log(err)
			}
			target := filepath.Join(dir, "target-"+filepath.Base(tc.path))
			if err := os.WriteFile(target, goodBytes, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Restore(ctx, tc.path, target, true); !errors.Is(err, ErrBadBackup) {
				t.Fatalf("Restore = %v, want ErrBadBackup", err)
			}
			if b, _ := os.ReadFile(target); !slices.Equal(b, goodBytes) {
				t.Errorf("a refused restore changed the database")
			}
			if err := CheckBackup(ctx, target); err != nil {
				t.Errorf("the database after a refused restore: %v", err)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".partial-") {
			t.Errorf("%s left behind", e.Name())
		}
	}
}

// TestBackupFile: the CLI's backup creates no database that is missing,
// writes into a folder under a dated name, and leaves nothing beside a
// database no service has open.
func TestBackupFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := BackupFile(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "b.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("backup of a missing database = %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("backup created the database it was asked to copy")
	}
	s, path := openTest(t)
	mustCreateHost(t, s, "alice", nil)
	got, err := BackupFile(ctx, path, dir) // a folder: a BackupInto name inside
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(got) != dir || !strings.HasPrefix(filepath.Base(got), backupPrefix) {
		t.Errorf("backup into a folder wrote %s", got)
	}
	if err := CheckBackup(ctx, got); err != nil {
		t.Error(err)
	}

	stopped := filepath.Join(t.TempDir(), "hostsync.db")
	st, err := Open(ctx, stopped)
	if err != nil {
		t.Fatal(err)
	}
	mustCreateHost(t, st, "bob", nil)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := BackupFile(ctx, stopped, filepath.Join(filepath.Dir(stopped), "b.db")); err != nil {
		t.Fatal(err)
	}
	assertOnlyFiles(t, filepath.Dir(stopped), "hostsync.db", "b.db")
}

func TestRotateBackups(t *testing.T) {
	dir := t.TempDir()
	s, _ := openTest(t)
	ctx := context.Background()
	first, err := s.BackupInto(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckBackup(ctx, first); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	var names []string
	for i := range 9 {
		n := backupPrefix + base.AddDate(0, 0, i).Format(backupLayout) + backupSuffix
		names = append(names, n)
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A partial file of a backup still being written stays; one a day old
	// was left by a killed process.
	fresh, stale := "."+names[8]+".partial-123", "."+names[7]+".partial-456"
	others := []string{"hostsync.db", "hostsync-notes.db", "hostsync-2026-01-01T03-00-00Z.db.txt", fresh}
	for _, n := range append(others, stale) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-25 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, stale), old, old); err != nil {
		t.Fatal(err)
	}
	removed, err := RotateBackups(dir, 7)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range slices.Concat(names[:3], []string{stale}) { // 10 backups: the 3 oldest go
		want = append(want, filepath.Join(dir, n))
	}
	if !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	kept := slices.Concat(names[3:], []string{filepath.Base(first)}, others)
	assertOnlyFiles(t, dir, kept...)
	if _, err := RotateBackups(dir, 0); err == nil {
		t.Error("keep 0 accepted: it would remove every backup")
	}
}

func TestReady(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	mustCreateHost(t, s, "alice", nil)
	before, gen := len(events(t, s)), s.gen.Load()
	for range 3 {
		if err := s.Ready(ctx); err != nil {
			t.Fatalf("Ready: %v", err)
		}
	}
	if n := len(events(t, s)); n != before {
		t.Errorf("Ready added %d events", n-before)
	}
	// It changed nothing, so a paging client's page memo stays valid.
	if g := s.gen.Load(); g != gen {
		t.Errorf("Ready moved the write generation %d times", g-gen)
	}
	if ch, _, _, err := s.Changes(ctx, 0, 100); err != nil || len(ch) != 1 {
		t.Errorf("change feed after Ready: %d changes, %v; want alice alone", len(ch), err)
	}
	// Another process migrated the file further: this program is not
	// ready to write it.
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err == nil || !strings.Contains(err.Error(), "schema") {
		t.Errorf("Ready with a newer schema = %v", err)
	}
	known, err := schema.Version()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(fmt.Sprintf("PRAGMA user_version = %d", known)); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("Ready: %v", err)
	}
	// The writer holds the write lock of another connection: not ready,
	// within the caller's deadline.
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO activity (at, actor, actor_name, action, resource_type) VALUES (0, 'x', 'x', 'x', 'x')"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := s.Ready(short); err == nil {
		t.Errorf("Ready while another connection holds the write lock: nil")
	}
	tx.Rollback()
}

// TestRestoreAcrossProcesses: a restore is refused while another process
// (TestKillChild, writing hosts) has the database open, and once that
// process is killed in the middle of its writes — leaving its WAL behind —
// the restore succeeds and the file holds the backup, not the dead
// process's writes.
func TestRestoreAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	ctx := context.Background()
	dir := t.TempDir()
	backupPath := filepath.Join(dir, "b.db")
	{
		s, err := Open(ctx, filepath.Join(dir, "source.db"))
		if err != nil {
			t.Fatal(err)
		}
		mustCreateHost(t, s, "alice", nil)
		err = s.Backup(ctx, backupPath)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	live := filepath.Join(dir, "hostsync.db")
	cmd, out := startKillChild(t, live)
	timeout := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timeout.Stop()
	sc := bufio.NewScanner(out)
	for n := 0; n < 50 && sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "ID ") {
			n++
		}
	}
	if _, err := Restore(ctx, backupPath, live, true); !errors.Is(err, ErrInUse) {
		t.Errorf("restore while another process writes = %v, want ErrInUse", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if fi, err := os.Stat(live + "-wal"); err != nil || fi.Size() == 0 {
		t.Logf("no WAL left by the killed process (%v)", err)
	}
	if _, err := Restore(ctx, backupPath, live, true); err != nil {
		t.Fatalf("restore after the process died: %v", err)
	}
	s, err := Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, err := s.Counts(ctx); err != nil || c.Active != 1 {
		t.Errorf("restored database: %+v, %v; want alice alone", c, err)
	}
}
