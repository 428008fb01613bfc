package analyze

// This file is the contract between analyze (which fills these types from
// usage rows) and generate/review (which read them). Change it only with
// both sides in view.

// PrincipalKind says what kind of identity acted, which decides whether it
// can be given a policy.
type PrincipalKind string

const (
	KindRole               PrincipalKind = "role"
	KindUser               PrincipalKind = "user"
	KindRoot               PrincipalKind = "root"
	KindServiceLinkedRole  PrincipalKind = "service-linked-role"
	KindFederatedUser      PrincipalKind = "federated-user"       // sts:GetFederationToken sessions
	KindIdentityCenterUser PrincipalKind = "identity-center-user" // onBehalfOf / IdentityCenterUser
	KindSAMLUser           PrincipalKind = "saml-user"
	KindWebIdentityUser    PrincipalKind = "web-identity-user"
	KindUnknown            PrincipalKind = "unknown"
)

// Principal is who the usage is attributed to. For assumed-role sessions it
// is the role (sessionIssuer.arn, path included), never the session.
type Principal struct {
	Kind      PrincipalKind
	ARN       string // role ARN with path, user ARN, root ARN, …; the identity key
	Account   string
	Partition string // aws, aws-us-gov, aws-cn, … taken from the ARN
	Name      string // role or user name, without path
	Path      string // "/" or "/path/"
}

// Access is one IAM action on one resource.
type Access struct {
	Action   string // catalog casing, e.g. "s3:GetObject"; always a catalog action
	Resource string // a specific ARN, an ARN with a trailing wildcard when the store coarsened it, or "*"
}

// Observed is an access the principal was seen to use successfully (or with
// an error that can only come after authorization).
type Observed struct {
	Access
	Count     int64
	FirstSeen int64 // Unix ms
	LastSeen  int64 // Unix ms
	// Via lists the "eventSource:eventName" pairs that implied this access,
	// sorted, so a reviewer can see why it is there.
	Via []string
	// Companion is true for an access implied by another call rather than
	// being the call's own action (iam:PassRole on a passed role, the source
	// side of s3:CopyObject, …).
	Companion bool
	// ResourceNote explains a Resource that is not a specific ARN: why it is
	// "*" for an action that takes a resource type, or why it was widened
	// (the store coarsened the identifiers). Empty for specific ARNs and for
	// actions that take no resource type.
	ResourceNote string
}

// Denied is an attempt refused with an authorization error. It never
// becomes a grant.
type Denied struct {
	Access      // from the error message when it names them, else from the mapper
	EventSource string
	EventName   string
	ErrorCode   string
	Message     string
	Count       int64
	FirstSeen   int64
	LastSeen    int64
}

// Unproven is a call that failed with an error that does not prove the call
// was authorized (throttling, limits, validation, …). It is not granted;
// reviewers see it so they can decide.
type Unproven struct {
	Access
	EventSource string
	EventName   string
	ErrorCode   string
	Count       int64
}

// Unmapped is an event iamtailor could not turn into catalog actions. It is
// never guessed; it is reported so the mapping can be fixed.
type Unmapped struct {
	EventSource string
	EventName   string
	Reason      string
	Count       int64
}

// EventCount is a count of events by eventSource and eventName, for events
// that need no permission or are not API calls.
type EventCount struct {
	EventSource string
	EventName   string
	Count       int64
}

// PrincipalUsage is everything analyze concluded about one principal.
// Slices are sorted (Action, then Resource; or EventSource, EventName).
type PrincipalUsage struct {
	Principal Principal
	// NoPolicyReason is non-empty when the principal must never get a
	// suggested policy (service-linked role, root, …).
	NoPolicyReason string
	Events         int64 // every event attributed to the principal
	FirstSeen      int64
	LastSeen       int64
	Observed       []Observed
	Denied         []Denied
	Unproven       []Unproven
	Unmapped       []Unmapped
	Permissionless []EventCount
	NonAPI         []EventCount
}
