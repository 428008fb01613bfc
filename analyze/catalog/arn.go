package catalog

import (
	"fmt"
	"regexp"
	"strings"
)

// Partitions are the AWS partitions a ${Partition} placeholder stands for.
var Partitions = []string{"aws", "aws-cn", "aws-eusc", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-us-gov"}

// regionPattern is the shape of every AWS region name: us-east-1,
// us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1.
var regionPattern = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)

// Matches says whether a policy Resource can name a resource of this type:
// "*", a concrete ARN, or an ARN with IAM wildcards ("*" any run of
// characters, "?" one character). With wildcards it answers "can some ARN
// matched by resource be of this type", which is the question a policy
// validity check asks. The rules, per ARN component:
//
//   - ${Partition}: one of Partitions.
//   - service: the template's literal text, compared exactly.
//   - ${Region}: a region name (us-east-1, us-gov-west-1, ...); an empty
//     template region requires an empty one; "*" in a template allows anything.
//   - ${Account} (or any variable filling the account component): 12 digits,
//     or "aws" for AWS-owned resources such as managed policies; an empty
//     template account requires an empty one.
//   - resource (everything after the fifth ":"): literal text compared
//     exactly (ARNs are case-sensitive); each ${Var} matches one or more
//     characters. A variable that is the whole component (S3 ${BucketName},
//     SNS ${TopicName}) cannot contain ":" or "/", so a bucket never fits
//     the object type; any other variable may, because names with paths
//     (IAM paths, S3 keys, log group names, SSM parameters) hold "/" and
//     qualified names hold ":". A "*" in a template matches any text.
//
// A resource with fewer than six ":"-separated components fits nothing
// (except "*" alone), as in AWS, where a wildcard does not span components.
func (rt *ResourceType) Matches(resource string) bool {
	if resource == "*" {
		return true
	}
	parts, ok := splitARN(resource)
	if !ok {
		return false
	}
	for _, t := range rt.compiled() {
		if t.matches(parts) {
			return true
		}
	}
	return false
}

// compiled parses the ARN templates on first use: most commands never match
// a resource, and parsing all 2,300 templates would double the load time.
// Every embedded template is checked to parse by the tests, so an error
// here can only come from a hand-made Parse input; such a type fits nothing.
func (rt *ResourceType) compiled() []*template {
	rt.templatesOnce.Do(func() {
		for _, arn := range rt.ARNs {
			t, err := parseTemplate(arn)
			if err != nil {
				rt.templatesErr = fmt.Errorf("resource type %s: %w", rt.FullName(), err)
				rt.templates = nil
				return
			}
			rt.templates = append(rt.templates, t)
		}
	})
	return rt.templates
}

// ResourceTypesFor returns the action's resource types that resource can
// name (see ResourceType.Matches), in the action's order. For an ARN without
// wildcards it keeps only the most specific types: an index ARN
// (table/t/index/i) also fits the table template (table/${TableName}) since
// names may hold "/", and a template is dropped when another matching one
// has all its literal text as a prefix and more. A resource with wildcards
// keeps every type it could name. Nil means the resource fits none of the
// action's types (or the action takes none: then only "*" is valid).
func (a *Action) ResourceTypesFor(resource string) []*ResourceType {
	var matched []*ResourceType
	for _, r := range a.Resources {
		if r.Type.Matches(resource) {
			matched = append(matched, r.Type)
		}
	}
	if len(matched) < 2 || resource == "*" || strings.ContainsAny(resource, "*?") {
		return matched
	}
	parts, _ := splitARN(resource)
	var specific []*ResourceType
	for i, rt := range matched {
		parent := false
		for j, other := range matched {
			if i != j && other.moreSpecificFor(rt, parts) {
				parent = true
				break
			}
		}
		if !parent {
			specific = append(specific, rt)
		}
	}
	return specific
}

// moreSpecificFor says whether rt, through a template that fits the ARN,
// extends a fitting template of parent with more literal text.
func (rt *ResourceType) moreSpecificFor(parent *ResourceType, parts arnParts) bool {
	for _, child := range rt.compiled() {
		if !child.matches(parts) {
			continue
		}
		for _, p := range parent.compiled() {
			if p.matches(parts) && len(child.literal) > len(p.literal) && strings.HasPrefix(child.literal, p.literal) {
				return true
			}
		}
	}
	return false
}

// arnParts are partition, service, region, account and resource.
type arnParts [5]string

func splitARN(s string) (arnParts, bool) {
	var p arnParts
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return p, false
	}
	for i := 0; i < 4; i++ {
		var found bool
		p[i], rest, found = strings.Cut(rest, ":")
		if !found {
			return p, false
		}
	}
	p[4] = rest
	return p, true
}

// template is one compiled ARN template.
type template struct {
	raw        string
	components [5]componentMatcher
	literal    string // the template without its ${Var} placeholders
}

func (t *template) matches(parts arnParts) bool {
	for i, m := range t.components {
		if !m.match(parts[i]) {
			return false
		}
	}
	return true
}

func parseTemplate(raw string) (*template, error) {
	parts, ok := splitARN(raw)
	if !ok {
		return nil, fmt.Errorf("ARN template %q: want arn:partition:service:region:account:resource", raw)
	}
	t := &template{raw: raw, literal: stripVariables(raw)}
	for i, comp := range parts {
		m, err := compileComponent(i, comp)
		if err != nil {
			return nil, fmt.Errorf("ARN template %q: %w", raw, err)
		}
		t.components[i] = m
	}
	return t, nil
}

func stripVariables(s string) string {
	var b strings.Builder
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			break
		}
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			break
		}
		b.WriteString(s[:start])
		s = s[start+end+1:]
	}
	b.WriteString(s)
	return b.String()
}

const (
	partitionComponent = iota
	serviceComponent
	regionComponent
	accountComponent
	resourceComponent
)

func compileComponent(i int, comp string) (componentMatcher, error) {
	whole := isWholeVariable(comp)
	switch {
	case i == partitionComponent && whole:
		return oneOf(Partitions), nil
	case i == regionComponent && whole:
		return regionMatcher{}, nil
	case i == accountComponent && whole:
		return accountMatcher{}, nil
	}
	toks, err := templateTokens(comp, whole)
	if err != nil {
		return nil, err
	}
	return tokensMatcher(toks), nil
}

func isWholeVariable(comp string) bool {
	return strings.HasPrefix(comp, "${") && strings.IndexByte(comp, '}') == len(comp)-1
}

// templateTokens compiles a template component: literal bytes match
// themselves, "*" any text, a ${Var} one or more characters (not ":" or "/"
// when the variable is the whole component).
func templateTokens(comp string, whole bool) ([]token, error) {
	varSet := anyByte
	if whole {
		varSet = nonSeparator
	}
	var toks []token
	for i := 0; i < len(comp); {
		switch {
		case strings.HasPrefix(comp[i:], "${"):
			end := strings.IndexByte(comp[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unterminated variable in %q", comp)
			}
			toks = append(toks, token{set: varSet}, token{set: varSet, star: true})
			i += end + 1
		case comp[i] == '*':
			toks = append(toks, token{set: anyByte, star: true})
			i++
		default:
			toks = append(toks, token{set: single(comp[i])})
			i++
		}
	}
	return toks, nil
}

// globTokens compiles a policy resource component: "*" is any run of
// characters, "?" any one character, anything else itself.
func globTokens(s string) []token {
	toks := make([]token, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*':
			toks = append(toks, token{set: anyByte, star: true})
		case '?':
			toks = append(toks, token{set: anyByte})
		default:
			toks = append(toks, token{set: single(s[i])})
		}
	}
	return toks
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

type componentMatcher interface {
	match(resourceComponent string) bool
}

type oneOf []string

func (m oneOf) match(s string) bool {
	for _, v := range m {
		if s == v || (hasWildcard(s) && intersect(globTokens(s), globTokens(v))) {
			return true
		}
	}
	return false
}

type regionMatcher struct{}

// regionShape over-approximates regionPattern for wildcard resources:
// a letter, letters and dashes, a dash, digits.
var regionShape = []token{
	{set: lowerLetters}, {set: lowerLetters.with('-'), star: true},
	{set: single('-')}, {set: digits}, {set: digits, star: true},
}

func (regionMatcher) match(s string) bool {
	if hasWildcard(s) {
		return intersect(globTokens(s), regionShape)
	}
	return regionPattern.MatchString(s)
}

type accountMatcher struct{}

var accountShape = func() []token {
	toks := make([]token, 12)
	for i := range toks {
		toks[i] = token{set: digits}
	}
	return toks
}()

func (accountMatcher) match(s string) bool {
	if hasWildcard(s) {
		return intersect(globTokens(s), accountShape) || intersect(globTokens(s), globTokens("aws"))
	}
	if s == "aws" {
		return true
	}
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

type tokensMatcher []token

func (m tokensMatcher) match(s string) bool { return intersect(globTokens(s), m) }

// token matches one byte of set, or with star any run of them.
type token struct {
	set  byteSet
	star bool
}

type byteSet [4]uint64

func single(b byte) byteSet {
	var s byteSet
	s[b>>6] |= 1 << (b & 63)
	return s
}

func (s byteSet) with(b byte) byteSet {
	s[b>>6] |= 1 << (b & 63)
	return s
}

func (s byteSet) overlaps(o byteSet) bool {
	return s[0]&o[0] != 0 || s[1]&o[1] != 0 || s[2]&o[2] != 0 || s[3]&o[3] != 0
}

func byteRange(lo, hi byte) byteSet {
	var s byteSet
	for b := int(lo); b <= int(hi); b++ {
		s = s.with(byte(b))
	}
	return s
}

var (
	anyByte      = byteSet{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
	nonSeparator = func() byteSet {
		s := anyByte
		s[':'>>6] &^= 1 << (':' & 63)
		s['/'>>6] &^= 1 << ('/' & 63)
		return s
	}()
	lowerLetters = byteRange('a', 'z')
	digits       = byteRange('0', '9')
)

// intersect says whether some string is accepted by both token sequences,
// by exploring their product automaton. Sizes are ARN-length, so the
// (len(a)+1)·(len(b)+1) state table stays small.
func intersect(a, b []token) bool {
	width := len(b) + 1
	seen := make([]bool, (len(a)+1)*width)
	stack := []int{0}
	for len(stack) > 0 {
		st := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[st] {
			continue
		}
		seen[st] = true
		i, j := st/width, st%width
		if i == len(a) && j == len(b) {
			return true
		}
		if i < len(a) && a[i].star {
			stack = append(stack, (i+1)*width+j)
		}
		if j < len(b) && b[j].star {
			stack = append(stack, i*width+j+1)
		}
		if i < len(a) && j < len(b) && a[i].set.overlaps(b[j].set) {
			ni, nj := i+1, j+1
			if a[i].star {
				ni = i
			}
			if b[j].star {
				nj = j
			}
			stack = append(stack, ni*width+nj)
		}
	}
	return false
}
