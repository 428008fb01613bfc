package store

// Row is one distinct usage tuple and how often it was seen.
//
// The key is every field except Count, FirstSeen and LastSeen. Resources and
// Params are part of the key and are kept sorted and de-duplicated.
type Row struct {
	// Day is the UTC day of the events, as days since 1970-01-01. Stored as
	// int32 because parquet-go v0.30–v0.32 writes time.Time with the date tag
	// wrongly.
	Day int32

	// Who, as logged in userIdentity, minus the parts that differ per session
	// (session names in assumed-role ARNs and principal IDs), which would make
	// the store grow with sessions rather than with principals.
	IdentityType       string
	IdentityARN        string
	IdentityAccount    string
	PrincipalID        string
	UserName           string
	IssuerType         string
	IssuerARN          string
	IssuerAccount      string
	InvokedBy          string
	IdentityProvider   string
	OnBehalfOfUserID   string
	OnBehalfOfStoreARN string

	// Where and what.
	Account       string // recipientAccountId
	Region        string
	EventSource   string
	EventName     string
	EventType     string
	EventCategory string
	ReadOnly      string // "true", "false" or ""

	// Outcome: both empty on success.
	ErrorCode    string
	ErrorMessage string

	// Shared is true when the event carried a sharedEventID: a cross-account
	// call logged in both the caller's and the resource owner's account.
	Shared bool

	Resources []Resource
	Params    []Param

	// Coarsened says how the identifiers of this row were reduced to keep the
	// store bounded (see Table): 0 exact, 1 values cut to their first path
	// segment plus "/*", 2 identifiers dropped.
	Coarsened int8

	Count     int64
	FirstSeen int64 // Unix milliseconds, UTC
	LastSeen  int64 // Unix milliseconds, UTC
}

// Resource is one entry of an event's resources[] list.
type Resource struct {
	ARN       string
	AccountID string
	Type      string
}

// Param is one identifying request parameter (see ingest.Param).
type Param struct {
	Name  string
	Value string
}

// ManifestEntry records one ingested object so that it is never counted twice.
type ManifestEntry struct {
	Object string // canonical URI: s3://bucket/key or file:///abs/path
	ETag   string // S3 ETag, or for local files a content hash
	Size   int64
	Events int64 // events read from it
}
