package authz

import (
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// Account is what one AWS account has attached today. Every list is sorted
// by ARN (Inline by name, Tags by key, User.Groups by name) so that the same
// account always serialises to the same bytes.
//
// Documents are canonical JSON (see document.go): compact, keys sorted.
// They are json.RawMessage, a []byte, so analyze/policy can parse them
// directly and a JSON dump of the model shows them inline.
type Account struct {
	// ID is the 12-digit account ID, derived from the entities' ARNs: the
	// API output does not state it.
	ID string `json:"id"`
	// Partition is aws, aws-cn, aws-us-gov, …, from the same ARNs.
	Partition string          `json:"partition"`
	Roles     []Role          `json:"roles,omitempty"`
	Users     []User          `json:"users,omitempty"`
	Groups    []Group         `json:"groups,omitempty"`
	Policies  []ManagedPolicy `json:"policies,omitempty"`
}

// PolicyRef names a managed policy attached to an entity, or used as its
// permissions boundary.
type PolicyRef struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
}

// InlinePolicy is a policy embedded in a role, user or group.
type InlinePolicy struct {
	Name     string          `json:"name"`
	Document json.RawMessage `json:"document"`
}

// Tag is an IAM tag on a role or user.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// RoleLastUsed is when and where the role was last assumed, as IAM tracks it
// (a trailing window of about 400 days). Reports use it to tell a role that
// is idle from one whose activity the logs do not cover.
type RoleLastUsed struct {
	Date   time.Time `json:"date"`
	Region string    `json:"region,omitempty"`
}

// Role is an IAM role.
type Role struct {
	ARN  string `json:"arn"`
	Name string `json:"name"`
	Path string `json:"path"`
	ID   string `json:"id,omitempty"`
	// TrustPolicy is the role's AssumeRolePolicyDocument.
	TrustPolicy     json.RawMessage `json:"trustPolicy,omitempty"`
	AttachedManaged []PolicyRef     `json:"attachedManaged,omitempty"`
	Inline          []InlinePolicy  `json:"inline,omitempty"`
	Boundary        *PolicyRef      `json:"boundary,omitempty"`
	Tags            []Tag           `json:"tags,omitempty"`
	LastUsed        *RoleLastUsed   `json:"lastUsed,omitempty"`
	// InstanceProfiles are the ARNs of the instance profiles holding the role.
	InstanceProfiles []string `json:"instanceProfiles,omitempty"`
}

// User is an IAM user.
type User struct {
	ARN             string         `json:"arn"`
	Name            string         `json:"name"`
	Path            string         `json:"path"`
	ID              string         `json:"id,omitempty"`
	AttachedManaged []PolicyRef    `json:"attachedManaged,omitempty"`
	Inline          []InlinePolicy `json:"inline,omitempty"`
	Boundary        *PolicyRef     `json:"boundary,omitempty"`
	Tags            []Tag          `json:"tags,omitempty"`
	// Groups are the names of the groups the user belongs to.
	Groups []string `json:"groups,omitempty"`
}

// Group is an IAM group.
type Group struct {
	ARN             string         `json:"arn"`
	Name            string         `json:"name"`
	Path            string         `json:"path"`
	ID              string         `json:"id,omitempty"`
	AttachedManaged []PolicyRef    `json:"attachedManaged,omitempty"`
	Inline          []InlinePolicy `json:"inline,omitempty"`
}

// ManagedPolicy is a customer or AWS managed policy with its default
// version's document. Other versions are not kept: only the default one is
// in force.
type ManagedPolicy struct {
	ARN              string          `json:"arn"`
	Name             string          `json:"name"`
	Path             string          `json:"path"`
	ID               string          `json:"id,omitempty"`
	DefaultVersionID string          `json:"defaultVersionId"`
	IsAttachable     bool            `json:"isAttachable"`
	Document         json.RawMessage `json:"document"`
}

// AWSManaged reports whether AWS owns the policy (its ARN's account field is
// "aws").
func (p *ManagedPolicy) AWSManaged() bool {
	a, err := parseARN(p.ARN)
	return err == nil && a.account == "aws"
}

// Role returns the role with this ARN (path included, as IAM spells it).
func (a *Account) Role(arn string) (*Role, bool) {
	i := find(len(a.Roles), arn, func(i int) string { return a.Roles[i].ARN })
	if i < 0 {
		return nil, false
	}
	return &a.Roles[i], true
}

// RoleByName returns the role with this name. IAM role names are unique in
// an account whatever their path, and case-insensitively so; an
// assumed-role ARN carries the name without the path.
func (a *Account) RoleByName(name string) (*Role, bool) {
	for i := range a.Roles {
		if strings.EqualFold(a.Roles[i].Name, name) {
			return &a.Roles[i], true
		}
	}
	return nil, false
}

// User returns the user with this ARN.
func (a *Account) User(arn string) (*User, bool) {
	i := find(len(a.Users), arn, func(i int) string { return a.Users[i].ARN })
	if i < 0 {
		return nil, false
	}
	return &a.Users[i], true
}

// Group returns the group with this name (user records list groups by name).
func (a *Account) Group(name string) (*Group, bool) {
	for i := range a.Groups {
		if a.Groups[i].Name == name {
			return &a.Groups[i], true
		}
	}
	return nil, false
}

// Policy returns the managed policy with this ARN.
func (a *Account) Policy(arn string) (*ManagedPolicy, bool) {
	i := find(len(a.Policies), arn, func(i int) string { return a.Policies[i].ARN })
	if i < 0 {
		return nil, false
	}
	return &a.Policies[i], true
}

// find returns the index of the entry whose key is arn, or -1. Lists from
// FromDetails are sorted, so a binary search finds it; an Account built or
// edited by hand may not be, so a miss falls back to a scan rather than
// reporting a reference as missing.
func find(n int, arn string, key func(int) string) int {
	if i := sort.Search(n, func(i int) bool { return key(i) >= arn }); i < n && key(i) == arn {
		return i
	}
	for i := 0; i < n; i++ {
		if key(i) == arn {
			return i
		}
	}
	return -1
}
