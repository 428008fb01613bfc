package catalog

import (
	"fmt"
	"sort"
	"strings"
)

// Parse reads a catalog in the format gen/compact.js writes (documented
// there). Library users want Default; Parse exists for tests and tools that
// load another generated file.
func Parse(text string) (*Catalog, error) {
	p := parser{c: &Catalog{
		byPrefix: make(map[string]*Service, 512),
		keys:     make(map[string]*ConditionKey, 4096),
	}}
	for lineNo := 1; text != ""; lineNo++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		if line == "" || line[0] == '#' {
			continue
		}
		if err := p.line(line); err != nil {
			return nil, fmt.Errorf("catalog line %d: %w", lineNo, err)
		}
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.c, nil
}

type parser struct {
	c   *Catalog
	svc *Service
	// Action resource lists name resource types of their own service, which
	// all precede the actions, but are resolved at the end to keep the
	// format free of ordering rules beyond "belongs to the S line above".
	pending []pendingResources
}

type pendingResources struct {
	action *Action
	spec   string
}

func (p *parser) line(line string) error {
	kind, rest, _ := strings.Cut(line, "\t")
	f := strings.Split(rest, "\t")
	switch kind {
	case "V":
		if len(f) != 1 || f[0] == "" || p.c.version != "" {
			return fmt.Errorf("bad version record %q", line)
		}
		p.c.version = f[0]
	case "G":
		if len(f) != 2 {
			return fmt.Errorf("bad global condition key record %q", line)
		}
		k := newConditionKey(nil, f[0], f[1])
		p.c.globalKeys = append(p.c.globalKeys, k)
		p.addKey(k)
	case "S":
		if len(f) != 2 || f[0] == "" {
			return fmt.Errorf("bad service record %q", line)
		}
		lower := strings.ToLower(f[0])
		if _, dup := p.c.byPrefix[lower]; dup {
			return fmt.Errorf("duplicate service %q", f[0])
		}
		p.svc = &Service{
			Prefix:        f[0],
			Name:          f[1],
			actions:       make(map[string]*Action),
			resourceTypes: make(map[string]*ResourceType),
		}
		p.c.services = append(p.c.services, p.svc)
		p.c.byPrefix[lower] = p.svc
	case "R":
		if p.svc == nil || len(f) != 3 || f[0] == "" || f[1] == "" {
			return fmt.Errorf("bad resource type record %q", line)
		}
		rt := &ResourceType{Service: p.svc, Name: f[0], ARNs: list(f[1]), ConditionKeys: list(f[2])}
		rt.ARN = rt.ARNs[0]
		for _, arn := range rt.ARNs {
			t, err := parseTemplate(arn)
			if err != nil {
				return fmt.Errorf("resource type %s/%s: %w", p.svc.Prefix, rt.Name, err)
			}
			rt.templates = append(rt.templates, t)
		}
		lower := strings.ToLower(rt.Name)
		if _, dup := p.svc.resourceTypes[lower]; dup {
			return fmt.Errorf("duplicate resource type %s/%s", p.svc.Prefix, rt.Name)
		}
		p.svc.resourceTypes[lower] = rt
		p.svc.ResourceTypes = append(p.svc.ResourceTypes, rt)
	case "K":
		if p.svc == nil || len(f) != 2 || f[0] == "" {
			return fmt.Errorf("bad condition key record %q", line)
		}
		k := newConditionKey(p.svc, f[0], f[1])
		p.svc.ConditionKeys = append(p.svc.ConditionKeys, k)
		p.addKey(k)
	case "A":
		if p.svc == nil || len(f) != 5 || f[0] == "" {
			return fmt.Errorf("bad action record %q", line)
		}
		access, ok := accessLevelCodes[f[1]]
		if !ok {
			return fmt.Errorf("action %s:%s: unknown access level %q", p.svc.Prefix, f[0], f[1])
		}
		a := &Action{
			Service:          p.svc,
			Name:             f[0],
			Access:           access,
			ConditionKeys:    list(f[3]),
			DependentActions: list(f[4]),
			fullName:         p.svc.Prefix + ":" + f[0],
		}
		lower := strings.ToLower(a.Name)
		if _, dup := p.svc.actions[lower]; dup {
			return fmt.Errorf("duplicate action %s", a.fullName)
		}
		p.svc.actions[lower] = a
		p.svc.Actions = append(p.svc.Actions, a)
		p.c.actions++
		if f[2] != "" {
			p.pending = append(p.pending, pendingResources{a, f[2]})
		}
	default:
		return fmt.Errorf("unknown record %q", line)
	}
	return nil
}

func (p *parser) addKey(k *ConditionKey) {
	lower := strings.ToLower(k.Name)
	if _, seen := p.c.keys[lower]; seen {
		return // the first wins: globals come before services
	}
	p.c.keys[lower] = k
	if k.form != nil {
		p.c.keyForms = append(p.c.keyForms, k)
	}
}

func (p *parser) finish() error {
	if p.c.version == "" {
		return fmt.Errorf("catalog has no version record")
	}
	for _, pr := range p.pending {
		entries := strings.Split(pr.spec, ";")
		pr.action.Resources = make([]ActionResource, 0, len(entries))
		for _, e := range entries {
			var r ActionResource
			e, r.DependentActions = cutList(e, "@")
			e, r.ConditionKeys = cutList(e, "=")
			name, required := strings.CutSuffix(e, "!")
			r.Required = required
			rt, ok := pr.action.Service.ResourceType(name)
			if !ok {
				return fmt.Errorf("action %s: unknown resource type %q", pr.action.fullName, name)
			}
			r.Type = rt
			pr.action.Resources = append(pr.action.Resources, r)
		}
	}
	p.pending = nil
	// Key forms are tried in order; longer literal text first makes
	// "s3:ExistingObjectTag/<key>" win over any shorter form it also fits.
	sort.SliceStable(p.c.keyForms, func(i, j int) bool {
		return p.c.keyForms[i].form.literalLen() > p.c.keyForms[j].form.literalLen()
	})
	return nil
}

func cutList(s, sep string) (string, []string) {
	before, after, found := strings.Cut(s, sep)
	if !found {
		return s, nil
	}
	return before, list(after)
}

func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
