package policy

import (
	"sort"
	"strings"
)

// tri is a three-valued match: a statement element matches, does not, or
// matches only for some values of what we do not know (condition context,
// policy variables).
type tri uint8

const (
	no tri = iota
	maybe
	yes
)

func (t tri) not() tri { return yes - t }

// actionMatcher is one compiled entry of Action or NotAction.
//
// IAM compares actions case-insensitively. "*" (any run of stars) matches
// every action; otherwise the pattern is "service:action" and each side is a
// glob. A pattern with no colon matches nothing (IAM rejects it).
type actionMatcher struct {
	all, never bool
	service    glob
	action     glob
}

func compileAction(p string) actionMatcher {
	if isAllStars(p) {
		return actionMatcher{all: true}
	}
	svc, act, ok := strings.Cut(p, ":")
	if !ok {
		return actionMatcher{never: true}
	}
	return actionMatcher{
		service: plainGlob(strings.ToLower(svc), true),
		action:  plainGlob(strings.ToLower(act), true),
	}
}

func (m *actionMatcher) match(svc, act string, ok bool) bool {
	switch {
	case m.all:
		return true
	case m.never || !ok:
		return false
	}
	return m.service.match(svc) && m.action.match(act)
}

// resourceMatcher is one compiled entry of Resource or NotResource.
//
// "*" (any run of stars) matches every resource. Otherwise the pattern is
// split at its first five colons into the ARN's six parts; a pattern with
// fewer parts is padded with "*" parts ("arn:aws:s3" reads as
// "arn:aws:s3:*:*:*"). Each part is a glob matched against the same part of
// the request ARN:
//
//   - "arn", partition, service, region and account are compared without
//     regard to ASCII case, and their wildcards stay within the part;
//   - the resource part (everything after the fifth colon) is compared with
//     case, and there '*' also spans '/' and ':' — AWS: "the asterisk (*)
//     character can expand to replace everything within a segment, including
//     characters like a forward slash (/)", and a wildcard inside the
//     resource-type prefix ("r?le/x", "*/admin") matches like any other.
//
// Under policy version 2012-10-17, "${…}" is a policy variable and "${*}",
// "${?}", "${$}" are a literal '*', '?' and '$'. A variable's value is not
// known here: it is read as "any run of characters", and a pattern that
// matches only that way reports maybe.
type resourceMatcher struct {
	all       bool
	parts     [5]glob
	resource  glob
	variables []string // the "${…}" variables in the pattern, as written
}

func compileResource(p string, variablesEnabled bool) resourceMatcher {
	if isAllStars(p) {
		return resourceMatcher{all: true}
	}
	var m resourceMatcher
	var parts [6][]globElem
	n := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if variablesEnabled && c == '$' && i+1 < len(p) && p[i+1] == '{' {
			if end := strings.IndexByte(p[i+2:], '}'); end >= 0 {
				token := p[i : i+2+end+1]
				switch token {
				case "${*}":
					parts[n] = append(parts[n], globElem{kind: 'l', b: '*'})
				case "${?}":
					parts[n] = append(parts[n], globElem{kind: 'l', b: '?'})
				case "${$}":
					parts[n] = append(parts[n], globElem{kind: 'l', b: '$'})
				default:
					parts[n] = append(parts[n], globElem{kind: '*'})
					m.variables = append(m.variables, token)
				}
				i += len(token) - 1
				continue
			}
		}
		switch {
		case c == ':' && n < 5:
			n++
		case c == '*' || c == '?':
			parts[n] = append(parts[n], globElem{kind: c})
		default:
			parts[n] = append(parts[n], globElem{kind: 'l', b: c})
		}
	}
	for k := n + 1; k < 6; k++ {
		parts[k] = []globElem{{kind: '*'}}
	}
	for k := 0; k < 5; k++ {
		m.parts[k] = compileGlob(parts[k], true)
	}
	m.resource = compileGlob(parts[5], false)
	return m
}

// requestARN is a request resource split once into the six ARN parts.
type requestARN struct {
	parts [6]string
	isARN bool
}

func splitRequestARN(s string) requestARN {
	var r requestARN
	rest := s
	for k := 0; k < 5; k++ {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return requestARN{}
		}
		r.parts[k] = rest[:i]
		rest = rest[i+1:]
	}
	r.parts[5] = rest
	r.isARN = true
	return r
}

// match compares the pattern with a request resource. A request resource
// that is not an ARN (the "*" of an action that takes no resource) is only
// matched by "*".
func (m *resourceMatcher) match(r *requestARN) tri {
	if m.all {
		return yes
	}
	if !r.isARN {
		return no
	}
	for k := 0; k < 5; k++ {
		if !m.parts[k].match(r.parts[k]) {
			return no
		}
	}
	if !m.resource.match(r.parts[5]) {
		return no
	}
	if len(m.variables) > 0 {
		return maybe
	}
	return yes
}

// compiledStatement is a statement ready to be matched against requests.
type compiledStatement struct {
	ref         StatementRef
	effect      Effect
	actions     []actionMatcher
	notAction   bool
	resources   []resourceMatcher
	resourceEl  byte // 'r' Resource, 'n' NotResource, 0 neither (matches any resource)
	conditional bool
	variables   []string // distinct policy variables in Resource/NotResource, sorted
}

func compileStatement(ref StatementRef, st *Statement, version string) compiledStatement {
	cs := compiledStatement{ref: ref, effect: st.Effect, conditional: st.HasCondition()}
	actions := st.Action
	if st.Action == nil {
		actions, cs.notAction = st.NotAction, true
	}
	for _, a := range actions {
		cs.actions = append(cs.actions, compileAction(a))
	}
	resources := st.Resource
	switch {
	case st.Resource != nil:
		cs.resourceEl = 'r'
	case st.NotResource != nil:
		cs.resourceEl, resources = 'n', st.NotResource
	}
	seen := map[string]bool{}
	for _, r := range resources {
		m := compileResource(r, version == Version2012)
		for _, v := range m.variables {
			if !seen[v] {
				seen[v] = true
				cs.variables = append(cs.variables, v)
			}
		}
		cs.resources = append(cs.resources, m)
	}
	sort.Strings(cs.variables)
	return cs
}

// match returns whether the statement applies to the request, and the
// resource element's own answer (to tell a variable from a condition).
func (cs *compiledStatement) match(svc, act string, actOK bool, res *requestARN) (tri, tri) {
	found := false
	for i := range cs.actions {
		if cs.actions[i].match(svc, act, actOK) {
			found = true
			break
		}
	}
	if found == cs.notAction {
		return no, no
	}
	r := yes
	if cs.resourceEl != 0 {
		r = no
		for i := range cs.resources {
			if t := cs.resources[i].match(res); t > r {
				r = t
				if r == yes {
					break
				}
			}
		}
		if cs.resourceEl == 'n' {
			r = r.not()
		}
	}
	switch {
	case r == no:
		return no, r
	case r == maybe || cs.conditional:
		return maybe, r
	}
	return yes, r
}
