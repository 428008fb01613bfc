package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// LocalTree is a directory on disk seen as a Tree. Keys are slash-separated
// paths below its root.
//
// Names starting with "." (.DS_Store, .git) are not listed: they are never
// logs, and reading them would only add skipped files. Symbolic links to
// files are followed; symbolic links to directories are not, so a link loop
// cannot make a walk endless.
type LocalTree struct {
	root string // absolute, symlinks resolved
}

// NewLocalSource makes a Source of a local path: a directory or a file.
// The tree is rooted at the directory that holds the last AWSLogs segment
// of the path, so keys match those of the same files in an S3 bucket; a
// path with no AWSLogs in it is its own root (a file: its directory).
func NewLocalSource(path string) (Source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Source{}, fmt.Errorf("source %s: %w", path, err)
	}
	abs, err = filepath.EvalSymlinks(abs)
	if err != nil {
		return Source{}, fmt.Errorf("source %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return Source{}, fmt.Errorf("source %s: %w", path, err)
	}
	root := abs
	if !fi.IsDir() {
		root = filepath.Dir(abs)
	}
	segs := strings.Split(filepath.ToSlash(abs), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i] == awsLogsSegment {
			root = filepath.FromSlash(strings.Join(segs[:i], "/"))
			if root == "" {
				root = "/"
			}
			break
		}
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return Source{}, fmt.Errorf("source %s: %w", path, err)
	}
	prefix := filepath.ToSlash(rel)
	switch {
	case prefix == ".":
		prefix = ""
	case fi.IsDir():
		prefix += "/"
	}
	return Source{Tree: &LocalTree{root: root}, Prefix: prefix, Display: path}, nil
}

// Root is the directory the tree's keys are relative to.
func (t *LocalTree) Root() string { return t.root }

func (t *LocalTree) path(key string) string {
	return filepath.Join(t.root, filepath.FromSlash(key))
}

// URI implements Tree: file:///abs/path.
func (t *LocalTree) URI(key string) string {
	p := filepath.ToSlash(t.path(key))
	if strings.HasSuffix(key, "/") {
		p += "/"
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String()
}

func (t *LocalTree) object(key string, size int64) Object {
	return Object{URI: t.URI(key), Key: key, Size: size}
}

// ListDir implements Tree.
func (t *LocalTree) ListDir(ctx context.Context, prefix string, onPrefix func(string) error, onObject func(Object) error) error {
	dir := t.path(prefix)
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	defer f.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries, err := f.ReadDir(1024)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			isDir, size, ok := t.entry(dir, e)
			switch {
			case !ok:
			case isDir:
				if err := onPrefix(prefix + e.Name() + "/"); err != nil {
					return err
				}
			default:
				if err := onObject(t.object(prefix+e.Name(), size)); err != nil {
					return err
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
	}
}

// entry resolves what a directory entry is; ok is false for what is neither
// a regular file nor a directory (sockets, broken links, links to
// directories).
func (t *LocalTree) entry(dir string, e fs.DirEntry) (isDir bool, size int64, ok bool) {
	if e.Type()&fs.ModeSymlink != 0 {
		fi, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil || !fi.Mode().IsRegular() {
			return false, 0, false
		}
		return false, fi.Size(), true
	}
	if e.IsDir() {
		return true, 0, true
	}
	if !e.Type().IsRegular() {
		return false, 0, false
	}
	fi, err := e.Info()
	if err != nil {
		return false, 0, false
	}
	return false, fi.Size(), true
}

// ListAll implements Tree.
func (t *LocalTree) ListAll(ctx context.Context, prefix string, fn func(Object) error) error {
	var subs []string
	err := t.ListDir(ctx, prefix, func(p string) error {
		subs = append(subs, p)
		return nil
	}, fn)
	if err != nil {
		return err
	}
	for _, p := range subs {
		if err := t.ListAll(ctx, p, fn); err != nil {
			return err
		}
	}
	return nil
}

// Stat implements Tree.
func (t *LocalTree) Stat(ctx context.Context, key string) (Object, error) {
	fi, err := os.Stat(t.path(key))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Object{}, fmt.Errorf("%s: %w", t.path(key), ErrNotFound)
	case err != nil:
		return Object{}, err
	case !fi.Mode().IsRegular():
		return Object{}, fmt.Errorf("%s: not a regular file: %w", t.path(key), ErrNotFound)
	}
	return t.object(key, fi.Size()), nil
}

// ETag implements Tree: a SHA-256 of the content, "sha256:<hex>". A content
// hash, unlike size and modification time, does not change when a file is
// copied or touched and always changes when its content does, so the
// manifest neither reads a copy twice nor misses an edit. It costs a read of
// the (compressed) file, which SHA-NI makes small next to decoding it.
func (t *LocalTree) ETag(ctx context.Context, o Object) (string, error) {
	f, err := os.Open(t.path(o.Key))
	if err != nil {
		return "", localOpenError(o, err)
	}
	defer f.Close()
	h := t.newETagHash()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", o.URI, err)
	}
	return t.etagOf(h), nil
}

// newETagHash and etagOf let the pipeline compute a local file's ETag
// while it decodes the file, rather than by reading it first (see
// streamETagger): the same hash over the same bytes.
func (t *LocalTree) newETagHash() hash.Hash { return sha256.New() }

func (t *LocalTree) etagOf(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }

// Open implements Tree.
func (t *LocalTree) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	f, err := os.Open(t.path(o.Key))
	if err != nil {
		return nil, localOpenError(o, err)
	}
	return f, nil
}

func localOpenError(o Object, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &FileError{Reason: SkipObjectVanished, Err: fmt.Errorf("open %s: %w", o.URI, err)}
	case errors.Is(err, fs.ErrPermission):
		return &FileError{Reason: SkipAccessDenied, Err: fmt.Errorf("open %s: %w", o.URI, err)}
	}
	return fmt.Errorf("open %s: %w", o.URI, err)
}
