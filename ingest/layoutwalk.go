package ingest

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// The walk lists a Tree the way the CloudTrail layout allows it to be
// pruned:
//
//   - above the region level it lists one level at a time with a delimiter,
//     discovering organizations, accounts and regions, and dropping those the
//     filter excludes before listing anything below them;
//   - CloudTrail-Digest/, CloudTrail-Insight/ and other services' prefixes
//     under an account are counted as skipped and never listed;
//   - below a region, with no time window, it lists the region recursively;
//     with a window it lists years, then months, then days with a delimiter,
//     dropping those outside the window's day prefixes, and lists recursively
//     only what lies entirely inside (a whole month or a day);
//   - outside the layout (a plain directory of logs, or a bucket prefix above
//     AWSLogs/) it lists with a delimiter, so an AWSLogs/ found below is
//     still pruned, and every object found is read.
//
// Listing runs on a few goroutines taking directories from a stack (depth
// first, so the stack stays small), and objects are handed on as each page
// arrives.

// walkVisitor receives what the walk finds. Its methods are called from
// several goroutines at once.
type walkVisitor interface {
	// object is called for every object listed, with what its key decides.
	object(ctx context.Context, tree Tree, o Object, v objectVerdict, reason SkipReason) error
	// prefix is called for a prefix skipped by layout, unlisted.
	prefix(tree Tree, prefix string, reason SkipReason)
}

type walkTask struct {
	prefix string
	pos    Position
	all    bool // list recursively
}

type walk struct {
	tree   Tree
	filter *Filter
	visit  walkVisitor

	mu      sync.Mutex
	cond    *sync.Cond
	stack   []walkTask
	pending int // tasks pushed and not finished
	err     error
}

// walkSource lists src with up to listers concurrent listing calls.
func walkSource(ctx context.Context, src Source, f *Filter, listers int, v walkVisitor) error {
	w := &walk{tree: src.Tree, filter: f, visit: v}
	w.cond = sync.NewCond(&w.mu)

	prefix := src.Prefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		o, err := src.Tree.Stat(ctx, prefix)
		switch {
		case err == nil:
			verdict, reason := f.object(o)
			return v.object(ctx, src.Tree, o, verdict, reason)
		case !errors.Is(err, ErrNotFound):
			return err
		}
		prefix += "/"
	}
	pos := ParseDir(prefix)
	switch f.dir(pos) {
	case dirPrune:
		return nil
	case dirAll:
		w.push(walkTask{prefix: prefix, pos: pos, all: true})
	default:
		w.push(walkTask{prefix: prefix, pos: pos})
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range max(listers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(ctx, cancel)
		}()
	}
	wg.Wait()
	return w.err
}

func (w *walk) push(t walkTask) {
	w.mu.Lock()
	w.stack = append(w.stack, t)
	w.pending++
	w.mu.Unlock()
	w.cond.Signal()
}

func (w *walk) run(ctx context.Context, cancel context.CancelFunc) {
	for {
		w.mu.Lock()
		for len(w.stack) == 0 && w.pending > 0 && w.err == nil {
			w.cond.Wait()
		}
		if w.pending == 0 || w.err != nil {
			w.mu.Unlock()
			w.cond.Broadcast()
			return
		}
		t := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		w.mu.Unlock()

		err := w.list(ctx, t)

		w.mu.Lock()
		w.pending--
		if err != nil && w.err == nil {
			w.err = err
			cancel()
		}
		w.mu.Unlock()
		w.cond.Broadcast()
	}
}

func (w *walk) list(ctx context.Context, t walkTask) error {
	onObject := func(o Object) error {
		verdict, reason := w.filter.object(o)
		return w.visit.object(ctx, w.tree, o, verdict, reason)
	}
	if t.all {
		return w.tree.ListAll(ctx, t.prefix, onObject)
	}
	return w.tree.ListDir(ctx, t.prefix, func(sub string) error {
		name := strings.TrimSuffix(strings.TrimPrefix(sub, t.prefix), "/")
		pos := t.pos.child(name)
		if t.pos.Level == LevelAccount {
			if r := pos.skipReason(); r != "" {
				w.visit.prefix(w.tree, sub, r)
				return nil
			}
		}
		switch w.filter.dir(pos) {
		case dirDescend:
			w.push(walkTask{prefix: sub, pos: pos})
		case dirAll:
			w.push(walkTask{prefix: sub, pos: pos, all: true})
		}
		return nil
	}, onObject)
}
