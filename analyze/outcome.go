package analyze

import "strings"

// Outcome is what an event's result says about authorization.
type Outcome uint8

const (
	// OutcomeObserved: the call succeeded, or failed with an error that AWS
	// returns only after authorizing the call. It proves the permission.
	OutcomeObserved Outcome = iota + 1
	// OutcomeDenied: the call was refused with an authorization error. It never
	// becomes a grant.
	OutcomeDenied
	// OutcomeUnproven: the call failed with an error that does not show whether
	// it was authorized (throttling, limits, validation, not found, …). It
	// is not granted; reviewers see it.
	OutcomeUnproven
)

func (o Outcome) String() string {
	switch o {
	case OutcomeObserved:
		return "observed"
	case OutcomeDenied:
		return "denied"
	case OutcomeUnproven:
		return "unproven"
	}
	return "unknown"
}

// ErrorClass names the class of an event's errorCode.
type ErrorClass string

// The error classes, in the order classifyError tries them.
const (
	ErrorNone ErrorClass = "" // success
	// ErrorAuthorization: AWS refused the call for lack of permission.
	// Outcome Denied.
	ErrorAuthorization ErrorClass = "authorization"
	// ErrorAfterAuthorization: an error AWS returns only to a caller that
	// passed authorization. Outcome Observed. See provesAuthorization.
	ErrorAfterAuthorization ErrorClass = "after-authorization"
	// The rest are Unproven.
	ErrorAuthentication ErrorClass = "authentication" // bad or expired credentials: never reached authorization
	ErrorThrottling     ErrorClass = "throttling"
	ErrorLimit          ErrorClass = "limit"
	ErrorNotFound       ErrorClass = "not-found"
	ErrorValidation     ErrorClass = "validation"
	ErrorConflict       ErrorClass = "conflict"
	ErrorService        ErrorClass = "service"
	ErrorOther          ErrorClass = "other"
)

// authorizationErrors are the errorCodes (without a "Client." prefix,
// compared ignoring case) with which AWS services refuse a call for lack of
// permission: IAM and STS, S3 ("AccessDenied"), JSON-protocol services
// ("AccessDeniedException"), EC2 ("Client.UnauthorizedOperation"), SNS
// ("AuthorizationError"), services fronted by API Gateway ("Forbidden…",
// "Unauthorized…").
var authorizationErrors = map[string]bool{
	"accessdenied":                true,
	"accessdeniedexception":       true,
	"unauthorizedoperation":       true,
	"unauthorizedexception":       true,
	"unauthorized":                true,
	"unauthorizedaccess":          true,
	"unauthorizedaccessexception": true,
	"authorizationerror":          true,
	"authorizationerrorexception": true,
	"authorizationexception":      true,
	"forbidden":                   true,
	"forbiddenexception":          true,
	"notauthorized":               true,
	"notauthorizedexception":      true,
	"accessdeniedfault":           true,
	"authfailure":                 true, // EC2: the request could not be authorized
}

// authenticationErrors never reach authorization: the credentials were
// invalid or expired.
var authenticationErrors = map[string]bool{
	"invalidclienttokenid":       true,
	"signaturedoesnotmatch":      true,
	"expiredtoken":               true,
	"expiredtokenexception":      true,
	"invalidaccesskeyid":         true,
	"incompletesignature":        true,
	"missingauthenticationtoken": true,
	"invalidtoken":               true,
}

// provesAuthorization lists the errors that AWS returns only after it has
// authorized the call, keyed by lower-cased errorCode (without "Client."),
// each with the eventNames it proves for ("*" for any). Everything not here
// is Unproven.
//
//   - DryRunOperation (EC2): "Checks whether you have the required
//     permissions for the action, without actually making the request …
//     If you have the required permissions, the error response is
//     DryRunOperation. Otherwise, it is UnauthorizedOperation." (EC2 API
//     reference, the DryRun parameter of every action.)
//   - S3 "no such configuration" errors on the Get call for that
//     configuration: S3 authorizes a bucket subresource request before it
//     reads the subresource, and a caller without the permission gets 403
//     Access Denied whether or not the configuration exists ("If you don't
//     have GetBucketPolicy permissions, Amazon S3 returns a 403 Access
//     Denied error", S3 API reference, GetBucketPolicy; the same model holds
//     for every Get…Configuration operation). So the 404 for a missing
//     configuration reaches only callers that passed authorization.
//
// Deliberately not here: NoSuchBucket and NoSuchKey (S3 answers them before
// or instead of authorization depending on s3:ListBucket), IAM
// NoSuchEntity, EC2 Invalid….NotFound, ResourceNotFoundException, limits
// (Client.VcpuLimitExceeded on RunInstances says nothing about
// ec2:RunInstances being allowed), throttling and validation errors: no
// service documents that these come after authorization.
var provesAuthorization = map[string][]string{
	"dryrunoperation":                                {"*"},
	"nosuchbucketpolicy":                             {"GetBucketPolicy", "GetBucketPolicyStatus"},
	"nosuchcorsconfiguration":                        {"GetBucketCors"},
	"nosuchlifecycleconfiguration":                   {"GetBucketLifecycle", "GetBucketLifecycleConfiguration"},
	"nosuchwebsiteconfiguration":                     {"GetBucketWebsite"},
	"nosuchtagset":                                   {"GetBucketTagging"},
	"nosuchpublicaccessblockconfiguration":           {"GetBucketPublicAccessBlock", "GetPublicAccessBlock", "GetAccountPublicAccessBlock"},
	"replicationconfigurationnotfounderror":          {"GetBucketReplication"},
	"objectlockconfigurationnotfounderror":           {"GetBucketObjectLockConfiguration", "GetObjectLockConfiguration"},
	"serversideencryptionconfigurationnotfounderror": {"GetBucketEncryption"},
	"ownershipcontrolsnotfounderror":                 {"GetBucketOwnershipControls"},
}

// classifyError says what an errorCode means for authorization. eventName
// is as logged, API-version suffix stripped.
func classifyError(eventSource, eventName, code string) (Outcome, ErrorClass) {
	if code == "" {
		return OutcomeObserved, ErrorNone
	}
	c := strings.ToLower(code)
	c = strings.TrimPrefix(c, "client.")
	c = strings.TrimPrefix(c, "server.")
	if authorizationErrors[c] {
		return OutcomeDenied, ErrorAuthorization
	}
	if names, ok := provesAuthorization[c]; ok {
		for _, n := range names {
			if n == "*" && strings.EqualFold(eventSource, "ec2.amazonaws.com") || strings.EqualFold(n, eventName) && strings.EqualFold(eventSource, "s3.amazonaws.com") {
				return OutcomeObserved, ErrorAfterAuthorization
			}
		}
	}
	switch {
	case authenticationErrors[c]:
		return OutcomeUnproven, ErrorAuthentication
	case strings.Contains(c, "throttl") || strings.Contains(c, "toomanyrequests") || c == "slowdown" || c == "requestlimitexceeded" || strings.Contains(c, "ratelimit"):
		return OutcomeUnproven, ErrorThrottling
	case strings.Contains(c, "limitexceeded") || strings.Contains(c, "quotaexceeded") || strings.Contains(c, "toomany"):
		return OutcomeUnproven, ErrorLimit
	case strings.Contains(c, "notfound") || strings.HasPrefix(c, "nosuch") || strings.Contains(c, "doesnotexist") || strings.HasSuffix(c, "notexist"):
		return OutcomeUnproven, ErrorNotFound
	case strings.Contains(c, "valid") || strings.Contains(c, "malformed") || strings.Contains(c, "missingparameter") || strings.Contains(c, "badrequest"):
		return OutcomeUnproven, ErrorValidation
	case strings.Contains(c, "conflict") || strings.Contains(c, "inuse") || strings.Contains(c, "alreadyexists") || strings.Contains(c, "notempty") || strings.Contains(c, "incorrectstate") || strings.Contains(c, "statefault"):
		return OutcomeUnproven, ErrorConflict
	case strings.Contains(c, "internal") || strings.Contains(c, "unavailable") || strings.Contains(c, "serviceerror") || strings.Contains(c, "timeout"):
		return OutcomeUnproven, ErrorService
	}
	return OutcomeUnproven, ErrorOther
}
