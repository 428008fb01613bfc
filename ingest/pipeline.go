package ingest

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// Options configure a run.
type Options struct {
	Sources []Source
	Store   *store.Store
	Filter  Filter
	// Concurrency is the number of objects fetched and decoded at once
	// (0: DefaultConcurrency). It also bounds the objects in memory: each
	// worker holds one object's decoder state.
	Concurrency int
	// Table bounds the in-memory tables; zero takes the store's own bound,
	// so that commits need no re-cut.
	Table      store.TableOptions
	Retry      Retry
	Checkpoint Checkpoint
	// OnSkip, if set, is told about every file skipped, every file that
	// counted but had events skipped, and every file read as a new version
	// of one ingested before. Called from several goroutines, one call at a
	// time.
	OnSkip func(Notice)
	// Formats read objects that Decode does not (Security Lake Parquet,
	// query results), tried in order on each object's first bytes.
	Formats []ObjectFormat
	// OnProgress, if set, is called every ProgressInterval (default 1 s)
	// while the run lasts.
	OnProgress       func(Progress)
	ProgressInterval time.Duration
}

// Retry is how reading one object is retried after a transient failure:
// throttling, a connection reset, a body shorter than its length (a
// truncated transfer). The S3 client also retries each request; this retries
// the whole object, which a failure in the middle of its body needs.
type Retry struct {
	Attempts   int           // per object, the first included; 0: 5
	Backoff    time.Duration // wait after the first failure, doubled after each; 0: 500 ms
	MaxBackoff time.Duration // 0: 30 s
}

// Checkpoint makes a long run commit what it has so far, so that an
// interrupted run loses little and a re-run skips what was committed (the
// manifest). Zero Objects and Interval commit once, at the end.
type Checkpoint struct {
	// Objects commits after this many newly ingested objects; with
	// several workers, the files being read when it is due are committed
	// with them.
	Objects  int
	Interval time.Duration // commit at least this often
	// Memory commits when the run's tables hold about this many bytes,
	// so that memory stays bounded however many distinct usage tuples a
	// run meets; 0: DefaultCheckpointMemory.
	Memory int
}

// DefaultCheckpointMemory bounds the memory a run's tables hold between
// commits (about 500,000 rows at perfgen's 400 bytes per row): with the
// commit's own buffers and the garbage collector's headroom, a run stays
// under 512 MB of RSS however many distinct tuples it meets.
const DefaultCheckpointMemory = 192 << 20

// Notice tells the user about input that was not used, or that changed
// since an earlier run ingested it.
type Notice struct {
	URI string
	// Changed is true when the store held another version of URI (another
	// ETag or size): this one was read as a new object, and the earlier
	// version's events stay counted.
	Changed bool
	// Err is why a whole file was skipped (a *FileError: Reason and detail);
	// nil when the file counted but some of its events were skipped.
	Err error
	// EventsSkipped counts the events skipped in a file that counted.
	EventsSkipped map[SkipReason]int64
}

// DefaultConcurrency is 2×GOMAXPROCS clamped to [4, 32]: a worker spends
// part of its time waiting for S3 and part decoding, so twice the cores
// keeps the CPUs busy, at least 4 hides S3 latency on small machines, and
// more than 32 objects in flight only adds memory.
func DefaultConcurrency() int {
	return min(max(2*runtime.GOMAXPROCS(0), 4), 32)
}

// job is one object to read.
type job struct {
	tree Tree
	obj  Object
}

// fileDone is one object that decoded completely, its rows already in an
// accumulator: what the summary counts of it.
type fileDone struct {
	entry    store.ManifestEntry
	result   FileResult
	outside  int64
	filtered int64
	// already counts the events in the run's scope that an earlier run
	// counted (the object's coverage in the store held them).
	already   int64
	readAgain bool // the store held some of the object, not all the run wants
	changed   bool // the store held another version of its URI
}

type pipeline struct {
	opts   Options
	filter *Filter
	scope  store.Scope // what of each object the run counts

	jobs chan job
	done chan fileDone
	// accs holds the accumulators no worker is adding to. Workers add the
	// rows of a file straight into one, within a table transaction, so
	// that a file counts entirely or not at all without a table of its
	// own; there are as many as cores, not workers, because a worker holds
	// one only while it decodes, and each holds about the distinct tuples
	// of the run.
	accs  chan *accumulator
	naccs int

	// Checkpoints: workers count the files they keep and call one (due)
	// when Options.Checkpoint says; the aggregator commits and ends it.
	cp        sync.Mutex
	cpResume  *sync.Cond
	cpDue     bool
	cpStopped bool
	cpFiles   int   // files kept since the last commit
	cpBytes   []int // memory each accumulator last held
	cpLast    time.Time
	due       chan struct{}

	mu      sync.Mutex // guards summary, seen and OnSkip calls
	summary Summary
	seen    map[string]bool // URIs queued, when several sources may overlap

	listed, finished, events, bytes atomic.Int64
	listing                         atomic.Bool
}

// Run reads every source, aggregates the events into usage rows and commits
// them to the store with the manifest of the objects read, in one atomic
// commit (or several with Checkpoint). A file counts entirely or not at all.
//
// The returned error is a failure of the run (listing, the store, ctx);
// input skipped is in the Summary.
func Run(ctx context.Context, opts Options) (Summary, error) {
	start := time.Now()
	if opts.Store == nil {
		return Summary{}, errors.New("ingest: no usage store")
	}
	if err := opts.Filter.Validate(); err != nil {
		return Summary{}, err
	}
	conc := opts.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency()
	}
	p := &pipeline{
		opts:    opts,
		filter:  &opts.Filter,
		scope:   opts.Filter.Scope(),
		jobs:    make(chan job, conc),
		done:    make(chan fileDone, conc),
		summary: newSummary(),
	}
	p.summary.UsageStore = opts.Store.Dir()
	if opts.Table == (store.TableOptions{}) {
		p.opts.Table = opts.Store.TableOptions()
	}
	if p.opts.Checkpoint.Memory <= 0 {
		p.opts.Checkpoint.Memory = DefaultCheckpointMemory
	}
	p.cpResume = sync.NewCond(&p.cp)
	p.cpLast = start
	p.due = make(chan struct{}, 1)
	p.naccs = min(conc, runtime.GOMAXPROCS(0))
	p.cpBytes = make([]int, p.naccs)
	p.accs = make(chan *accumulator, p.naccs)
	for i := range p.naccs {
		p.accs <- &accumulator{id: i, table: store.NewTable(p.opts.Table)}
	}
	rowsBefore := opts.Store.Stats().Rows
	if len(opts.Sources) > 1 {
		p.seen = map[string]bool{}
	}

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	stopProgress := p.startProgress(ctx, start)
	defer stopProgress()

	// List.
	listErr := make(chan error, 1)
	p.listing.Store(true)
	go func() {
		defer close(p.jobs)
		defer p.listing.Store(false)
		listers := min(max(conc/2, 2), 8)
		for _, src := range opts.Sources {
			err := walkSource(ctx, src, p.filter, listers, p)
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				// Stopped by the failure or interruption that cancelled
				// ctx, which Run reports.
				listErr <- nil
				return
			}
			listErr <- fmt.Errorf("list %s: %w", src.Display, err)
			cancel()
			return
		}
		listErr <- nil
	}()

	// Fetch and decode. Workers fail only when ctx is done, which the
	// failure that cancelled it explains.
	var workers sync.WaitGroup
	for range conc {
		workers.Add(1)
		go func() {
			defer workers.Done()
			if p.work(ctx) != nil {
				cancel()
			}
		}()
	}
	go func() {
		workers.Wait()
		close(p.done)
	}()

	// Aggregate and commit.
	aggErr := p.aggregate(ctx)
	if aggErr != nil {
		cancel()
		for range p.done {
		}
	}
	stopProgress()

	err := errors.Join(<-listErr, aggErr)
	if err == nil {
		err = parent.Err()
	}
	p.summary.UsageRows = opts.Store.Stats().Rows
	p.summary.UsageRowsAdded = p.summary.UsageRows - rowsBefore
	p.summary.Seconds = time.Since(start).Seconds()
	return p.summary, err
}

// accumulator is one of the run's tables and the manifest entries of the
// files whose rows it holds.
type accumulator struct {
	id      int
	table   *store.Table
	entries []store.ManifestEntry
}

// aggregate counts finished files and commits the accumulators' rows at
// the checkpoints the workers call (see fileKept) and at the end.
func (p *pipeline) aggregate(ctx context.Context) error {
	defer p.stopCheckpoints()
	for {
		select {
		case d, ok := <-p.done:
			if !ok {
				// A failed or interrupted run commits nothing more: the
				// store keeps its last checkpoint, and a re-run reads only
				// what that does not hold.
				if ctx.Err() != nil {
					return nil
				}
				return p.commit(ctx)
			}
			p.count(&d)
		case <-p.due:
			if err := p.commit(ctx); err != nil {
				return err
			}
			if ctx.Err() == nil {
				p.mu.Lock()
				p.summary.Checkpoints++
				p.mu.Unlock()
			}
			p.checkpointDone()
		}
	}
}

// count adds a finished file to the summary.
func (p *pipeline) count(d *fileDone) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := &p.summary
	s.FilesRead++
	s.BytesRead += d.entry.Size
	s.BytesUncompressed += d.result.Bytes
	s.EventsRead += d.result.Events
	s.EventsOutsideWindow += d.outside
	s.EventsFiltered += d.filtered
	s.EventsAlreadyIngested += d.already
	if d.readAgain {
		s.FilesReadAgain++
	}
	if d.changed {
		s.FilesChanged++
	}
	for r, n := range d.result.EventsSkipped {
		s.EventsSkipped[r] += n
	}
}

// commit waits until no worker adds to an accumulator, commits every row
// and manifest entry they hold in one store commit, and empties them.
func (p *pipeline) commit(ctx context.Context) error {
	accs, err := p.takeAccumulators(ctx)
	defer p.returnAccumulators(accs)
	if err != nil {
		return nil // the failure that cancelled ctx is reported
	}
	var entries []store.ManifestEntry
	tables := make([]*store.Table, len(accs))
	for i, a := range accs {
		entries = append(entries, a.entries...)
		tables[i] = a.table
	}
	if len(entries) > 0 {
		if err := p.opts.Store.CommitTables(ctx, tables, entries); err != nil {
			return fmt.Errorf("commit to usage store %s: %w", p.opts.Store.Dir(), err)
		}
	}
	for _, a := range accs {
		a.table.Reset()
		clear(a.entries)
		a.entries = a.entries[:0]
	}
	return nil
}

// fileKept records a file whose rows are now in accumulator acc, whose
// table holds size bytes, and calls a checkpoint when one is due. Called
// with the accumulator held.
func (p *pipeline) fileKept(acc, size int) {
	p.cp.Lock()
	defer p.cp.Unlock()
	p.cpFiles++
	p.cpBytes[acc] = size
	if p.cpDue || p.cpStopped {
		return
	}
	cp := p.opts.Checkpoint
	total := 0
	for _, n := range p.cpBytes {
		total += n
	}
	if cp.Objects > 0 && p.cpFiles >= cp.Objects ||
		cp.Interval > 0 && time.Since(p.cpLast) >= cp.Interval ||
		total >= cp.Memory {
		p.cpDue = true
		select {
		case p.due <- struct{}{}:
		default:
		}
	}
}

// checkpointDone ends a checkpoint: the accumulators are empty.
func (p *pipeline) checkpointDone() {
	p.cp.Lock()
	defer p.cp.Unlock()
	p.cpDue = false
	p.cpFiles = 0
	clear(p.cpBytes)
	p.cpLast = time.Now()
	p.cpResume.Broadcast()
}

// stopCheckpoints ends checkpoints when the aggregator returns: nothing
// commits them any more.
func (p *pipeline) stopCheckpoints() {
	p.cp.Lock()
	defer p.cp.Unlock()
	p.cpStopped = true
	p.cpDue = false
	p.cpResume.Broadcast()
}

// waitCheckpoint holds a worker back from starting a file while a
// checkpoint is due, so that it commits the files kept so far and not
// those begun after.
func (p *pipeline) waitCheckpoint(ctx context.Context) {
	p.cp.Lock()
	defer p.cp.Unlock()
	for p.cpDue && ctx.Err() == nil {
		p.cpResume.Wait()
	}
}

// takeAccumulators waits until no worker adds to any accumulator and
// returns them all, or those it got when ctx ends.
func (p *pipeline) takeAccumulators(ctx context.Context) ([]*accumulator, error) {
	accs := make([]*accumulator, 0, p.naccs)
	for len(accs) < p.naccs {
		select {
		case a := <-p.accs:
			accs = append(accs, a)
		case <-ctx.Done():
			return accs, ctx.Err()
		}
	}
	// In a fixed order, so that merging them is the same every run.
	slices.SortFunc(accs, func(a, b *accumulator) int { return a.id - b.id })
	return accs, nil
}

func (p *pipeline) returnAccumulators(accs []*accumulator) {
	for _, a := range accs {
		p.accs <- a
	}
}

// object implements walkVisitor: it queues objects to read and counts the
// others.
func (p *pipeline) object(ctx context.Context, tree Tree, o Object, v objectVerdict, reason SkipReason) error {
	switch v {
	case objectExcluded:
		return nil
	case objectOutsideWindow:
		p.mu.Lock()
		p.summary.FilesOutsideWindow++
		p.mu.Unlock()
		return nil
	case objectSkip:
		p.listed.Add(1)
		p.skipFile(o.URI, &FileError{Reason: reason, Err: errors.New("the layout puts it among files that hold no API events")})
		return nil
	}
	if p.seen != nil {
		p.mu.Lock()
		dup := p.seen[o.URI]
		p.seen[o.URI] = true
		p.mu.Unlock()
		if dup {
			return nil
		}
	}
	p.listed.Add(1)
	select {
	case p.jobs <- job{tree: tree, obj: o}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// prefix implements walkVisitor.
func (p *pipeline) prefix(tree Tree, prefix string, reason SkipReason) {
	p.mu.Lock()
	p.summary.PrefixesSkipped[reason]++
	p.mu.Unlock()
}

func (p *pipeline) skipFile(uri string, err error) {
	var fe *FileError
	if !errors.As(err, &fe) {
		fe = &FileError{Reason: SkipReadError, Err: err}
		err = fe
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.summary.FilesSkipped[fe.Reason]++
	p.finished.Add(1)
	if p.opts.OnSkip != nil {
		p.opts.OnSkip(Notice{URI: uri, Err: err})
	}
}

func (p *pipeline) work(ctx context.Context) error {
	for j := range p.jobs {
		if err := p.read(ctx, j); err != nil {
			return err
		}
	}
	return nil
}

// read reads one object: skips it if the manifest says earlier runs
// counted all of it that this run would, else decodes it into an
// accumulator, keeping the events of the run's scope that those runs did
// not count, retrying transient failures, and keeps its rows only once the
// object decoded completely.
func (p *pipeline) read(ctx context.Context, j job) error {
	o := j.obj
	// A tree whose ETags are content hashes (local files) has its object
	// hashed while decoding when the store holds no version of the URI:
	// the ETag is then needed for the manifest only, and one read does.
	var hashing streamETagger
	if st, ok := j.tree.(streamETagger); ok && o.ETag == "" && !p.opts.Store.HoldsURI(o.URI) {
		hashing = st
	}
	if o.ETag == "" && hashing == nil {
		etag, err := j.tree.ETag(ctx, o)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p.skipFile(o.URI, err)
			return nil
		}
		o.ETag = etag
	}
	entry := store.ManifestEntry{Object: o.URI, ETag: o.ETag, Size: o.Size}
	var held store.ObjectState // nothing, when the store holds no version
	if hashing == nil {
		held = p.opts.Store.Lookup(entry, p.scope)
	}
	if held.Covered {
		p.mu.Lock()
		p.summary.FilesAlreadyIngested++
		p.mu.Unlock()
		p.finished.Add(1)
		return nil
	}

	dir := ParseKey(o.Key).Dir
	prior := priorRunsOf(held.Coverage)
	retry := p.opts.Retry.withDefaults()
	for attempt := 1; ; attempt++ {
		d, err := p.decode(ctx, j.tree, o, &dir, prior, entry, held, hashing)
		if err == nil {
			p.finished.Add(1)
			if d.changed && p.opts.OnSkip != nil {
				p.mu.Lock()
				p.opts.OnSkip(Notice{URI: o.URI, Changed: true})
				p.mu.Unlock()
			}
			if len(d.result.EventsSkipped) > 0 && p.opts.OnSkip != nil {
				p.mu.Lock()
				p.opts.OnSkip(Notice{URI: o.URI, EventsSkipped: d.result.EventsSkipped})
				p.mu.Unlock()
			}
			select {
			case p.done <- d:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var transient *transientError
		if !errors.As(err, &transient) || attempt >= retry.Attempts {
			if transient != nil {
				err = &FileError{Reason: SkipReadError, Err: fmt.Errorf("%d attempts: %w", attempt, transient.err)}
			}
			p.skipFile(o.URI, err)
			return nil
		}
		if err := sleep(ctx, retry.wait(attempt)); err != nil {
			return err
		}
	}
}

// decode reads o once, adding its rows to an accumulator, leaving out what
// earlier runs counted. The rows stay only if the object decodes
// completely: otherwise the accumulator's transaction takes them back.
//
// With hashing, the object's ETag is computed from the bytes read.
func (p *pipeline) decode(ctx context.Context, tree Tree, o Object, dir *Position, prior priorRuns, entry store.ManifestEntry, held store.ObjectState, hashing streamETagger) (d fileDone, err error) {
	rc, err := tree.Open(ctx, o)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return d, err
		}
		return d, &transientError{err: err}
	}
	defer rc.Close()
	var in io.Reader = rc
	var h hash.Hash
	if hashing != nil {
		h = hashing.newETagHash()
		in = io.TeeReader(rc, h)
	}

	// Taken once the object is open, so that waiting for a slow source
	// does not hold a table other workers could add to.
	p.waitCheckpoint(ctx)
	var acc *accumulator
	select {
	case acc = <-p.accs:
	case <-ctx.Done():
		return d, ctx.Err()
	}
	rows := acc.table
	rows.Begin()
	defer func() {
		if err != nil {
			rows.Discard()
		} else {
			rows.Keep()
			d.entry = entry
			d.entry.Events = d.result.Events - d.outside - d.filtered - d.already
			d.entry.Scopes = store.Coverage{p.scope}
			d.entry.Prior = held.Coverage
			d.readAgain = held.Coverage != nil
			d.changed = held.OtherVersion && held.Coverage == nil
			acc.entries = append(acc.entries, d.entry)
			p.fileKept(acc.id, rows.Size())
		}
		p.accs <- acc
	}()

	body := &countingBody{r: in, want: o.Size, progress: &p.bytes}
	var row store.Row
	n := 0
	onEvent := func(ev *Event) error {
		if n++; n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			p.events.Add(1024)
		}
		switch p.filter.event(ev, dir) {
		case eventOutsideWindow:
			d.outside++
			return nil
		case eventFiltered:
			d.filtered++
			return nil
		}
		if prior.counted(ev, dir) {
			d.already++
			return nil
		}
		FillRow(ev, &row)
		rows.Add(&row)
		return nil
	}
	var src io.Reader = body
	handled := false
	if len(p.opts.Formats) > 0 {
		src, handled, d.result, err = p.readFormats(ctx, rc, body, o, Sink{Event: onEvent, Row: func(r *store.Row) error {
			p.events.Add(r.Count)
			switch p.filter.row(r, dir) {
			case eventOutsideWindow:
				d.outside += r.Count
				return ctx.Err()
			case eventFiltered:
				d.filtered += r.Count
				return ctx.Err()
			}
			if prior.rowCounted(r, dir) {
				d.already += r.Count
				return ctx.Err()
			}
			rows.Add(r)
			return ctx.Err()
		}})
	}
	if !handled {
		d.result, err = Decode(src, onEvent)
	}
	p.events.Add(int64(n & 1023))
	if body.err != nil {
		// The transfer failed, whatever the decoder made of it.
		return d, &transientError{err: fmt.Errorf("read %s: %w", o.URI, body.err)}
	}
	if err != nil {
		if ctx.Err() != nil {
			return d, ctx.Err()
		}
		var fe *FileError
		if errors.As(err, &fe) {
			return d, err
		}
		return d, &FileError{Reason: "decode_failed", Err: err}
	}
	if h != nil {
		if entry.ETag, err = p.etag(ctx, tree, o, hashing, h, handled, body); err != nil {
			return d, err
		}
	}
	return d, nil
}

// etag finishes hashing an object that decoded: the hash covers the
// bytes read, to which it adds any the decoder left unread. An object an
// ObjectFormat read (with random access, perhaps out of order) is hashed
// by reading it again.
func (p *pipeline) etag(ctx context.Context, tree Tree, o Object, hashing streamETagger, h hash.Hash, formatRead bool, body *countingBody) (string, error) {
	if formatRead {
		etag, err := tree.ETag(ctx, o)
		if err != nil {
			return "", &transientError{err: err}
		}
		return etag, nil
	}
	if _, err := io.Copy(io.Discard, body); err != nil || body.err != nil {
		return "", &transientError{err: fmt.Errorf("read %s: %w", o.URI, errors.Join(err, body.err))}
	}
	return hashing.etagOf(h), nil
}

// streamETagger is a Tree whose ETag is a hash of the content, which the
// pipeline can compute while it decodes (LocalTree).
type streamETagger interface {
	newETagHash() hash.Hash
	etagOf(hash.Hash) string
}

// transientError is a failure that reading the object again may fix.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// countingBody tells a transfer that failed from content that is bad: it
// records any read error other than EOF, and an EOF before the object's
// listed size (a body cut short with a correct Content-Length).
type countingBody struct {
	r        io.Reader
	n, want  int64
	err      error
	progress *atomic.Int64
}

func (b *countingBody) Read(buf []byte) (int, error) {
	n, err := b.r.Read(buf)
	b.n += int64(n)
	b.progress.Add(int64(n))
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		if b.n < b.want {
			b.err = fmt.Errorf("body ended after %d of %d bytes: %w", b.n, b.want, io.ErrUnexpectedEOF)
			return n, b.err
		}
	default:
		b.err = err
	}
	return n, err
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 5
	}
	if r.Backoff <= 0 {
		r.Backoff = 500 * time.Millisecond
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = 30 * time.Second
	}
	return r
}

// wait is the backoff after failed attempt n (1-based): exponential, with
// jitter so that workers throttled together do not retry together.
func (r Retry) wait(n int) time.Duration {
	d := r.Backoff << min(n-1, 20)
	if d > r.MaxBackoff || d <= 0 {
		d = r.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pipeline) startProgress(ctx context.Context, start time.Time) (stop func()) {
	if p.opts.OnProgress == nil {
		return func() {}
	}
	every := p.opts.ProgressInterval
	if every <= 0 {
		every = time.Second
	}
	quit := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.opts.OnProgress(Progress{
					Elapsed:       time.Since(start),
					ObjectsListed: p.listed.Load(),
					ObjectsDone:   p.finished.Load(),
					Events:        p.events.Load(),
					Bytes:         p.bytes.Load(),
					Listing:       p.listing.Load(),
				})
			case <-quit:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		once.Do(func() { close(quit) })
		wg.Wait()
	}
}
