package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// File names in a store directory. Data and manifest files are named by
// their content hash, so a name is written once and never changes meaning,
// and the same content always gets the same name.
const (
	pointerName    = "store.json"
	lockName       = "LOCK"
	tempPrefix     = ".tmp-"
	usagePrefix    = "usage-"
	manifestPrefix = "manifest-"
	parquetSuffix  = ".parquet"
)

// ours reports whether name is a file the store may create, and so may
// delete when no version refers to it. Anything else in the directory is
// left alone.
func ours(name string) bool {
	switch {
	case strings.HasPrefix(name, tempPrefix):
		return true
	case strings.HasPrefix(name, usagePrefix), strings.HasPrefix(name, manifestPrefix):
		return strings.HasSuffix(name, parquetSuffix)
	}
	return name == pointerName || name == lockName
}

// testHook, when a test sets it, runs before every step of a commit that
// changes the directory, named by the step, and may fail the step or kill
// the process. It is how tests prove that a crash at any point leaves the
// store as it was or fully updated.
var testHook func(step string) error

func step(name string) error {
	if testHook == nil {
		return nil
	}
	if err := testHook(name); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// atomicFile is a file written under a temporary name in the store
// directory, hashed while written, and renamed to its final name only once
// it is complete and on disk.
type atomicFile struct {
	dir   string
	kind  string // for step names and errors: "usage 2024-05", "manifest", "pointer"
	f     *os.File
	h     hash.Hash
	w     io.Writer
	bytes int64
	done  bool
}

func createAtomic(dir, kind string) (*atomicFile, error) {
	if err := step("create " + kind); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	a := &atomicFile{dir: dir, kind: kind, f: f, h: sha256.New()}
	a.w = io.MultiWriter(f, a.h)
	return a, nil
}

// writeChunk is the most written at once; tests lower it so that a
// failure can strike in the middle of a file.
var writeChunk = 1 << 20

func (a *atomicFile) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if err := step("write " + a.kind); err != nil {
			return written, err
		}
		chunk := p[:min(len(p), writeChunk)]
		n, err := a.w.Write(chunk)
		a.bytes += int64(n)
		written += n
		if err != nil {
			return written, fmt.Errorf("write %s: %w", a.f.Name(), err)
		}
		p = p[n:]
	}
	return written, nil
}

// contentName is the final name for the bytes written so far.
func (a *atomicFile) contentName(prefix string) string {
	return prefix + hex.EncodeToString(a.h.Sum(nil)[:12]) + parquetSuffix
}

// commit syncs the file and renames it to name. The caller syncs the
// directory once after all renames.
func (a *atomicFile) commit(name string) error {
	if err := step("sync " + a.kind); err != nil {
		return err
	}
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", a.f.Name(), err)
	}
	if err := a.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", a.f.Name(), err)
	}
	if err := step("rename " + a.kind); err != nil {
		return err
	}
	if err := os.Rename(a.f.Name(), filepath.Join(a.dir, name)); err != nil {
		return fmt.Errorf("rename %s to %s: %w", a.f.Name(), name, err)
	}
	a.done = true
	return nil
}

// discard removes the temporary file of a write that did not complete.
func (a *atomicFile) discard() {
	if a == nil || a.done {
		return
	}
	a.f.Close()
	os.Remove(a.f.Name())
	a.done = true
}

func syncDir(dir string) error {
	if err := step("sync directory"); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// makeStoreDir creates dir if needed and makes its creation durable, so
// that a store committed right after does not vanish with its directory
// entry in a crash.
func makeStoreDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(filepath.Clean(dir)))
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", d.Name(), err)
	}
	return nil
}

// copyInto copies a data file of another store into dir under the same
// name, atomically. Names are content hashes, so an existing file of that
// name already holds these bytes, and a copy whose hash does not match its
// name is corrupt.
func copyInto(dir, src, prefix, kind string) error {
	name := filepath.Base(src)
	if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("read %s: %w", src, err)
	}
	defer in.Close()
	out, err := createAtomic(dir, kind)
	if err != nil {
		return err
	}
	defer out.discard()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if got := out.contentName(prefix); got != name {
		return fmt.Errorf("read %s: content hash gives %s: the file is corrupt", src, got)
	}
	return out.commit(name)
}
