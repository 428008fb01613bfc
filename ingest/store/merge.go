package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Merge merges the stores in srcs into the store in dst, which is created
// if needed and whose own rows and manifest are kept. The result is exact:
// counts summed, first and last seen widened, the size bound reapplied over
// the union of each group, manifests unioned. It is the same, byte for
// byte, whatever the order of the sources and however merges are nested,
// and the same as one store that ingested every object.
//
// An object (same URI, ETag and size) may be in several of the stores when
// they read it under disjoint scopes (shards by time window, say): its
// entries merge, events summed and scopes united. If their scopes overlap,
// the events in the overlap are counted in both stores and no merge can
// subtract them: Merge refuses, naming the object, the two stores and
// their scopes. Stores cut with different bounds are refused too, since
// their union would not be what a single run gives.
func Merge(ctx context.Context, dst string, srcs ...string) error {
	if len(srcs) == 0 {
		return errors.New("merge usage stores: no source store")
	}
	type input struct {
		dir string
		st  state
	}
	var inputs []input
	var infos []os.FileInfo
	for _, dir := range srcs {
		st, err := readState(dir)
		if err != nil {
			return fmt.Errorf("merge usage stores: %w", err)
		}
		if !st.exists {
			return fmt.Errorf("merge usage stores: %s is not a usage store (no %s)", dir, pointerName)
		}
		fi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("merge usage stores: %w", err)
		}
		for i, other := range infos {
			if os.SameFile(fi, other) {
				return fmt.Errorf("merge usage stores: %s and %s are the same store: its counts would double", inputs[i].dir, dir)
			}
		}
		infos = append(infos, fi)
		inputs = append(inputs, input{dir: dir, st: st})
	}
	if err := makeStoreDir(dst); err != nil {
		return fmt.Errorf("merge usage stores: %w", err)
	}
	if fi, err := os.Stat(dst); err == nil {
		for i, other := range infos {
			if os.SameFile(fi, other) {
				return fmt.Errorf("merge usage stores: the destination %s is also a source (%s)", dst, inputs[i].dir)
			}
		}
	}
	unlock, err := lockDir(ctx, dst)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := readState(dst)
	if err != nil {
		return fmt.Errorf("merge usage stores: %w", err)
	}
	if cur.exists {
		inputs = append([]input{{dir: dst, st: cur}}, inputs...)
	}
	bound := inputs[0].st.MaxResourceSets
	for _, in := range inputs[1:] {
		if in.st.MaxResourceSets != bound {
			return fmt.Errorf("merge usage stores: %s was cut at %d identifier sets per group and %s at %d: merge only stores built with the same bound",
				inputs[0].dir, bound, in.dir, in.st.MaxResourceSets)
		}
	}

	next := state{MaxResourceSets: bound}
	var written []string
	published := false
	defer func() {
		if !published {
			for _, name := range written {
				if !referenced(cur, name) {
					os.Remove(filepath.Join(dst, name))
				}
			}
		}
	}()

	// Manifest: a single one of this version is copied as is; several,
	// or one of version 1, are merged into a new file.
	var manifests []input
	for _, in := range inputs {
		if in.st.Manifest != nil {
			manifests = append(manifests, in)
		}
	}
	switch {
	case len(manifests) == 0:
	case len(manifests) == 1 && manifests[0].st.Version == SchemaVersion:
		in := manifests[0]
		mf := *in.st.Manifest
		if in.dir != dst {
			if err := copyInto(dst, filepath.Join(in.dir, mf.File), manifestPrefix, "manifest"); err != nil {
				return fmt.Errorf("merge usage stores: %w", err)
			}
			written = append(written, mf.File)
		}
		next.Manifest = &mf
	default:
		var esrcs []entrySource
		for _, in := range manifests {
			m, err := openManifest(filepath.Join(in.dir, in.st.Manifest.File))
			if err != nil {
				return fmt.Errorf("merge usage stores: %w", err)
			}
			defer m.close()
			esrcs = append(esrcs, &fileEntries{name: in.dir, m: m})
		}
		mf, err := writeManifest(ctx, dst, esrcs, mergeEntries)
		if err != nil {
			return err
		}
		next.Manifest = &mf
		written = append(written, mf.File)
	}

	// Usage: month by month; a month in one store only is copied as is.
	type part struct {
		dir string
		u   usageFile
	}
	byMonth := map[string][]part{}
	for _, in := range inputs {
		for _, u := range in.st.Usage {
			byMonth[u.Month] = append(byMonth[u.Month], part{in.dir, u})
		}
	}
	names := make([]string, 0, len(byMonth))
	for m := range byMonth {
		names = append(names, m)
	}
	slices.SortFunc(names, strings.Compare)
	for _, m := range names {
		parts := byMonth[m]
		if len(parts) == 1 {
			p := parts[0]
			if p.dir != dst {
				if err := copyInto(dst, filepath.Join(p.dir, p.u.File), usagePrefix+m+"-", "usage "+m); err != nil {
					return fmt.Errorf("merge usage stores: %w", err)
				}
				written = append(written, p.u.File)
			}
			next.Usage = append(next.Usage, p.u)
			continue
		}
		var rsrcs []rowSource
		for _, p := range parts {
			f, err := openUsage(filepath.Join(p.dir, p.u.File), math.MinInt32, math.MaxInt32)
			if err != nil {
				return fmt.Errorf("merge usage stores: %w", err)
			}
			defer f.close()
			rsrcs = append(rsrcs, f)
		}
		u, err := writeMonth(ctx, dst, m, bound, rsrcs)
		if err != nil {
			return fmt.Errorf("merge usage stores: %w", err)
		}
		next.Usage = append(next.Usage, u)
		written = append(written, u.File)
	}
	slices.SortFunc(next.Usage, func(a, b usageFile) int { return cmp.Compare(a.Month, b.Month) })

	if err := publish(dst, &next); err != nil {
		published = errors.Is(err, errPublished)
		return fmt.Errorf("merge usage stores: %w", err)
	}
	published = true
	return nil
}

// mergeEntries combines the entries of one object from several stores,
// which must have counted disjoint scopes of it.
func mergeEntries(group []sourcedEntry) (ManifestEntry, error) {
	if len(group) == 1 {
		return group[0].entry, nil
	}
	for i := range group {
		for j := range i {
			a, b := &group[j], &group[i]
			if a.entry.Scopes.Overlaps(b.entry.Scopes) {
				e := &a.entry
				return ManifestEntry{}, fmt.Errorf("merge usage stores: object %s (etag %s, size %d) was ingested into both %s (under %s) and %s (under %s): its events in the overlap are counted in both, and merging would count them twice; re-run one of the shards without it, or with a window that does not overlap",
					e.Object, e.ETag, e.Size, a.from, a.entry.Scopes, b.from, b.entry.Scopes)
			}
		}
	}
	e := group[0].entry
	scopes := []Coverage{e.Scopes}
	for _, g := range group[1:] {
		e.Events += g.entry.Events
		scopes = append(scopes, g.entry.Scopes)
	}
	e.Scopes = Union(scopes...)
	return e, nil
}
