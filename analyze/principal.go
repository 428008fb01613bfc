package analyze

import (
	"strings"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// NotPrincipal says why a row's caller is not a principal: who acted is an
// AWS service, not an identity that a policy could be written for.
type NotPrincipal string

const (
	IsPrincipal NotPrincipal = ""
	// NotPrincipalAWSService: userIdentity.type AWSService (an AWS service
	// calling with its own service principal).
	NotPrincipalAWSService NotPrincipal = "aws-service"
	// NotPrincipalInvokedByOnly: the event names only the service that
	// invoked it (userIdentity has invokedBy and no type).
	NotPrincipalInvokedByOnly NotPrincipal = "invoked-by-service"
	// NotPrincipalNoIdentity: userIdentity names nobody.
	NotPrincipalNoIdentity NotPrincipal = "no-identity"
	// NotPrincipalCrossAccountCaller: userIdentity.type AWSAccount, the
	// resource owner's copy of a call made by a principal of another
	// account, which it names by account ID (and principal ID) only. No
	// policy can be written for an account ID, and the call is the one the
	// caller's own copy, in its account's trail, attributes to the caller:
	// the analyzer counts the two copies as one call (see Analyzer).
	NotPrincipalCrossAccountCaller NotPrincipal = "cross-account-caller"
)

// Why some principals never get a suggested policy.
const (
	reasonServiceLinked = "service-linked role: its permissions are defined by the AWS service that owns it and cannot be changed"
	reasonRoot          = "root user: identity policies cannot restrict it; use it only for the tasks that need it"
	reasonFederated     = "federated user session (sts:GetFederationToken): no policy can be attached to it; its permissions are those of the IAM user that created it, limited by the session policy"
	reasonIdentityCtr   = "IAM Identity Center user: permissions come from permission sets, not from IAM identity policies"
	reasonSAML          = "SAML federated caller: it holds no AWS identity; the role it assumes is reported separately"
	reasonWebIdentity   = "web identity federated caller: it holds no AWS identity; the role it assumes is reported separately"
	reasonUnknown       = "the event does not identify the caller"
)

// principalOf returns who a row's usage is attributed to and, for a
// principal that must never get a suggested policy, why. An assumed-role
// session is attributed to its role (the session issuer's ARN, path
// included), never to the session.
func principalOf(r *store.Row) (Principal, string, NotPrincipal) {
	switch r.IdentityType {
	case "AWSService":
		return Principal{}, "", NotPrincipalAWSService
	case "AWSAccount":
		return Principal{}, "", NotPrincipalCrossAccountCaller
	case "":
		if r.InvokedBy != "" {
			return Principal{}, "", NotPrincipalInvokedByOnly
		}
		if r.IdentityARN == "" && r.UserName == "" && r.PrincipalID == "" {
			return Principal{}, "", NotPrincipalNoIdentity
		}
	}
	acct := firstNonEmpty(r.IdentityAccount, r.Account)
	part := partitionOf(firstNonEmpty(r.IssuerARN, r.IdentityARN), r.Region)
	typ := r.IdentityType
	if (typ == "" || typ == "Unknown") && r.OnBehalfOfUserID != "" {
		// An Identity Center user logged by its onBehalfOf block only.
		typ = "IdentityCenterUser"
	}
	switch typ {
	case "AssumedRole":
		roleARN := ""
		if strings.Contains(r.IssuerARN, ":role/") {
			roleARN = r.IssuerARN
		} else if name, a, p, ok := roleFromSessionARN(r.IdentityARN); ok {
			// No session issuer: the session ARN names the role without its path.
			roleARN = "arn:" + p + ":iam::" + a + ":role/" + name
		}
		if roleARN == "" {
			return unknownPrincipal(r, part, acct), reasonUnknown, IsPrincipal
		}
		p := iamEntity(roleARN, KindRole)
		p.Partition = part
		if p.Account == "" {
			p.Account = acct
		}
		if strings.HasPrefix(p.Path, "/aws-service-role/") {
			p.Kind = KindServiceLinkedRole
			return p, reasonServiceLinked, IsPrincipal
		}
		if r.IssuerARN == "" {
			p.Path = "" // not shown by the event
		}
		return p, "", IsPrincipal
	case "IAMUser":
		if strings.Contains(r.IdentityARN, ":user/") {
			p := iamEntity(r.IdentityARN, KindUser)
			p.Partition = part
			return p, "", IsPrincipal
		}
		if r.UserName != "" && acct != "" {
			// Console sign-in failures name the user without an ARN; the
			// path is then unknown.
			return Principal{Kind: KindUser, ARN: "arn:" + part + ":iam::" + acct + ":user/" + r.UserName, Account: acct, Partition: part, Name: r.UserName}, "", IsPrincipal
		}
	case "Root":
		arn := r.IdentityARN
		if arn == "" {
			arn = "arn:" + part + ":iam::" + acct + ":root"
		}
		return Principal{Kind: KindRoot, ARN: arn, Account: acct, Partition: part, Name: "root"}, reasonRoot, IsPrincipal
	case "FederatedUser":
		name := r.IdentityARN[strings.LastIndexByte(r.IdentityARN, '/')+1:]
		return Principal{Kind: KindFederatedUser, ARN: r.IdentityARN, Account: acct, Partition: part, Name: name}, reasonFederated, IsPrincipal
	case "IdentityCenterUser":
		id := firstNonEmpty(r.OnBehalfOfUserID, r.UserName, r.PrincipalID)
		return Principal{Kind: KindIdentityCenterUser, ARN: "arn:" + part + ":identitystore:::user/" + id, Account: acct, Partition: part, Name: id}, reasonIdentityCtr, IsPrincipal
	case "SAMLUser":
		return Principal{Kind: KindSAMLUser, ARN: federatedKey(r), Account: acct, Partition: part, Name: r.UserName}, reasonSAML, IsPrincipal
	case "WebIdentityUser":
		return Principal{Kind: KindWebIdentityUser, ARN: federatedKey(r), Account: acct, Partition: part, Name: r.UserName}, reasonWebIdentity, IsPrincipal
	}
	return unknownPrincipal(r, part, acct), reasonUnknown, IsPrincipal
}

// Roles that IAM Identity Center provisions from a permission set live
// under this path and are named AWSReservedSSO_<PermissionSetName>_<suffix>
// (IAM Identity Center User Guide, "IAM roles created by IAM Identity
// Center").
const (
	identityCenterRolePath   = "/aws-reserved/sso.amazonaws.com/"
	identityCenterRolePrefix = "AWSReservedSSO_"
)

// IdentityCenterPermissionSet reports whether the principal is a role that
// IAM Identity Center provisions from a permission set, and the permission
// set's name as the role name shows it ("" when it does not). Such a role
// still gets its suggested policy, but IAM refuses changes to it and
// Identity Center would undo them: the policy belongs in the permission set.
func (p Principal) IdentityCenterPermissionSet() (name string, ok bool) {
	if p.Kind != KindRole || !strings.HasPrefix(p.Name, identityCenterRolePrefix) {
		return "", false
	}
	// A role whose path the event did not show is recognised by its name.
	if p.Path != "" && !strings.HasPrefix(p.Path, identityCenterRolePath) {
		return "", false
	}
	rest := strings.TrimPrefix(p.Name, identityCenterRolePrefix)
	i := strings.LastIndexByte(rest, '_')
	if i <= 0 || !isHex(rest[i+1:]) {
		return "", true
	}
	return rest[:i], true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// federatedKey identifies a SAML or web identity caller: its identity
// provider and user name. It is not an ARN: such callers have none.
func federatedKey(r *store.Row) string {
	return firstNonEmpty(r.IdentityProvider, "unknown-provider") + "/" + firstNonEmpty(r.UserName, r.PrincipalID)
}

func unknownPrincipal(r *store.Row, part, acct string) Principal {
	key := firstNonEmpty(r.IdentityARN, r.UserName, r.PrincipalID)
	return Principal{Kind: KindUnknown, ARN: key, Account: acct, Partition: part, Name: firstNonEmpty(r.UserName, key)}
}

// iamEntity splits an IAM role or user ARN into its parts.
func iamEntity(arn string, kind PrincipalKind) Principal {
	p := Principal{Kind: kind, ARN: arn}
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 {
		return p
	}
	p.Partition, p.Account = f[1], f[4]
	res := f[5] // role/path/name
	if i := strings.IndexByte(res, '/'); i >= 0 {
		res = res[i:]
	}
	j := strings.LastIndexByte(res, '/')
	p.Path, p.Name = res[:j+1], res[j+1:]
	return p
}

// roleFromSessionARN reads "arn:P:sts::A:assumed-role/NAME/SESSION" (or
// without the session, as the store keeps it).
func roleFromSessionARN(arn string) (name, account, partition string, ok bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 || f[2] != "sts" {
		return "", "", "", false
	}
	rest, found := strings.CutPrefix(f[5], "assumed-role/")
	if !found || rest == "" {
		return "", "", "", false
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return rest, f[4], f[1], true
}

// partitionOf takes the partition from an ARN, else from the region name
// (cn-… is aws-cn, us-gov-… is aws-us-gov), else "aws".
func partitionOf(arn, region string) string {
	if strings.HasPrefix(arn, "arn:") {
		rest := arn[4:]
		if i := strings.IndexByte(rest, ':'); i > 0 {
			return rest[:i]
		}
	}
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	}
	return "aws"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
