package authz

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Details is the GetAccountAuthorizationDetails response, all pages merged,
// in the shape the AWS CLI prints it (PascalCase keys). It is the common
// input of both readers: Read decodes a CLI file into it, iamapi copies the
// SDK's pages into it, and FromDetails turns either into an Account. Only
// the fields the model uses are kept.
type Details struct {
	UserDetailList  []DetailUser   `json:"UserDetailList"`
	GroupDetailList []DetailGroup  `json:"GroupDetailList"`
	RoleDetailList  []DetailRole   `json:"RoleDetailList"`
	Policies        []DetailPolicy `json:"Policies"`
}

// A document field holds what the source gave: a JSON string (URL-encoded
// or plain JSON text, from the API) or a JSON object (from the AWS CLI).
// Live readers fill it with DocumentText.

// DetailRole is one RoleDetailList entry.
type DetailRole struct {
	Path                     string                  `json:"Path"`
	RoleName                 string                  `json:"RoleName"`
	RoleID                   string                  `json:"RoleId"`
	Arn                      string                  `json:"Arn"`
	AssumeRolePolicyDocument json.RawMessage         `json:"AssumeRolePolicyDocument"`
	InstanceProfileList      []DetailInstanceProfile `json:"InstanceProfileList"`
	RolePolicyList           []DetailInlinePolicy    `json:"RolePolicyList"`
	AttachedManagedPolicies  []DetailAttachedPolicy  `json:"AttachedManagedPolicies"`
	PermissionsBoundary      *DetailBoundary         `json:"PermissionsBoundary"`
	Tags                     []DetailTag             `json:"Tags"`
	RoleLastUsed             *DetailRoleLastUsed     `json:"RoleLastUsed"`
}

// DetailUser is one UserDetailList entry.
type DetailUser struct {
	Path                    string                 `json:"Path"`
	UserName                string                 `json:"UserName"`
	UserID                  string                 `json:"UserId"`
	Arn                     string                 `json:"Arn"`
	UserPolicyList          []DetailInlinePolicy   `json:"UserPolicyList"`
	GroupList               []string               `json:"GroupList"`
	AttachedManagedPolicies []DetailAttachedPolicy `json:"AttachedManagedPolicies"`
	PermissionsBoundary     *DetailBoundary        `json:"PermissionsBoundary"`
	Tags                    []DetailTag            `json:"Tags"`
}

// DetailGroup is one GroupDetailList entry.
type DetailGroup struct {
	Path                    string                 `json:"Path"`
	GroupName               string                 `json:"GroupName"`
	GroupID                 string                 `json:"GroupId"`
	Arn                     string                 `json:"Arn"`
	GroupPolicyList         []DetailInlinePolicy   `json:"GroupPolicyList"`
	AttachedManagedPolicies []DetailAttachedPolicy `json:"AttachedManagedPolicies"`
}

// DetailPolicy is one Policies entry (a managed policy).
type DetailPolicy struct {
	PolicyName        string                `json:"PolicyName"`
	PolicyID          string                `json:"PolicyId"`
	Arn               string                `json:"Arn"`
	Path              string                `json:"Path"`
	DefaultVersionID  string                `json:"DefaultVersionId"`
	IsAttachable      bool                  `json:"IsAttachable"`
	PolicyVersionList []DetailPolicyVersion `json:"PolicyVersionList"`
}

// DetailPolicyVersion is one version of a managed policy.
type DetailPolicyVersion struct {
	Document         json.RawMessage `json:"Document"`
	VersionID        string          `json:"VersionId"`
	IsDefaultVersion bool            `json:"IsDefaultVersion"`
}

// DetailInlinePolicy is an inline policy (AWS's PolicyDetail).
type DetailInlinePolicy struct {
	PolicyName     string          `json:"PolicyName"`
	PolicyDocument json.RawMessage `json:"PolicyDocument"`
}

// DetailAttachedPolicy is a managed policy attachment.
type DetailAttachedPolicy struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

// DetailBoundary is a permissions boundary attachment.
type DetailBoundary struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn"`
}

// DetailInstanceProfile is an instance profile holding a role.
type DetailInstanceProfile struct {
	InstanceProfileName string `json:"InstanceProfileName"`
	Arn                 string `json:"Arn"`
}

// DetailTag is an IAM tag.
type DetailTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// DetailRoleLastUsed is RoleLastUsed; IAM sends it empty for a role never
// assumed in its tracking window.
type DetailRoleLastUsed struct {
	LastUsedDate *time.Time `json:"LastUsedDate"`
	Region       string     `json:"Region"`
}

// DocumentText wraps a document string, as the IAM API returns it, for a
// document field of the Detail types.
func DocumentText(s string) json.RawMessage {
	b, _ := json.Marshal(s) // marshalling a string cannot fail
	return b
}

// ErrMissingReference marks an attachment or group membership that names a
// policy or group the details do not contain.
var ErrMissingReference = errors.New("missing reference")

// FromDetails builds the Account that the details describe: documents
// decoded into canonical JSON, the default version of each managed policy
// picked, account and partition derived from the ARNs, references checked,
// everything sorted.
//
// AWS managed policies that nothing in the account attaches or uses as a
// boundary are dropped. AWS returns only those in use; moto returns all of
// them, and without the rule the two would give different models.
//
// Every problem found is returned (joined), each naming the entity.
func FromDetails(d *Details) (*Account, error) {
	var errs []error
	fail := func(entity string, err error) { errs = append(errs, fmt.Errorf("%s: %w", entity, err)) }
	acc := &Account{}
	ids := newAccountDeriver()

	for _, r := range d.RoleDetailList {
		role, entity, err := convertRole(r, ids)
		if err != nil {
			fail(entity, err)
			continue
		}
		acc.Roles = append(acc.Roles, role)
	}
	for _, u := range d.UserDetailList {
		user, entity, err := convertUser(u, ids)
		if err != nil {
			fail(entity, err)
			continue
		}
		acc.Users = append(acc.Users, user)
	}
	for _, g := range d.GroupDetailList {
		group, entity, err := convertGroup(g, ids)
		if err != nil {
			fail(entity, err)
			continue
		}
		acc.Groups = append(acc.Groups, group)
	}
	for _, p := range d.Policies {
		policy, entity, err := convertPolicy(p, ids)
		if err != nil {
			fail(entity, err)
			continue
		}
		acc.Policies = append(acc.Policies, policy)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	var err error
	if acc.ID, acc.Partition, err = ids.result(); err != nil {
		return nil, err
	}
	acc.Policies = dropUnusedAWSManaged(acc)
	sortAccount(acc)
	if err := checkDuplicates(acc); err != nil {
		return nil, err
	}
	if err := acc.Validate(); err != nil {
		return nil, err
	}
	return acc, nil
}

// accountDeriver collects the account and partition of every ARN it sees,
// remembering one entity for each so that a mixed input can be explained.
type accountDeriver struct {
	accounts   map[string]string // account ID → first entity seen
	partitions map[string]string // partition → first entity seen
}

func newAccountDeriver() *accountDeriver {
	return &accountDeriver{accounts: map[string]string{}, partitions: map[string]string{}}
}

// see parses arn, checks that it names a kind entity, and records its
// account (unless AWS owns it) and partition.
func (d *accountDeriver) see(arn, kind, entity string) error {
	a, err := parseARN(arn)
	if err != nil {
		return err
	}
	if a.kind() != kind {
		return fmt.Errorf("ARN %s is not a %s ARN", arn, kind)
	}
	if a.account == "aws" && kind != "policy" {
		return fmt.Errorf("ARN %s: only policies can belong to account \"aws\"", arn)
	}
	if _, ok := d.partitions[a.partition]; !ok {
		d.partitions[a.partition] = entity
	}
	if a.account != "aws" {
		if _, ok := d.accounts[a.account]; !ok {
			d.accounts[a.account] = entity
		}
	}
	return nil
}

func (d *accountDeriver) result() (id, partition string, err error) {
	switch len(d.accounts) {
	case 0:
		return "", "", errors.New("cannot tell the account: no role, user, group or customer managed policy ARN")
	case 1:
	default:
		return "", "", fmt.Errorf("entities from %d accounts in one input (one account per file): %s", len(d.accounts), describe(d.accounts))
	}
	if len(d.partitions) > 1 {
		return "", "", fmt.Errorf("ARNs from %d partitions in one input: %s", len(d.partitions), describe(d.partitions))
	}
	for k := range d.accounts {
		id = k
	}
	for k := range d.partitions {
		partition = k
	}
	return id, partition, nil
}

func describe(firstSeen map[string]string) string {
	keys := make([]string, 0, len(firstSeen))
	for k := range firstSeen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s (%s)", k, firstSeen[k])
	}
	return strings.Join(parts, ", ")
}

func convertRole(r DetailRole, ids *accountDeriver) (Role, string, error) {
	entity := "role " + r.Arn
	if err := ids.see(r.Arn, "role", entity); err != nil {
		return Role{}, entity, err
	}
	role := Role{ARN: r.Arn, ID: r.RoleID}
	var err error
	if role.Name, role.Path, err = nameAndPath(r.Arn, r.RoleName, r.Path, "role"); err != nil {
		return Role{}, entity, err
	}
	if role.TrustPolicy, err = decodeDocument(r.AssumeRolePolicyDocument); err != nil {
		return Role{}, entity, fmt.Errorf("AssumeRolePolicyDocument: %w", err)
	}
	if role.AttachedManaged, err = convertAttached(r.AttachedManagedPolicies, ids, entity); err != nil {
		return Role{}, entity, err
	}
	if role.Inline, err = convertInline(r.RolePolicyList); err != nil {
		return Role{}, entity, err
	}
	if role.Boundary, err = convertBoundary(r.PermissionsBoundary, ids, entity); err != nil {
		return Role{}, entity, err
	}
	role.Tags = convertTags(r.Tags)
	if lu := r.RoleLastUsed; lu != nil && (lu.LastUsedDate != nil || lu.Region != "") {
		role.LastUsed = &RoleLastUsed{Region: lu.Region}
		if lu.LastUsedDate != nil {
			role.LastUsed.Date = lu.LastUsedDate.UTC()
		}
	}
	for _, ip := range r.InstanceProfileList {
		role.InstanceProfiles = append(role.InstanceProfiles, ip.Arn)
	}
	sort.Strings(role.InstanceProfiles)
	return role, entity, nil
}

func convertUser(u DetailUser, ids *accountDeriver) (User, string, error) {
	entity := "user " + u.Arn
	if err := ids.see(u.Arn, "user", entity); err != nil {
		return User{}, entity, err
	}
	user := User{ARN: u.Arn, ID: u.UserID}
	var err error
	if user.Name, user.Path, err = nameAndPath(u.Arn, u.UserName, u.Path, "user"); err != nil {
		return User{}, entity, err
	}
	if user.AttachedManaged, err = convertAttached(u.AttachedManagedPolicies, ids, entity); err != nil {
		return User{}, entity, err
	}
	if user.Inline, err = convertInline(u.UserPolicyList); err != nil {
		return User{}, entity, err
	}
	if user.Boundary, err = convertBoundary(u.PermissionsBoundary, ids, entity); err != nil {
		return User{}, entity, err
	}
	user.Tags = convertTags(u.Tags)
	user.Groups = append([]string(nil), u.GroupList...)
	sort.Strings(user.Groups)
	return user, entity, nil
}

func convertGroup(g DetailGroup, ids *accountDeriver) (Group, string, error) {
	entity := "group " + g.Arn
	if err := ids.see(g.Arn, "group", entity); err != nil {
		return Group{}, entity, err
	}
	group := Group{ARN: g.Arn, ID: g.GroupID}
	var err error
	if group.Name, group.Path, err = nameAndPath(g.Arn, g.GroupName, g.Path, "group"); err != nil {
		return Group{}, entity, err
	}
	if group.AttachedManaged, err = convertAttached(g.AttachedManagedPolicies, ids, entity); err != nil {
		return Group{}, entity, err
	}
	if group.Inline, err = convertInline(g.GroupPolicyList); err != nil {
		return Group{}, entity, err
	}
	return group, entity, nil
}

func convertPolicy(p DetailPolicy, ids *accountDeriver) (ManagedPolicy, string, error) {
	entity := "policy " + p.Arn
	if err := ids.see(p.Arn, "policy", entity); err != nil {
		return ManagedPolicy{}, entity, err
	}
	policy := ManagedPolicy{ARN: p.Arn, ID: p.PolicyID, DefaultVersionID: p.DefaultVersionID, IsAttachable: p.IsAttachable}
	var err error
	// moto leaves PolicyName out of Policies entries; the ARN has it.
	if policy.Name, policy.Path, err = nameAndPath(p.Arn, p.PolicyName, p.Path, "policy"); err != nil {
		return ManagedPolicy{}, entity, err
	}
	if p.DefaultVersionID == "" {
		return ManagedPolicy{}, entity, errors.New("DefaultVersionId is empty")
	}
	var found *DetailPolicyVersion
	for i := range p.PolicyVersionList {
		v := &p.PolicyVersionList[i]
		switch {
		case v.VersionID == p.DefaultVersionID && !v.IsDefaultVersion:
			return ManagedPolicy{}, entity, fmt.Errorf("version %s is the DefaultVersionId but its IsDefaultVersion is false", v.VersionID)
		case v.VersionID != p.DefaultVersionID && v.IsDefaultVersion:
			return ManagedPolicy{}, entity, fmt.Errorf("version %s has IsDefaultVersion true but DefaultVersionId is %s", v.VersionID, p.DefaultVersionID)
		case v.VersionID == p.DefaultVersionID:
			if found != nil {
				return ManagedPolicy{}, entity, fmt.Errorf("version %s listed twice", v.VersionID)
			}
			found = v
		}
	}
	if found == nil {
		return ManagedPolicy{}, entity, fmt.Errorf("default version %s is not in PolicyVersionList", p.DefaultVersionID)
	}
	if policy.Document, err = decodeDocument(found.Document); err != nil {
		return ManagedPolicy{}, entity, fmt.Errorf("version %s: %w", found.VersionID, err)
	}
	return policy, entity, nil
}

// nameAndPath checks name and path against the ARN, and fills in either
// when the source left it out.
func nameAndPath(arn, name, path, kind string) (string, string, error) {
	a, _ := parseARN(arn) // already checked by accountDeriver.see
	fromARN := lastSegment(arn)
	if name == "" {
		name = fromARN
	} else if name != fromARN {
		return "", "", fmt.Errorf("name %q does not match the ARN", name)
	}
	pathFromARN := strings.TrimSuffix(strings.TrimPrefix(a.resource, kind), name)
	if path == "" {
		path = pathFromARN
	} else if path != pathFromARN {
		return "", "", fmt.Errorf("path %q does not match the ARN (%q)", path, pathFromARN)
	}
	return name, path, nil
}

func convertAttached(list []DetailAttachedPolicy, ids *accountDeriver, entity string) ([]PolicyRef, error) {
	var refs []PolicyRef
	for _, ap := range list {
		ref, err := policyRef(ap.PolicyArn, ap.PolicyName, ids, entity)
		if err != nil {
			return nil, fmt.Errorf("attached policy: %w", err)
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

func convertBoundary(b *DetailBoundary, ids *accountDeriver, entity string) (*PolicyRef, error) {
	if b == nil || b.PermissionsBoundaryArn == "" {
		return nil, nil
	}
	ref, err := policyRef(b.PermissionsBoundaryArn, "", ids, entity)
	if err != nil {
		return nil, fmt.Errorf("permissions boundary: %w", err)
	}
	return &ref, nil
}

func policyRef(arn, name string, ids *accountDeriver, entity string) (PolicyRef, error) {
	if err := ids.see(arn, "policy", entity); err != nil {
		return PolicyRef{}, err
	}
	if name == "" {
		name = lastSegment(arn)
	}
	return PolicyRef{Name: name, ARN: arn}, nil
}

func convertInline(list []DetailInlinePolicy) ([]InlinePolicy, error) {
	var out []InlinePolicy
	for _, ip := range list {
		if ip.PolicyName == "" {
			return nil, errors.New("inline policy without a PolicyName")
		}
		doc, err := decodeDocument(ip.PolicyDocument)
		if err != nil {
			return nil, fmt.Errorf("inline policy %q: %w", ip.PolicyName, err)
		}
		out = append(out, InlinePolicy{Name: ip.PolicyName, Document: doc})
	}
	return out, nil
}

func convertTags(list []DetailTag) []Tag {
	var tags []Tag
	for _, t := range list {
		tags = append(tags, Tag(t))
	}
	return tags
}

func dropUnusedAWSManaged(acc *Account) []ManagedPolicy {
	used := map[string]bool{}
	mark := func(refs []PolicyRef, boundary *PolicyRef) {
		for _, r := range refs {
			used[r.ARN] = true
		}
		if boundary != nil {
			used[boundary.ARN] = true
		}
	}
	for _, r := range acc.Roles {
		mark(r.AttachedManaged, r.Boundary)
	}
	for _, u := range acc.Users {
		mark(u.AttachedManaged, u.Boundary)
	}
	for _, g := range acc.Groups {
		mark(g.AttachedManaged, nil)
	}
	kept := acc.Policies[:0]
	for _, p := range acc.Policies {
		if !p.AWSManaged() || used[p.ARN] {
			kept = append(kept, p)
		}
	}
	return kept
}

func sortAccount(acc *Account) {
	sort.Slice(acc.Roles, func(i, j int) bool { return acc.Roles[i].ARN < acc.Roles[j].ARN })
	sort.Slice(acc.Users, func(i, j int) bool { return acc.Users[i].ARN < acc.Users[j].ARN })
	sort.Slice(acc.Groups, func(i, j int) bool { return acc.Groups[i].ARN < acc.Groups[j].ARN })
	sort.Slice(acc.Policies, func(i, j int) bool { return acc.Policies[i].ARN < acc.Policies[j].ARN })
	for i := range acc.Roles {
		r := &acc.Roles[i]
		sortRefs(r.AttachedManaged)
		sortInline(r.Inline)
		sortTags(r.Tags)
	}
	for i := range acc.Users {
		u := &acc.Users[i]
		sortRefs(u.AttachedManaged)
		sortInline(u.Inline)
		sortTags(u.Tags)
	}
	for i := range acc.Groups {
		g := &acc.Groups[i]
		sortRefs(g.AttachedManaged)
		sortInline(g.Inline)
	}
}

func sortRefs(refs []PolicyRef) {
	sort.Slice(refs, func(i, j int) bool { return refs[i].ARN < refs[j].ARN })
}

func sortInline(list []InlinePolicy) {
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
}

func sortTags(tags []Tag) {
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
}

// checkDuplicates rejects an entity listed twice (two files or pages
// glued together, or a broken paginator): which copy to trust is unknown.
func checkDuplicates(acc *Account) error {
	var errs []error
	dup := func(kind string, n int, arn func(int) string) {
		for i := 1; i < n; i++ {
			if arn(i) == arn(i-1) {
				errs = append(errs, fmt.Errorf("%s %s is listed twice", kind, arn(i)))
			}
		}
	}
	dup("role", len(acc.Roles), func(i int) string { return acc.Roles[i].ARN })
	dup("user", len(acc.Users), func(i int) string { return acc.Users[i].ARN })
	dup("group", len(acc.Groups), func(i int) string { return acc.Groups[i].ARN })
	dup("policy", len(acc.Policies), func(i int) string { return acc.Policies[i].ARN })
	for i := range acc.Roles {
		errs = append(errs, dupInline("role "+acc.Roles[i].ARN, acc.Roles[i].Inline)...)
	}
	for i := range acc.Users {
		errs = append(errs, dupInline("user "+acc.Users[i].ARN, acc.Users[i].Inline)...)
	}
	for i := range acc.Groups {
		errs = append(errs, dupInline("group "+acc.Groups[i].ARN, acc.Groups[i].Inline)...)
	}
	return errors.Join(errs...)
}

func dupInline(entity string, sorted []InlinePolicy) []error {
	var errs []error
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Name == sorted[i-1].Name {
			errs = append(errs, fmt.Errorf("%s: inline policy %q is listed twice", entity, sorted[i].Name))
		}
	}
	return errs
}
