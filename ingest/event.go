package ingest

// Event is the subset of a CloudTrail record that iamtailor keeps.
//
// A decoder may reuse an Event and the memory behind its strings and slices
// between callbacks, so a consumer that keeps anything past the callback
// must copy it (strings.Clone). This lets the hot path decode without an
// allocation per field.
type Event struct {
	// Time is eventTime (or logstash's @timestamp) in Unix milliseconds, UTC.
	Time          int64
	Source        string // eventSource, e.g. "s3.amazonaws.com"
	Name          string // eventName as logged, API-version suffix included
	Region        string // awsRegion
	Recipient     string // recipientAccountId
	Type          string // eventType: AwsApiCall, AwsServiceEvent, AwsConsoleSignIn, …
	Category      string // eventCategory: Management, Data, Insight, NetworkActivity
	ReadOnly      string // "true", "false", or "" when absent
	ErrorCode     string
	ErrorMessage  string
	SharedEventID string
	Identity      Identity
	// Resources is the event's resources[] list in log order.
	Resources []Resource
	// Params are the identifying request parameters, in document order,
	// selected by the rule in params.go.
	Params []Param

	// msgBuf holds FillRow's normalised errorMessage, so that the row can
	// alias it like the event's other strings without an allocation.
	msgBuf []byte
}

// Identity is the subset of userIdentity that attribution needs.
type Identity struct {
	Type        string // IAMUser, AssumedRole, Root, FederatedUser, AWSService, AWSAccount, SAMLUser, WebIdentityUser, IdentityCenterUser, …
	ARN         string
	AccountID   string
	PrincipalID string
	UserName    string
	InvokedBy   string
	// IdentityProvider is userIdentity.identityProvider, or
	// sessionContext.webIdFederationData.federatedProvider.
	IdentityProvider string
	Issuer           SessionIssuer
	// OnBehalfOf is set for IAM Identity Center users (userIdentity.onBehalfOf).
	OnBehalfOfUserID   string
	OnBehalfOfStoreARN string
}

// SessionIssuer is userIdentity.sessionContext.sessionIssuer.
type SessionIssuer struct {
	Type        string
	ARN         string
	AccountID   string
	PrincipalID string
	UserName    string
}

// Resource is one entry of an event's resources[] list.
type Resource struct {
	ARN       string
	AccountID string
	Type      string // e.g. AWS::S3::Object
}

// Param is one identifying request parameter. Name is the dotted path of
// object keys from requestParameters down to the value, array positions
// omitted: "bucketName", "iamInstanceProfile.arn",
// "instancesSet.items.instanceId".
type Param struct {
	Name  string
	Value string
}
