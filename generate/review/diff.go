package review

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// DiffContext is the number of unchanged lines shown around each change,
// as in `diff -u`.
const DiffContext = 3

// lineOp is one line of a line diff.
type lineOp struct {
	op   diffmatchpatch.Operation
	text string // the line, with its newline when it has one
}

// lineDiff diffs two texts line by line with go-diff's line mode.
func lineDiff(from, to string) []lineOp {
	dmp := diffmatchpatch.New()
	// No deadline: a timed-out diff is valid but depends on the machine's
	// speed, and the same input must give the same bytes.
	dmp.DiffTimeout = 0
	a, b, lines := dmp.DiffLinesToRunes(from, to)
	diffs := dmp.DiffCharsToLines(dmp.DiffMainRunes(a, b, false), lines)
	var ops []lineOp
	for _, d := range diffs {
		for _, l := range splitLines(d.Text) {
			ops = append(ops, lineOp{d.Type, l})
		}
	}
	return ops
}

// splitLines splits text after each newline; a last line without one is
// kept as is.
func splitLines(text string) []string {
	var out []string
	for text != "" {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+1:]
	}
	return out
}

// UnifiedDiff returns the unified diff (the `diff -u` format, without
// timestamps) that turns from into to, with fromName and toName in the
// ---/+++ header. Equal texts give no bytes. A last line without a newline
// is marked "\ No newline at end of file", so `patch` and `git apply`
// reproduce to exactly.
func UnifiedDiff(fromName, toName string, from, to []byte) []byte {
	if bytes.Equal(from, to) {
		return nil
	}
	ops := lineDiff(string(from), string(to))
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "--- %s\n+++ %s\n", fromName, toName)

	// Hunks: runs of changes with DiffContext lines around them, merged
	// when the unchanged gap between two changes is at most 2×DiffContext.
	n := len(ops)
	i := 0
	for i < n {
		for i < n && ops[i].op == diffmatchpatch.DiffEqual {
			i++
		}
		if i == n {
			break
		}
		start := max(i-DiffContext, 0)
		end := i // one past the last change of the hunk
		for j := i; j < n; {
			if ops[j].op != diffmatchpatch.DiffEqual {
				end = j + 1
				j++
				continue
			}
			k := j
			for k < n && ops[k].op == diffmatchpatch.DiffEqual {
				k++
			}
			if k == n || k-j > 2*DiffContext {
				break
			}
			j = k
		}
		stop := min(end+DiffContext, n)
		writeHunk(&buf, ops, start, stop)
		i = stop
	}
	return buf.Bytes()
}

func writeHunk(buf *bytes.Buffer, ops []lineOp, start, stop int) {
	// Line numbers of the hunk's first line in each file.
	fromLine, toLine := 1, 1
	for _, o := range ops[:start] {
		if o.op != diffmatchpatch.DiffInsert {
			fromLine++
		}
		if o.op != diffmatchpatch.DiffDelete {
			toLine++
		}
	}
	var fromCount, toCount int
	for _, o := range ops[start:stop] {
		if o.op != diffmatchpatch.DiffInsert {
			fromCount++
		}
		if o.op != diffmatchpatch.DiffDelete {
			toCount++
		}
	}
	fmt.Fprintf(buf, "@@ -%s +%s @@\n", hunkRange(fromLine, fromCount), hunkRange(toLine, toCount))
	for _, o := range ops[start:stop] {
		switch o.op {
		case diffmatchpatch.DiffEqual:
			buf.WriteByte(' ')
		case diffmatchpatch.DiffDelete:
			buf.WriteByte('-')
		case diffmatchpatch.DiffInsert:
			buf.WriteByte('+')
		}
		buf.WriteString(o.text)
		if !strings.HasSuffix(o.text, "\n") {
			buf.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange is GNU diff's range: "start,count", "start" when count is 1,
// and for an empty range the line before it.
func hunkRange(start, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprintf("%d", start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}
