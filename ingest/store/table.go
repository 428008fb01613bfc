package store

// TableOptions bound a Table.
type TableOptions struct {
	// MaxResourceSets is the number of distinct identifier sets (Resources
	// plus Params) kept exactly per group before the group is coarsened.
	// A group is every key field except Resources, Params and Coarsened.
	// Zero means DefaultMaxResourceSets.
	MaxResourceSets int
}

// DefaultMaxResourceSets is the per-group bound on exact identifier sets.
const DefaultMaxResourceSets = 1000

// Table aggregates rows in memory: rows with the same key are merged (counts
// summed, first/last seen widened). Coarsening is decided per group from the
// set of distinct identifier sets, never from arrival order, so the result
// does not depend on how the input was split or ordered.
//
// STUB: the store package's owner replaces this with the real implementation.
type Table struct {
	opts TableOptions
}

// NewTable returns an empty table.
func NewTable(opts TableOptions) *Table { return &Table{opts: opts} }

// Add merges r into the table. r and the memory behind its strings may be
// reused by the caller after Add returns: Add copies what it keeps.
func (t *Table) Add(r *Row) {}

// Merge adds every row of o into t. o is left unchanged.
func (t *Table) Merge(o *Table) {}

// Reset empties the table, keeping its allocations for reuse.
func (t *Table) Reset() {}

// Len is the number of rows.
func (t *Table) Len() int { return 0 }

// Rows returns the rows in canonical order (the order they are stored in).
func (t *Table) Rows() []Row { return nil }
