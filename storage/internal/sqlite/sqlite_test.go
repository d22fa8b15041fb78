package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// schemaOf is a schema of the given files, by name, in folder "m".
func schemaOf(files map[string]string) Schema {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys["m/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return Schema{FS: fsys, Dir: "m"}
}

func openWriter(t *testing.T, path string, d Durability, s Schema) (*sql.DB, error) {
	t.Helper()
	dsn, err := DSN(path, d)
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenWriter(context.Background(), dsn, s)
	if err == nil {
		t.Cleanup(func() { db.Close() })
	}
	return db, err
}

func query[T any](t *testing.T, db *sql.DB, q string) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func TestDurabilityPragmas(t *testing.T) {
	tests := []struct {
		d         Durability
		sync      int // PRAGMA synchronous: 1 NORMAL, 2 FULL
		fullfsync int
	}{
		{SurvivesCrash, 1, 0},
		{SurvivesPowerLoss, 2, map[bool]int{true: 1}[runtime.GOOS == "darwin"]},
	}
	for _, tt := range tests {
		t.Run(map[Durability]string{SurvivesCrash: "crash", SurvivesPowerLoss: "power loss"}[tt.d], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.db")
			w, err := openWriter(t, path, tt.d, schemaOf(map[string]string{"001_t.sql": "CREATE TABLE t (x)"}))
			if err != nil {
				t.Fatal(err)
			}
			dsn, _ := DSN(path, tt.d)
			r, err := OpenReaders(dsn, 2)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for name, db := range map[string]*sql.DB{"writer": w, "reader": r} {
				if got := query[int](t, db, "PRAGMA synchronous"); got != tt.sync {
					t.Errorf("%s: synchronous = %d, want %d", name, got, tt.sync)
				}
				if got := query[int](t, db, "PRAGMA fullfsync"); got != tt.fullfsync {
					t.Errorf("%s: fullfsync = %d, want %d", name, got, tt.fullfsync)
				}
				if got := query[int](t, db, "PRAGMA checkpoint_fullfsync"); got != tt.fullfsync {
					t.Errorf("%s: checkpoint_fullfsync = %d, want %d", name, got, tt.fullfsync)
				}
				if got := query[string](t, db, "PRAGMA journal_mode"); got != "wal" {
					t.Errorf("%s: journal_mode = %q, want wal", name, got)
				}
				if got := query[int](t, db, "PRAGMA foreign_keys"); got != 1 {
					t.Errorf("%s: foreign_keys = %d, want 1", name, got)
				}
			}
			if got := query[int](t, r, "PRAGMA query_only"); got != 1 {
				t.Errorf("reader: query_only = %d, want 1", got)
			}
			if _, err := r.Exec("INSERT INTO t VALUES (1)"); err == nil {
				t.Error("a reader could write")
			}
		})
	}
}

// TestEveryConnectionDistrustsTheSchema: the writer and the readers run
// with trusted_schema off, so a view or trigger a file brings cannot call
// what SQLite does not mark harmless.
func TestEveryConnectionDistrustsTheSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	w, err := openWriter(t, path, SurvivesCrash, schemaOf(map[string]string{"001_t.sql": "CREATE TABLE t (x)"}))
	if err != nil {
		t.Fatal(err)
	}
	dsn, _ := DSN(path, SurvivesCrash)
	r, err := OpenReaders(dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for name, db := range map[string]*sql.DB{"writer": w, "reader": r} {
		var on int
		if err := db.QueryRow("PRAGMA trusted_schema").Scan(&on); err != nil || on != 0 {
			t.Errorf("%s: trusted_schema = %d, %v; want 0", name, on, err)
		}
	}
}

// On a Mac fsync does not reach the platter: SurvivesPowerLoss adds F_FULLFSYNC there, for the
// WAL's syncs and the checkpoints', and nowhere else. (TestDurabilityPragmas opens files with the
// pragmas of the OS it runs on.)
func TestDurabilityPragmasPerOS(t *testing.T) {
	full := []string{"fullfsync(1)", "checkpoint_fullfsync(1)"}
	tests := []struct {
		d    Durability
		goos string
		want []string
	}{
		{SurvivesPowerLoss, "darwin", append([]string{"synchronous(FULL)"}, full...)},
		{SurvivesPowerLoss, "linux", []string{"synchronous(FULL)"}},
		{SurvivesPowerLoss, "windows", []string{"synchronous(FULL)"}},
		{SurvivesCrash, "darwin", []string{"synchronous(NORMAL)"}},
	}
	for _, tt := range tests {
		if got := tt.d.pragmas(tt.goos); !slices.Equal(got, tt.want) {
			t.Errorf("durability %d on %s: pragmas %q, want %q", tt.d, tt.goos, got, tt.want)
		}
	}
}

func TestDSNKeepsOddFolderNames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "odd ?#% name")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "a.db")
	if _, err := openWriter(t, path, SurvivesCrash, schemaOf(map[string]string{"001_t.sql": "CREATE TABLE t (x)"})); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the given path: %v", err)
	}
}

// TestMigrationsApplyOnlyNewSteps upgrades a version-1 file with a second
// step, and checks that a failing step changes nothing.
func TestMigrationsApplyOnlyNewSteps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	v1 := map[string]string{"001_init.sql": "CREATE TABLE t (x); INSERT INTO t VALUES ('kept')"}
	db, err := openWriter(t, path, SurvivesCrash, schemaOf(v1))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	v2 := map[string]string{"001_init.sql": v1["001_init.sql"], "002_add_column.sql": "ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT ''"}
	for range 2 { // the second time there is nothing to do
		db, err := openWriter(t, path, SurvivesCrash, schemaOf(v2))
		if err != nil {
			t.Fatal(err)
		}
		if got := query[int](t, db, "PRAGMA user_version"); got != 2 {
			t.Errorf("user_version %d, want 2", got)
		}
		db.Close()
	}

	v3 := map[string]string{"003_bad.sql": "CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1)"}
	for k, v := range v2 {
		v3[k] = v
	}
	if _, err := openWriter(t, path, SurvivesCrash, schemaOf(v3)); err == nil || !strings.Contains(err.Error(), "003_bad.sql") {
		t.Fatalf("failing migration: err = %v, want one naming 003_bad.sql", err)
	}
	db, err = openWriter(t, path, SurvivesCrash, schemaOf(v2))
	if err != nil {
		t.Fatal(err)
	}
	if got := query[int](t, db, "PRAGMA user_version"); got != 2 {
		t.Errorf("user_version %d after a failed step, want 2", got)
	}
	if n := query[int](t, db, "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'"); n != 0 {
		t.Error("failed step left its table behind")
	}
	if got := query[string](t, db, "SELECT x || note FROM t"); got != "kept" {
		t.Errorf("row after migrating = %q, want kept", got)
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	db, err := openWriter(t, path, SurvivesCrash, schemaOf(map[string]string{"001_t.sql": "CREATE TABLE t (x)"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = openWriter(t, path, SurvivesCrash, schemaOf(map[string]string{"001_t.sql": "CREATE TABLE t (x)"}))
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("open of a newer schema: err = %v, want a 'newer' error", err)
	}
}

func TestMigrationNamesAreChecked(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
	}{
		{"gap", map[string]string{"001_a.sql": "SELECT 1", "003_c.sql": "SELECT 1"}},
		{"no number", map[string]string{"init.sql": "SELECT 1"}},
		{"zero", map[string]string{"000_a.sql": "SELECT 1"}},
		{"not sql", map[string]string{"001_a.txt": "SELECT 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.db")
			if _, err := openWriter(t, path, SurvivesCrash, schemaOf(tt.files)); err == nil {
				t.Errorf("opened with migrations %v", tt.files)
			}
		})
	}
}

// A Go step runs once, after its file, in its transaction: a failing one
// leaves nothing of its file behind and the version where it was.
func TestGoStepsRunWithTheirFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s := schemaOf(map[string]string{
		"001_t.sql":     "CREATE TABLE t (x TEXT)",
		"002_upper.sql": "-- Go: every x upper-cased.\nINSERT INTO t VALUES ('added by the file')",
	})
	fail := true
	calls := 0
	s.Steps = map[int]func(ctx context.Context, tx *sql.Tx) error{2: func(ctx context.Context, tx *sql.Tx) error {
		calls++
		if _, err := tx.ExecContext(ctx, "UPDATE t SET x = upper(x)"); err != nil {
			return err
		}
		if fail {
			return errors.New("step failed")
		}
		return nil
	}}
	if _, err := openWriter(t, path, SurvivesCrash, s); err == nil || !strings.Contains(err.Error(), "002_upper.sql: step failed") {
		t.Fatalf("failing step: err = %v", err)
	}
	fail = false
	for range 2 {
		db, err := openWriter(t, path, SurvivesCrash, s)
		if err != nil {
			t.Fatal(err)
		}
		if got := query[string](t, db, "SELECT group_concat(x) FROM t"); got != "ADDED BY THE FILE" {
			t.Errorf("rows = %q, want the file's row once, upper-cased", got)
		}
		if got := query[int](t, db, "PRAGMA user_version"); got != 2 {
			t.Errorf("user_version %d, want 2", got)
		}
		db.Close()
	}
	if calls != 2 {
		t.Errorf("step ran %d times (one failure, one success), want 2", calls)
	}
	s.Steps[3] = s.Steps[2]
	if _, err := openWriter(t, filepath.Join(t.TempDir(), "b.db"), SurvivesCrash, s); err == nil {
		t.Error("opened with a step that has no file")
	}
}

func TestCreateRunsOnANewFileOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s := schemaOf(map[string]string{"001_t.sql": "CREATE TABLE t (x)"})
	calls := 0
	s.Create = func(ctx context.Context, db *sql.DB) error {
		calls++
		if n := query[int](t, db, "SELECT count(*) FROM sqlite_master"); n != 0 {
			t.Errorf("Create ran after a migration: %d tables", n)
		}
		return nil
	}
	for range 2 {
		db, err := openWriter(t, path, SurvivesCrash, s)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	if calls != 1 {
		t.Errorf("Create ran %d times over two opens, want 1", calls)
	}
}

func TestTimeColumns(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.FixedZone("CET", 3600))
	if got := Time(Millis(at)); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("Time(Millis(%v)) = %v, want the same instant in UTC", at, got)
	}
	if got := Millis(time.Time{}); got != 0 {
		t.Errorf("Millis(zero) = %d, want 0", got)
	}
	if got := Time(0); !got.IsZero() {
		t.Errorf("Time(0) = %v, want the zero time", got)
	}
	if got := NullMillis(time.Time{}); got != nil {
		t.Errorf("NullMillis(zero) = %v, want nil (NULL)", got)
	}
	v, _ := NullMillis(at).(int64)
	if got := NullTime(sql.NullInt64{Int64: v, Valid: true}); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("NullTime(NullMillis(%v)) = %v, want the same instant in UTC", at, got)
	}
	if got := NullTime(sql.NullInt64{}); !got.IsZero() {
		t.Errorf("NullTime(NULL) = %v, want the zero time", got)
	}
}

// TestObjectsAt: the objects of a version are those of a file migrated to
// it, with SQLite's text of each (ALTER TABLE included), and no more.
func TestObjectsAt(t *testing.T) {
	ctx := context.Background()
	v1 := map[string]string{"001_init.sql": "CREATE TABLE t (x INTEGER PRIMARY KEY AUTOINCREMENT, y UNIQUE); CREATE INDEX t_y ON t (y)"}
	s2 := schemaOf(map[string]string{"001_init.sql": v1["001_init.sql"], "002_z.sql": "ALTER TABLE t ADD COLUMN z TEXT"})
	db, err := openWriter(t, filepath.Join(t.TempDir(), "a.db"), SurvivesCrash, schemaOf(v1))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Objects(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s2.ObjectsAt(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || len(want) != 4 { // t, its UNIQUE's index, t_y, sqlite_sequence
		t.Errorf("objects of a version-1 file:\n%v\nObjectsAt(1):\n%v", got, want)
	}
	at2, err := s2.ObjectsAt(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(at2, func(o Object) bool { return o.Name == "t" }); i < 0 || !strings.Contains(at2[i].SQL, "z TEXT") {
		t.Errorf("ObjectsAt(2): %v, want t with column z", at2)
	}
	for _, v := range []int{0, 3} {
		if _, err := s2.ObjectsAt(ctx, v); err == nil {
			t.Errorf("ObjectsAt(%d) of a 2-step schema: no error", v)
		}
	}
}
