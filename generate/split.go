package generate

import (
	"fmt"
	"strconv"

	"github.com/iamtailor/iamtailor/analyze/policy"
)

// split packs the statements into as few documents as the size limit
// allows, deterministically.
//
//   - Everything that fits one document stays in one document.
//   - Inline policies are never split: IAM's inline limits are aggregate over
//     all inline policies of an identity, so a second document would not
//     make room. Content over the limit fails the principal.
//   - Otherwise statements are packed by service: all statements of one
//     service go together into the first document with room for all of them
//     (first fit, in statement order), so a reviewer finds a service in one
//     file. A service too big for one document is packed statement by
//     statement, and a statement too big for one document is first cut into
//     parts along its resource list (then its action list).
//   - If that needs more than maxDocs documents, the statements are instead
//     poured in order into documents filled to the limit, a statement being
//     cut along its resources where a document is full. This is less
//     readable, so it is only used when it is what makes the policy fit.
//   - Parts of a cut statement are named Sid + "Part1", "Part2", … in
//     document order.
//   - More than maxDocs documents fails the principal: a permission is never
//     dropped to make it fit.
func split(stmts []*statement, limit, maxDocs int, inline bool) ([]policy.Document, error) {
	overhead := emptyDocSize()
	capacity := limit - overhead
	sz := sizer{}
	total := len(stmts) - 1
	for _, st := range stmts {
		total += sz.of(st)
	}
	if total <= capacity {
		return []policy.Document{toDocument(stmts)}, nil
	}
	if inline {
		return nil, fmt.Errorf("the policy needs %d characters, over the %d-character inline limit; IAM counts every inline policy of an identity together, so splitting cannot help: generate managed policies instead (without --inline)", total+overhead, limit)
	}
	// Beyond maxDocs full documents no packing can succeed: say so before
	// cutting anything.
	if total > maxDocs*capacity {
		return nil, tooManyDocuments((total+capacity-1)/capacity, "at least ", limit, total+overhead, len(stmts), maxDocs)
	}

	var pieces []*statement
	for _, st := range stmts {
		if sz.of(st) <= capacity {
			pieces = append(pieces, st)
			continue
		}
		cut, err := cutStatement(st, capacity)
		if err != nil {
			return nil, err
		}
		pieces = append(pieces, cut...)
	}
	bins := packByService(pieces, capacity, &sz)
	if len(bins) > maxDocs {
		bins = packFilling(pieces, capacity, &sz)
	}
	if len(bins) > maxDocs {
		return nil, tooManyDocuments(len(bins), "", limit, total+overhead, len(stmts), maxDocs)
	}
	nameParts(bins)
	docs := make([]policy.Document, len(bins))
	for i, b := range bins {
		docs[i] = toDocument(b.members)
	}
	return docs, nil
}

func tooManyDocuments(n int, atLeast string, limit, chars, stmts, maxDocs int) error {
	return fmt.Errorf("the policy needs %s%d managed policies of at most %d characters (%d characters in %s), more than the %d that can be attached to one identity; nothing is written rather than dropping a permission: narrow the usage (--since, --until) or widen with --collapse-threshold, --collapse-regions or --action-wildcards", atLeast, n, limit, chars, plural(stmts, "statement"), maxDocs)
}

// sizer caches statement sizes: a statement does not change once split
// starts, and sizing means rendering it.
type sizer map[*statement]int

func (s sizer) of(st *statement) int {
	n, ok := s[st]
	if !ok {
		n = stmtSize(st)
		s[st] = n
	}
	return n
}

// bin is one document being filled.
type bin struct {
	used    int // characters of the statements and the commas between them
	members []*statement
}

// room is what a statement may take in the bin, separator included.
func (b *bin) room(capacity int) int {
	if len(b.members) == 0 {
		return capacity
	}
	return capacity - b.used - 1
}

func (b *bin) add(sts []*statement, size int) {
	if len(b.members) > 0 {
		b.used++
	}
	b.used += size
	b.members = append(b.members, sts...)
}

// packByService is the readable packing: each service's statements go, all
// together, into the first document with room for them; a service that
// fills more than a document goes statement by statement. Every piece fits
// an empty document.
func packByService(pieces []*statement, capacity int, sz *sizer) []*bin {
	order := map[*statement]int{}
	var services []string
	byService := map[string][]*statement{}
	for i, st := range pieces {
		order[st] = i
		key := st.service
		if st.class == noResourceType {
			key = "\x00shared"
		}
		if _, ok := byService[key]; !ok {
			services = append(services, key)
		}
		byService[key] = append(byService[key], st)
	}
	var bins []*bin
	place := func(group []*statement, size int) {
		for _, b := range bins {
			if size <= b.room(capacity) {
				b.add(group, size)
				return
			}
		}
		b := &bin{}
		b.add(group, size)
		bins = append(bins, b)
	}
	for _, svc := range services {
		group := byService[svc]
		groupSize := len(group) - 1
		for _, st := range group {
			groupSize += sz.of(st)
		}
		if groupSize <= capacity {
			place(group, groupSize)
			continue
		}
		for _, st := range group {
			place([]*statement{st}, sz.of(st))
		}
	}
	// Statements keep their global order inside a document.
	for _, b := range bins {
		sortByOrder(b.members, order)
	}
	return bins
}

func sortByOrder(sts []*statement, order map[*statement]int) {
	for i := 1; i < len(sts); i++ {
		for j := i; j > 0 && order[sts[j]] < order[sts[j-1]]; j-- {
			sts[j], sts[j-1] = sts[j-1], sts[j]
		}
	}
}

// packFilling is the compact packing: statements in order, each document
// filled up, a statement cut along its resources where it meets the end of
// a document.
func packFilling(pieces []*statement, capacity int, sz *sizer) []*bin {
	cur := &bin{}
	var bins []*bin
	for _, st := range pieces {
		rest := st
		for rest != nil {
			room := cur.room(capacity)
			if n := sz.of(rest); n <= room {
				cur.add([]*statement{rest}, n)
				break
			}
			if head, tail := cutHead(rest, room); head != nil {
				cur.add([]*statement{head}, sz.of(head))
				rest = tail
			}
			bins = append(bins, cur)
			cur = &bin{}
		}
	}
	if len(cur.members) > 0 {
		bins = append(bins, cur)
	}
	return bins
}

// cutHead splits off the longest run of st's first resources that fits in
// room, leaving at least one resource in the tail. It returns nil when no
// resource fits.
func cutHead(st *statement, room int) (head, tail *statement) {
	if len(st.Resources) < 2 {
		return nil, nil
	}
	k := longestRun(len(st.Resources)-1, room, func(k int) bool {
		return stmtSize(part(st, st.Actions, st.Resources[:k])) <= room
	})
	if k == 0 {
		return nil, nil
	}
	return part(st, st.Actions, st.Resources[:k]), part(st, st.Actions, st.Resources[k:])
}

// part is a piece of a cut statement. Its Sid is a placeholder at least as
// long as the final "Part<n>" name (fewer than 1000 parts), so that sizes
// computed now stay upper bounds; nameParts gives the real one.
func part(st *statement, actions, resources []string) *statement {
	origin := st
	if st.origin != nil {
		origin = st.origin
	}
	return &statement{
		Sid: origin.Sid + "Part999", Actions: actions, Resources: resources,
		class: origin.class, service: origin.service, level: origin.level, types: origin.types, base: origin.base,
		origin: origin,
	}
}

// nameParts names the parts of each cut statement Part1, Part2, … in
// document order.
func nameParts(bins []*bin) {
	next := map[*statement]int{}
	for _, b := range bins {
		for _, st := range b.members {
			if st.origin == nil {
				continue
			}
			next[st.origin]++
			st.Sid = st.origin.Sid + "Part" + strconv.Itoa(next[st.origin])
		}
	}
}

// cutStatement cuts a statement that alone exceeds capacity into parts that
// each fit, in order: runs of its resources with every action, and, when
// one resource with every action is still too big, runs of its actions on
// that resource. Together the parts allow exactly what the statement did.
func cutStatement(st *statement, capacity int) ([]*statement, error) {
	var pieces []*statement
	fits := func(actions, resources []string) bool {
		return stmtSize(part(st, actions, resources)) <= capacity
	}
	for i := 0; i < len(st.Resources); {
		r := st.Resources[i]
		if !fits(st.Actions, st.Resources[i:i+1]) {
			n := 0
			for n < len(st.Actions) {
				k := longestRun(len(st.Actions)-n, capacity, func(k int) bool { return fits(st.Actions[n:n+k], []string{r}) })
				if k == 0 {
					return nil, fmt.Errorf("statement %s: action %s on %s alone exceeds the %d characters available in one document", st.Sid, st.Actions[n], r, capacity)
				}
				pieces = append(pieces, part(st, st.Actions[n:n+k], []string{r}))
				n += k
			}
			i++
			continue
		}
		k := longestRun(len(st.Resources)-i, capacity, func(k int) bool { return fits(st.Actions, st.Resources[i:i+k]) })
		pieces = append(pieces, part(st, st.Actions, st.Resources[i:i+k]))
		i += k
	}
	return pieces, nil
}

// longestRun is the largest k in [0, n] for which fits(k) holds, given that
// fits is monotone (a longer run is never smaller). Every list element
// takes at least three characters ("x" and a comma), which bounds the
// search by capacity, so a cut costs O(log) size computations of at most
// one document each, whatever the length of the list.
func longestRun(n, capacity int, fits func(k int) bool) int {
	hi := min(n, capacity/3+1)
	lo := 0
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}
