package store

import (
	"context"
	"errors"
)

// Store is a usage store in a directory.
//
// STUB: the store package's owner replaces this with the real implementation.
type Store struct {
	dir string
}

// Open opens the store in dir, creating an empty one if dir does not exist.
func Open(ctx context.Context, dir string) (*Store, error) {
	return nil, errors.New("store not implemented yet")
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Has reports whether an object with this URI, ETag and size was ingested.
func (s *Store) Has(e ManifestEntry) bool { return false }

// Commit merges t into the store's rows and adds the manifest entries,
// atomically: after a crash at any point the store is either as it was or
// fully updated.
func (s *Store) Commit(ctx context.Context, t *Table, added []ManifestEntry) error {
	return errors.New("store not implemented yet")
}

// Rows calls fn for every row, in canonical order.
func (s *Store) Rows(ctx context.Context, fn func(*Row) error) error {
	return errors.New("store not implemented yet")
}
