package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// store keeps volumes and snapshots as folders under one root:
//
//	volumes/<id>/         the volume's data, bind-mounted into Pods
//	volumes/<id>.json     its record
//	snapshots/<id>/       a copy of a volume's folder
//	snapshots/<id>.json   its record
//
// A record is written (by rename) only once its folder is complete, so a record is the commit point:
// a folder without one is what a crash left mid-copy, and the next attempt removes and redoes it.
// IDs are the names the sidecars give (pvc-<uid>, snapshot-<uid>), so the folders say which object
// they belong to, and a retried create with the same name finds its earlier result (CSI's
// idempotency rule).
//
// One lock serialises every change: a long copy holds up other creates and deletes, which a test
// node can afford, and it keeps "does it exist, then make it" free of races.
type store struct {
	root string
	mu   sync.Mutex
}

type volumeRecord struct {
	CapacityBytes int64 `json:"capacityBytes"`
	// What the volume was made from, "" for an empty one: "snapshot/<id>" or "volume/<id>".
	Source string `json:"source,omitempty"`
}

type snapshotRecord struct {
	SourceVolume string    `json:"sourceVolume"`
	CreatedAt    time.Time `json:"createdAt"`
	// The source volume's capacity: a volume restored from the snapshot needs at least that much,
	// whatever the files themselves add up to (as with a cloud disk's snapshot).
	SizeBytes int64 `json:"sizeBytes"`
}

type volume struct {
	ID string
	volumeRecord
}

type snapshot struct {
	ID string
	snapshotRecord
}

var (
	errNotFound = errors.New("not found")
	errConflict = errors.New("already exists with different parameters")
	errBadID    = errors.New("must be 1-128 characters of a-z, 0-9 and '-', starting with a letter or digit")
	errTooSmall = errors.New("capacity is less than the source's")
)

// IDs become folder names: nothing that could climb out of the root or collide with a record file.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,127}$`)

func checkID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("%q: %w", id, errBadID)
	}
	return nil
}

func newStore(root string) (*store, error) {
	for _, d := range []string{"volumes", "snapshots"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return nil, err
		}
	}
	return &store{root: root}, nil
}

func (s *store) volumeDir(id string) string   { return filepath.Join(s.root, "volumes", id) }
func (s *store) snapshotDir(id string) string { return filepath.Join(s.root, "snapshots", id) }

// createVolume makes volume id: empty, or a copy of the snapshot or volume named by source
// ("snapshot/<id>", "volume/<id>"). An existing volume with the same parameters is returned as is.
func (s *store) createVolume(id string, capacity int64, source string) (volume, error) {
	if err := checkID(id); err != nil {
		return volume{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var have volumeRecord
	switch err := readRecord(s.volumeDir(id), &have); {
	case err == nil:
		if have.Source != source || have.CapacityBytes != capacity {
			return volume{}, fmt.Errorf("volume %s: %w", id, errConflict)
		}
		return volume{id, have}, nil
	case !errors.Is(err, errNotFound):
		return volume{}, err
	}
	from := ""
	if source != "" {
		kind, sid, ok := splitSource(source)
		if !ok {
			return volume{}, fmt.Errorf("source %q: expected snapshot/<id> or volume/<id>", source)
		}
		if err := checkID(sid); err != nil {
			return volume{}, err
		}
		var size int64
		if kind == "snapshot" {
			var r snapshotRecord
			if err := readRecord(s.snapshotDir(sid), &r); err != nil {
				return volume{}, fmt.Errorf("snapshot %s: %w", sid, err)
			}
			from, size = s.snapshotDir(sid), r.SizeBytes
		} else {
			var r volumeRecord
			if err := readRecord(s.volumeDir(sid), &r); err != nil {
				return volume{}, fmt.Errorf("volume %s: %w", sid, err)
			}
			from, size = s.volumeDir(sid), r.CapacityBytes
		}
		if capacity < size {
			return volume{}, fmt.Errorf("%d bytes for %s of %d bytes: %w", capacity, source, size, errTooSmall)
		}
	}
	rec := volumeRecord{CapacityBytes: capacity, Source: source}
	if err := makeFolder(s.volumeDir(id), from); err != nil {
		return volume{}, err
	}
	if err := writeRecord(s.volumeDir(id), rec); err != nil {
		return volume{}, err
	}
	return volume{id, rec}, nil
}

// deleteVolume removes the volume; its snapshots are copies and stay. Deleting what is not there
// succeeds (CSI: the caller may retry).
func (s *store) deleteVolume(id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return removeWithRecord(s.volumeDir(id))
}

func (s *store) getVolume(id string) (volume, error) {
	if err := checkID(id); err != nil {
		return volume{}, err
	}
	var r volumeRecord
	if err := readRecord(s.volumeDir(id), &r); err != nil {
		return volume{}, fmt.Errorf("volume %s: %w", id, err)
	}
	return volume{id, r}, nil
}

// createSnapshot copies the volume's folder as it is at this moment, while Pods may be writing to
// it. The copy is not atomic across files: like a base backup taken with pg_backup_start/stop, it is
// made consistent by PostgreSQL (the backup label and the WAL to the stop point), or by taking it
// while nothing writes (a fenced or stopped instance). That is what CloudNativePG's online and cold
// snapshot backups expect of any CSI snapshot.
func (s *store) createSnapshot(id, sourceVolume string) (snapshot, error) {
	if err := checkID(id); err != nil {
		return snapshot{}, err
	}
	if err := checkID(sourceVolume); err != nil {
		return snapshot{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var have snapshotRecord
	switch err := readRecord(s.snapshotDir(id), &have); {
	case err == nil:
		if have.SourceVolume != sourceVolume {
			return snapshot{}, fmt.Errorf("snapshot %s (of volume %s): %w", id, have.SourceVolume, errConflict)
		}
		return snapshot{id, have}, nil
	case !errors.Is(err, errNotFound):
		return snapshot{}, err
	}
	var vol volumeRecord
	if err := readRecord(s.volumeDir(sourceVolume), &vol); err != nil {
		return snapshot{}, fmt.Errorf("volume %s: %w", sourceVolume, err)
	}
	rec := snapshotRecord{SourceVolume: sourceVolume, CreatedAt: time.Now().UTC(), SizeBytes: vol.CapacityBytes}
	if err := makeFolder(s.snapshotDir(id), s.volumeDir(sourceVolume)); err != nil {
		return snapshot{}, err
	}
	if err := writeRecord(s.snapshotDir(id), rec); err != nil {
		return snapshot{}, err
	}
	return snapshot{id, rec}, nil
}

func (s *store) deleteSnapshot(id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return removeWithRecord(s.snapshotDir(id))
}

// snapshots lists the complete snapshots, ordered by ID (the paging token is an index into it).
func (s *store) snapshots() ([]snapshot, error) {
	entries, err := os.ReadDir(filepath.Join(s.root, "snapshots"))
	if err != nil {
		return nil, err
	}
	var out []snapshot
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || checkID(id) != nil {
			continue
		}
		var r snapshotRecord
		if err := readRecord(s.snapshotDir(id), &r); err != nil {
			if errors.Is(err, errNotFound) {
				continue // deleted meanwhile
			}
			return nil, err
		}
		out = append(out, snapshot{id, r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func splitSource(source string) (kind, id string, ok bool) {
	for _, k := range []string{"snapshot", "volume"} {
		if rest, found := strings.CutPrefix(source, k+"/"); found {
			return k, rest, true
		}
	}
	return "", "", false
}

// makeFolder makes dir, empty or as a copy of from, through dir.tmp so that dir appears whole. The
// copy keeps owners, modes and times (PostgreSQL checks its data folder's owner and mode) and
// shares blocks where the filesystem can (btrfs, XFS): then a snapshot costs no space until the
// volume changes.
func makeFolder(dir, from string) error {
	tmp := dir + ".tmp"
	for _, p := range []string{tmp, dir} { // what a crash mid-create left
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	// Mode 0750: the kubelet hands the folder to the Pod's fsGroup (CSIDriver fsGroupPolicy File).
	if err := os.Mkdir(tmp, 0o750); err != nil {
		return err
	}
	if from != "" {
		if out, err := exec.Command("cp", "-a", "--reflink=auto", "--", from+"/.", tmp+"/").CombinedOutput(); err != nil {
			_ = os.RemoveAll(tmp)
			return fmt.Errorf("copying %s: %v: %s", from, err, out)
		}
	}
	return os.Rename(tmp, dir)
}

func readRecord(dir string, into any) error {
	b, err := os.ReadFile(dir + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

func writeRecord(dir string, rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dir+".json.tmp", b, 0o600); err != nil {
		return err
	}
	return os.Rename(dir+".json.tmp", dir+".json")
}

// removeWithRecord drops the record first: a crash midway leaves a folder without a record, which
// counts as absent and is cleared by the next create of that ID.
func removeWithRecord(dir string) error {
	if err := os.Remove(dir + ".json"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.RemoveAll(dir)
}
