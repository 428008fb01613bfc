package catalog

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unsafe"
)

// Parse reads a catalog in the format gen/compact.js writes (documented
// there) and parses every service, so that any error in text is returned
// here. Default, which reads the embedded file on every command, parses
// services lazily instead.
func Parse(text string) (*Catalog, error) {
	c, err := index(text)
	if err != nil {
		return nil, err
	}
	for _, st := range c.stubs {
		if _, err := st.service(); err != nil {
			return nil, err
		}
	}
	c.all()
	return c, nil
}

// index reads the header records (V, G) and finds each service's records,
// without parsing them.
func index(text string) (*Catalog, error) {
	c := &Catalog{
		byPrefix: make(map[string]*serviceStub, 512),
		keys:     make(map[string]*ConditionKey, 64),
	}
	rest := text
	for lineNo := 1; rest != ""; lineNo++ {
		line, after, _ := strings.Cut(rest, "\n")
		if strings.HasPrefix(line, "S\t") {
			break
		}
		rest = after
		if line == "" || line[0] == '#' {
			continue
		}
		var f [4]string
		n, ok := fields(line, f[:])
		switch {
		case ok && n == 2 && f[0] == "V" && f[1] != "" && c.version == "":
			c.version = f[1]
		case ok && n == 3 && f[0] == "G" && f[1] != "":
			k := &ConditionKey{Name: f[1], Type: f[2], form: parseKeyForm(f[1])}
			c.globalKeys = append(c.globalKeys, k)
			addKey(c.keys, &c.keyForms, k)
		default:
			return nil, fmt.Errorf("catalog line %d: bad header record %q", lineNo, line)
		}
	}
	if c.version == "" {
		return nil, fmt.Errorf("catalog has no version record")
	}
	sortForms(c.keyForms)
	// rest starts with an S line; each service runs to the next "\nS\t".
	for rest != "" {
		end := strings.Index(rest[1:], "\nS\t")
		var svcText string
		if end < 0 {
			svcText, rest = rest, ""
		} else {
			svcText, rest = rest[:end+2], rest[end+2:]
		}
		prefix, _, _ := strings.Cut(svcText[2:], "\t")
		lower := asciiLower(prefix)
		if prefix == "" || strings.ContainsAny(prefix, "\n:") {
			return nil, fmt.Errorf("catalog: bad service record %q", firstLine(svcText))
		}
		if _, dup := c.byPrefix[lower]; dup {
			return nil, fmt.Errorf("catalog: duplicate service %q", prefix)
		}
		if n := len(c.stubs); n > 0 && c.stubs[n-1].lower >= lower {
			return nil, fmt.Errorf("catalog: service %q is not after %q", prefix, c.stubs[n-1].lower)
		}
		st := &serviceStub{text: svcText, lower: lower}
		c.stubs = append(c.stubs, st)
		c.byPrefix[lower] = st
	}
	return c, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func addKey(exact map[string]*ConditionKey, forms *[]*ConditionKey, k *ConditionKey) {
	lower := asciiLower(k.Name)
	if _, seen := exact[lower]; seen {
		return // the first wins: globals come before services
	}
	exact[lower] = k
	if k.form != nil {
		*forms = append(*forms, k)
	}
}

// sortForms puts longer literal text first, so that a name fitting two
// forms resolves to the more specific one.
func sortForms(forms []*ConditionKey) {
	sort.SliceStable(forms, func(i, j int) bool {
		return forms[i].form.literalLen() > forms[j].form.literalLen()
	})
}

// svcParser parses one service's records. To keep a first lookup cheap it
// allocates a few slabs sized by counting record kinds up front; names and
// lists are substrings of the text, lower-case lookup keys substrings of a
// lower-cased copy (ASCII folding keeps byte offsets).
type svcParser struct {
	s     *Service
	lower string

	actions       []Action
	resourceTypes []ResourceType
	keys          []ConditionKey
	resources     []ActionResource
	strs          []string
	pending       []pendingResources
}

type pendingResources struct {
	action *Action
	spec   string
}

func parseService(text string) (*Service, error) {
	var records [256]int // by first byte of the line
	for rest := text; rest != ""; {
		records[rest[0]]++
		i := strings.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
	}
	p := &svcParser{
		s:             &Service{},
		lower:         foldText(text),
		actions:       make([]Action, 0, records['A']),
		resourceTypes: make([]ResourceType, 0, records['R']),
		keys:          make([]ConditionKey, 0, records['K']),
		resources:     make([]ActionResource, 0, strings.Count(text, ";")+records['A']),
		strs:          make([]string, 0, strings.Count(text, ",")+2*records['A']+2*records['R']),
	}
	for rest, offset := text, 0; rest != ""; {
		line, after, _ := strings.Cut(rest, "\n")
		if line != "" {
			if err := p.line(line, offset); err != nil {
				return nil, fmt.Errorf("catalog service %s: %w", p.s.Prefix, err)
			}
		}
		offset += len(rest) - len(after)
		rest = after
	}
	if err := p.finish(); err != nil {
		return nil, fmt.Errorf("catalog service %s: %w", p.s.Prefix, err)
	}
	return p.s, nil
}

// fields splits a record into its tab-separated fields, without allocating.
func fields(line string, f []string) (int, bool) {
	n := 0
	for {
		if n == len(f) {
			return n, false
		}
		field, rest, more := strings.Cut(line, "\t")
		f[n] = field
		n++
		if !more {
			return n, true
		}
		line = rest
	}
}

func (p *svcParser) line(line string, offset int) error {
	var f [6]string
	n, ok := fields(line, f[:])
	if !ok || len(f[0]) != 1 {
		return fmt.Errorf("bad record %q", line)
	}
	want := 0
	switch f[0][0] {
	case 'S':
		want = 3
		if offset != 0 {
			return fmt.Errorf("second service record %q", line)
		}
	case 'K':
		want = 3
	case 'R':
		want = 4
	case 'A':
		want = 6
	default:
		return fmt.Errorf("unknown record %q", line)
	}
	if n != want || f[1] == "" {
		return fmt.Errorf("bad record %q: want %d fields and a name", line, want)
	}
	// Fields are consecutive in line, so each one's offset is the sum of
	// the lengths before it; lowerOf maps it into the lower-cased text.
	lowerOf := func(i int) string {
		start := offset
		for j := 0; j < i; j++ {
			start += len(f[j]) + 1
		}
		return p.lower[start : start+len(f[i])]
	}
	s := p.s
	switch f[0][0] {
	case 'S':
		s.Prefix, s.Name = f[1], f[2]
	case 'R':
		arns := p.list(f[2])
		if len(arns) == 0 {
			return fmt.Errorf("resource type %s has no ARN template", f[1])
		}
		p.resourceTypes = append(p.resourceTypes, ResourceType{
			Service: s, Name: f[1], ARN: arns[0], ARNs: arns, ConditionKeys: p.list(f[3]), lowerName: lowerOf(1),
		})
	case 'K':
		p.keys = append(p.keys, ConditionKey{Service: s, Name: f[1], Type: f[2], form: parseKeyForm(f[1])})
	case 'A':
		access, ok := accessLevelCodes[f[2]]
		if !ok {
			return fmt.Errorf("action %s: unknown access level %q", f[1], f[2])
		}
		if n := len(p.actions); n > 0 && p.actions[n-1].lowerName >= lowerOf(1) {
			return fmt.Errorf("action %s: not after %s ignoring case (duplicate or unsorted)", f[1], p.actions[n-1].Name)
		}
		p.actions = append(p.actions, Action{
			Service:          s,
			Name:             f[1],
			Access:           access,
			ConditionKeys:    p.list(f[4]),
			DependentActions: p.list(f[5]),
			lowerName:        lowerOf(1),
		})
		if f[3] != "" {
			p.pending = append(p.pending, pendingResources{&p.actions[len(p.actions)-1], f[3]})
		}
	}
	return nil
}

func (p *svcParser) finish() error {
	s := p.s
	if s.Prefix == "" {
		return fmt.Errorf("no service record")
	}
	s.resourceTypes = make(map[string]*ResourceType, len(p.resourceTypes))
	s.ResourceTypes = make([]*ResourceType, len(p.resourceTypes))
	for i := range p.resourceTypes {
		rt := &p.resourceTypes[i]
		if _, dup := s.resourceTypes[rt.lowerName]; dup {
			return fmt.Errorf("duplicate resource type %s", rt.Name)
		}
		s.ResourceTypes[i] = rt
		s.resourceTypes[rt.lowerName] = rt
	}
	s.keys = make(map[string]*ConditionKey, len(p.keys))
	s.ConditionKeys = make([]*ConditionKey, len(p.keys))
	for i := range p.keys {
		s.ConditionKeys[i] = &p.keys[i]
		addKey(s.keys, &s.keyForms, &p.keys[i])
	}
	sortForms(s.keyForms)

	// One string holds every "prefix:Name" of the service; each action's
	// FullName is a slice of it.
	s.Actions = make([]*Action, len(p.actions))
	var full strings.Builder
	full.Grow(len(p.actions) * (len(s.Prefix) + 24))
	for i := range p.actions {
		s.Actions[i] = &p.actions[i]
		full.WriteString(s.Prefix)
		full.WriteByte(':')
		full.WriteString(p.actions[i].Name)
	}
	all, at := full.String(), 0
	for _, a := range s.Actions {
		n := len(s.Prefix) + 1 + len(a.Name)
		a.fullName = all[at : at+n]
		at += n
	}

	for _, pr := range p.pending {
		start := len(p.resources)
		for spec := pr.spec; ; {
			e, rest, more := strings.Cut(spec, ";")
			var r ActionResource
			e, r.DependentActions = p.cutList(e, "@")
			e, r.ConditionKeys = p.cutList(e, "=")
			name, required := strings.CutSuffix(e, "!")
			r.Required = required
			rt, ok := s.ResourceType(name)
			if !ok {
				return fmt.Errorf("action %s: unknown resource type %q", pr.action.Name, name)
			}
			r.Type = rt
			p.resources = append(p.resources, r)
			if !more {
				break
			}
			spec = rest
		}
		pr.action.Resources = p.resources[start:len(p.resources):len(p.resources)]
	}
	return nil
}

func (p *svcParser) cutList(s, sep string) (string, []string) {
	before, after, found := strings.Cut(s, sep)
	if !found {
		return s, nil
	}
	return before, p.list(after)
}

// list splits a ","-separated field into the shared string slab. The
// result's capacity ends at its length, so a caller's append cannot reach
// a neighbour's elements.
func (p *svcParser) list(s string) []string {
	if s == "" {
		return nil
	}
	start := len(p.strs)
	for {
		item, rest, more := strings.Cut(s, ",")
		p.strs = append(p.strs, item)
		if !more {
			break
		}
		s = rest
	}
	return p.strs[start:len(p.strs):len(p.strs)]
}

// foldText is asciiLower for a service's records, eight bytes at a time.
func foldText(s string) string {
	b := []byte(s)
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		h := w &^ high              // clear the top bits so the additions cannot carry
		ge := h + (0x80-'A')*ones   // top bit set where a byte >= 'A'
		gt := h + (0x80-'Z'-1)*ones // top bit set where a byte > 'Z'
		upper := ge &^ gt &^ w & high
		binary.LittleEndian.PutUint64(b[i:], w|upper>>2)
	}
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	// b is never written again, so the string may share its bytes.
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// asciiLower folds A-Z only, so that byte offsets are kept and lookups
// agree with the keys however the text is encoded.
func asciiLower(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}
