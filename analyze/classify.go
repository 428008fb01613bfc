package analyze

import "strings"

// nonAPIEventTypes are CloudTrail eventTypes that record something other
// than a caller's API request: actions AWS took itself, console sign-ins
// and console-only actions, Insights, VPC endpoint and network activity
// events. They need no permission of anyone's identity policy.
var nonAPIEventTypes = map[string]string{
	"AwsServiceEvent":      "an event AWS recorded about its own activity, not a caller's request",
	"AwsConsoleSignIn":     "a console sign-in event, not an API request",
	"AwsConsoleAction":     "a console action, not an API request",
	"AwsCloudTrailInsight": "a CloudTrail Insights event",
	"AwsVpceEvent":         "a VPC endpoint event, logged for the endpoint owner",
	"NetworkActivity":      "a network activity event",
}

// nonAPICategories are eventCategory values that never hold API requests.
var nonAPICategories = map[string]string{
	"Insight":         "a CloudTrail Insights event",
	"NetworkActivity": "a network activity event",
}

// nonAPISources are event sources whose events are sign-in and portal
// activity rather than calls authorized by IAM: the console sign-in
// service and the IAM Identity Center access portal. A name that is a
// catalog action of the service (signin has a few real API actions) is
// still mapped.
var nonAPISources = map[string]string{
	"signin.amazonaws.com":     "a sign-in event",
	"portal.sso.amazonaws.com": "an IAM Identity Center access portal event",
	"sso-oauth.amazonaws.com":  "an IAM Identity Center OIDC sign-in event",
}

// ssoPortalEvents are the access portal's events that CloudTrail logs under
// sso.amazonaws.com (IAM Identity Center User Guide, "Identity Center
// portal events in CloudTrail"). They are the portal serving a signed-in
// user, not calls authorized by an identity policy.
var ssoPortalEvents = map[string]bool{
	"Authenticate":               true,
	"Federate":                   true,
	"ListAccountRoles":           true,
	"ListAccounts":               true,
	"GetRoleCredentials":         true,
	"Logout":                     true,
	"ListProfilesForApplication": true,
	"GetAppInstanceDetails":      true,
}

// permissionless are calls that need no permission of the caller: AWS
// answers them for any authenticated caller (sts:GetCallerIdentity works
// even under an explicit deny), or the caller is not an IAM principal and
// the call is authorized by the target role's trust policy instead.
// Keyed by "prefix:eventName"; each prefix is checked against the catalog by
// TestPermissionlessExistInCatalog.
var permissionless = map[string]string{
	// The reference map's sdk_permissionless_actions (iann0036/iam-dataset).
	"sts:GetCallerIdentity":      "answered for every caller; an explicit deny does not stop it (STS API reference)",
	"sts:GetSessionToken":        "needs no permission (STS API reference, GetSessionToken)",
	"dynamodb:DescribeEndpoints": "endpoint discovery, answered for every caller",
	// Federation: the caller holds no AWS credentials; the role's trust
	// policy authorizes the call.
	"sts:AssumeRoleWithSAML":        "authorized by the role's trust policy; the SAML caller has no identity policy",
	"sts:AssumeRoleWithWebIdentity": "authorized by the role's trust policy; the web identity caller has no identity policy",
}

// nonAPIReason says why an event is not an API request needing an identity
// policy, or "" when it is one.
func nonAPIReason(eventType, category, eventSource, eventName string, isAction func() bool) string {
	if r, ok := nonAPIEventTypes[eventType]; ok {
		return r
	}
	if r, ok := nonAPICategories[category]; ok {
		return r
	}
	if r, ok := nonAPISources[strings.ToLower(eventSource)]; ok && !isAction() {
		return r
	}
	if strings.EqualFold(eventSource, "sso.amazonaws.com") && ssoPortalEvents[eventName] && !isAction() {
		return "an IAM Identity Center access portal event"
	}
	return ""
}
