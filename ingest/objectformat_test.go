package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// TestObjectContentReaderAt checks random access to an object: in place
// when the source has it, else spooled to memory up to SpoolMemoryLimit
// and to a temporary file above it (also when the object turns out larger
// than listed), removed on release.
func TestObjectContentReaderAt(t *testing.T) {
	small := bytes.Repeat([]byte("0123456789abcdef"), 1000)
	large := bytes.Repeat([]byte("fedcba9876543210"), SpoolMemoryLimit/16+100)
	for _, tc := range []struct {
		name     string
		data     []byte
		listed   int64
		inPlace  bool
		wantFile bool
	}{
		{"in place", small, int64(len(small)), true, false},
		{"small in memory", small, int64(len(small)), false, false},
		{"large to a file", large, int64(len(large)), false, true},
		{"listed small, is large", large, 100, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &ObjectContent{URI: "s3://b/k", Size: tc.listed, body: bytes.NewReader(tc.data)}
			if tc.inPlace {
				c.at = bytes.NewReader(tc.data)
				c.body = errReader{}
			}
			at, size, err := c.ReaderAt()
			if err != nil {
				t.Fatal(err)
			}
			if size != int64(len(tc.data)) && !tc.inPlace {
				t.Errorf("size %d, want %d", size, len(tc.data))
			}
			got := make([]byte, 32)
			if _, err := at.ReadAt(got, int64(len(tc.data))-32); err != nil || !bytes.Equal(got, tc.data[len(tc.data)-32:]) {
				t.Errorf("ReadAt of the last 32 bytes = %q, %v", got, err)
			}
			again, _, err := c.ReaderAt()
			if err != nil || again != at {
				t.Errorf("a second ReaderAt gives %v, %v; want the same reader", again, err)
			}
			var name string
			if c.tempFile != nil {
				name = c.tempFile.Name()
			}
			if (name != "") != tc.wantFile {
				t.Fatalf("temporary file %q, want one: %v", name, tc.wantFile)
			}
			c.release()
			if name != "" {
				if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("temporary file %s still there after release: %v", name, err)
				}
			}
		})
	}
}

// TestObjectContentTooLarge: an object listed larger than SpoolFileLimit
// is refused before anything is read.
func TestObjectContentTooLarge(t *testing.T) {
	c := &ObjectContent{URI: "s3://b/k", Size: SpoolFileLimit + 1, body: errReader{}}
	_, _, err := c.ReaderAt()
	var fe *FileError
	if !errors.As(err, &fe) || fe.Reason != SkipObjectTooLarge {
		t.Fatalf("err = %v, want %s", err, SkipObjectTooLarge)
	}
}

// TestFilterRow: a usage row is kept when its first-seen time is in the
// window (its count cannot be split, and disjoint windows must never both
// count it), and filtered by account and
// region like an event, the object's path standing in for what it lacks.
func TestFilterRow(t *testing.T) {
	day := int64(19875) * 86_400_000 // 2024-06-01
	row := store.Row{Account: "111122223333", Region: "us-east-1", FirstSeen: day + 3_600_000, LastSeen: day + 7_200_000, Count: 4}
	at := func(h int64) time.Time { return time.UnixMilli(day + h*3_600_000).UTC() }
	for _, tc := range []struct {
		name string
		f    Filter
		row  store.Row
		dir  Position
		want eventVerdict
	}{
		{"no filter", Filter{}, row, Position{}, eventKeep},
		{"window holds it", Filter{Since: at(0), Until: at(24)}, row, Position{}, eventKeep},
		{"starts before since", Filter{Since: at(2)}, row, Position{}, eventOutsideWindow},
		{"starts before until", Filter{Until: at(2)}, row, Position{}, eventKeep},
		{"starts at since (inclusive)", Filter{Since: at(1)}, row, Position{}, eventKeep},
		{"ends before", Filter{Since: at(3)}, row, Position{}, eventOutsideWindow},
		{"starts at until (exclusive)", Filter{Until: at(1)}, row, Position{}, eventOutsideWindow},
		{"other account", Filter{Accounts: []string{"444455556666"}}, row, Position{}, eventFiltered},
		{"other region", Filter{Regions: []string{"eu-west-1"}}, row, Position{}, eventFiltered},
		{"account from the path", Filter{Accounts: []string{"444455556666"}}, store.Row{Region: "us-east-1", FirstSeen: day, LastSeen: day}, Position{Account: "444455556666"}, eventKeep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.row(&tc.row, &tc.dir); got != tc.want {
				t.Errorf("row verdict %d, want %d", got, tc.want)
			}
		})
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("the stream must not be read") }

// fakeFormat claims objects starting with its prefix; with notMine it then
// declines them, else it reports one row per line of "source,name,count".
type fakeFormat struct {
	prefix  string
	notMine bool
	// called counts Read calls; workers call formats concurrently.
	called *atomic.Int64
}

func (f fakeFormat) Name() string           { return "fake " + f.prefix }
func (f fakeFormat) Match(head []byte) bool { return bytes.HasPrefix(head, []byte(f.prefix)) }
func (f fakeFormat) Read(ctx context.Context, obj *ObjectContent, out Sink) (FileResult, error) {
	f.called.Add(1)
	if f.notMine {
		return FileResult{}, fmt.Errorf("%s declines: %w", f.prefix, ErrNotThisFormat)
	}
	data, err := io.ReadAll(obj.Body())
	if err != nil {
		return FileResult{}, err
	}
	res := FileResult{Format: "fake"}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		var n int64
		parts := strings.Split(line, ",")
		fmt.Sscan(parts[2], &n)
		r := store.Row{Day: 19875, EventSource: parts[0], EventName: parts[1], Count: n,
			FirstSeen: 19875 * 86_400_000, LastSeen: 19875*86_400_000 + 1000}
		if err := out.Row(&r); err != nil {
			return res, err
		}
		res.Events += n
	}
	return res, nil
}

// TestRunFormats routes objects by their first bytes: to the first format
// that matches and keeps them, past one that declines (ErrNotThisFormat),
// to not_cloudtrail when every matching format declines, and to Decode when
// none matches; rows from a format keep their counts.
func TestRunFormats(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"rows.txt":     "ROWS\ns3.amazonaws.com,GetObject,5\nkms.amazonaws.com,Decrypt,2\n",
		"declined.txt": "NOPE\nanything\n",
		"events.json":  `{"Records":[{"eventVersion":"1.09","eventTime":"2024-06-01T00:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a"}}]}`,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var decliner, rower, other atomic.Int64
	src, err := NewLocalSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "usage"))
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	sum, err := Run(context.Background(), Options{
		Sources: []Source{src}, Store: st,
		Formats: []ObjectFormat{
			fakeFormat{prefix: "NOPE", notMine: true, called: &decliner},
			fakeFormat{prefix: "ROWS", notMine: true, called: &decliner},
			fakeFormat{prefix: "ROWS", called: &rower},
			fakeFormat{prefix: "XXXX", called: &other},
		},
		OnSkip: func(n Notice) { notices = append(notices, n.URI+": "+n.Err.Error()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if decliner.Load() != 2 || rower.Load() != 1 || other.Load() != 0 {
		t.Errorf("calls: decliners %d, rows %d, unmatched %d; want 2, 1, 0", decliner.Load(), rower.Load(), other.Load())
	}
	if sum.FilesRead != 2 || sum.FilesSkipped[SkipNotCloudTrail] != 1 || sum.EventsRead != 8 {
		t.Errorf("files read %d, skipped %v, events %d; want 2, not_cloudtrail 1, 8", sum.FilesRead, sum.FilesSkipped, sum.EventsRead)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "declined.txt: not_cloudtrail: fake NOPE: NOPE declines") {
		t.Errorf("notices %q, want declined.txt refused with the format's reason", notices)
	}
	counts := map[string]int64{}
	st.Rows(context.Background(), func(r *store.Row) error {
		counts[r.EventName] += r.Count
		return nil
	})
	want := map[string]int64{"GetObject": 5, "Decrypt": 2, "GetCallerIdentity": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
}
