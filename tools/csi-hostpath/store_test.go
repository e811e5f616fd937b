package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o640); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A snapshot keeps the volume as it was when taken; a volume made from it starts from that state
// and is independent of both.
func TestSnapshotIsAPointInTimeCopy(t *testing.T) {
	s, err := newStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.createVolume("pvc-a", 1<<20, ""); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(s.volumeDir("pvc-a"), "pgdata"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(s.volumeDir("pvc-a"), "pgdata", "f"), "before")
	snap, err := s.createSnapshot("snapshot-1", "pvc-a")
	if err != nil {
		t.Fatal(err)
	}
	if snap.SizeBytes != 1<<20 || snap.SourceVolume != "pvc-a" {
		t.Fatalf("snapshot record %+v", snap)
	}
	writeFile(t, filepath.Join(s.volumeDir("pvc-a"), "pgdata", "f"), "after")

	v, err := s.createVolume("pvc-b", 1<<20, "snapshot/snapshot-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(s.volumeDir(v.ID), "pgdata", "f")); got != "before" {
		t.Fatalf("restored file says %q, want the snapshot's %q", got, "before")
	}
	// PostgreSQL refuses a data folder whose mode is not 0700 (or 0750): the copy keeps modes.
	if fi, err := os.Stat(filepath.Join(s.volumeDir(v.ID), "pgdata")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("restored pgdata mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
	if err := s.deleteVolume("pvc-a"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(s.snapshotDir("snapshot-1"), "pgdata", "f")); got != "before" {
		t.Fatalf("the snapshot changed with its volume's deletion: %q", got)
	}
	clone, err := s.createVolume("pvc-c", 1<<20, "volume/pvc-b")
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(s.volumeDir(clone.ID), "pgdata", "f")); got != "before" {
		t.Fatalf("cloned file says %q", got)
	}
}

// CSI calls are retried with the same name: the same request gets the same answer, a different one
// a conflict; deletes of what is gone succeed.
func TestRetriesAndConflicts(t *testing.T) {
	s, err := newStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.createVolume("pvc-a", 100, ""); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(s.volumeDir("pvc-a"), "keep"), "x")
	if _, err := s.createVolume("pvc-a", 100, ""); err != nil {
		t.Fatalf("retried create: %v", err)
	}
	if got := readFile(t, filepath.Join(s.volumeDir("pvc-a"), "keep")); got != "x" {
		t.Fatal("a retried create emptied the volume")
	}
	if _, err := s.createVolume("pvc-a", 200, ""); !errors.Is(err, errConflict) {
		t.Fatalf("create with another size: %v, want a conflict", err)
	}
	if _, err := s.createSnapshot("snapshot-1", "pvc-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.createVolume("pvc-b", 100, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.createSnapshot("snapshot-1", "pvc-b"); !errors.Is(err, errConflict) {
		t.Fatalf("snapshot name reused for another volume: %v, want a conflict", err)
	}
	if _, err := s.createVolume("pvc-c", 50, "snapshot/snapshot-1"); !errors.Is(err, errTooSmall) {
		t.Fatalf("volume smaller than its snapshot: %v, want too small", err)
	}
	if _, err := s.createVolume("pvc-d", 100, "snapshot/snapshot-9"); !errors.Is(err, errNotFound) {
		t.Fatalf("volume from a missing snapshot: %v, want not found", err)
	}
	if err := s.deleteSnapshot("snapshot-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.deleteSnapshot("snapshot-1"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := os.Stat(s.snapshotDir("snapshot-1")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("snapshot folder still there: %v", err)
	}
	list, err := s.snapshots()
	if err != nil || len(list) != 0 {
		t.Fatalf("snapshots after delete: %v %v", list, err)
	}
}

// A folder a crash left without its record does not count, and the next create replaces it.
func TestHalfMadeFolderIsRedone(t *testing.T) {
	s, err := newStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(s.volumeDir("pvc-a"), 0o750); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(s.volumeDir("pvc-a"), "stale"), "x")
	if _, err := s.getVolume("pvc-a"); !errors.Is(err, errNotFound) {
		t.Fatalf("a folder without a record: %v, want not found", err)
	}
	if _, err := s.createVolume("pvc-a", 100, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.volumeDir("pvc-a"), "stale")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the half-made folder's content survived")
	}
}

func TestIDsCannotLeaveTheRoot(t *testing.T) {
	s, err := newStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "../x", "a/b", "x.json", "-a", "Upper"} {
		if _, err := s.createVolume(id, 1, ""); !errors.Is(err, errBadID) {
			t.Errorf("volume id %q: %v, want a bad-ID error", id, err)
		}
	}
	if _, err := s.createVolume("pvc-a", 1, "snapshot/../../etc"); !errors.Is(err, errBadID) {
		t.Errorf("source snapshot ../../etc: %v, want a bad-ID error", err)
	}
}

func TestUnescapeMountPath(t *testing.T) {
	got, err := unescapeMountPath(`/var/a\040b\011c`)
	if err != nil || got != "/var/a b\tc" {
		t.Fatalf("got %q, %v", got, err)
	}
}
