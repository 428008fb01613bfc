package store

// Row is one distinct usage tuple and how often it was seen.
//
// The key is every field except Count, FirstSeen and LastSeen. Resources and
// Params are part of the key and are kept sorted and de-duplicated.
//
// The parquet tags are the store's file schema (see the package comment):
// changing one is a new SchemaVersion.
type Row struct {
	// Day is the UTC day of the events, as days since 1970-01-01. Stored as
	// int32 because parquet-go v0.30–v0.32 writes time.Time with the date tag
	// wrongly.
	Day int32 `parquet:"day,date"`

	// Who, as logged in userIdentity, minus the parts that differ per session
	// (session names in assumed-role ARNs and principal IDs), which would make
	// the store grow with sessions rather than with principals.
	IdentityType       string `parquet:"identity_type,optional,dict"`
	IdentityARN        string `parquet:"identity_arn,optional,dict"`
	IdentityAccount    string `parquet:"identity_account,optional,dict"`
	PrincipalID        string `parquet:"principal_id,optional,dict"`
	UserName           string `parquet:"user_name,optional,dict"`
	IssuerType         string `parquet:"issuer_type,optional,dict"`
	IssuerARN          string `parquet:"issuer_arn,optional,dict"`
	IssuerAccount      string `parquet:"issuer_account,optional,dict"`
	InvokedBy          string `parquet:"invoked_by,optional,dict"`
	IdentityProvider   string `parquet:"identity_provider,optional,dict"`
	OnBehalfOfUserID   string `parquet:"on_behalf_of_user_id,optional,dict"`
	OnBehalfOfStoreARN string `parquet:"on_behalf_of_store_arn,optional,dict"`

	// Where and what.
	Account       string `parquet:"account,optional,dict"` // recipientAccountId
	Region        string `parquet:"region,optional,dict"`
	EventSource   string `parquet:"event_source,optional,dict"`
	EventName     string `parquet:"event_name,optional,dict"`
	EventType     string `parquet:"event_type,optional,dict"`
	EventCategory string `parquet:"event_category,optional,dict"`
	ReadOnly      string `parquet:"read_only,optional,dict"` // "true", "false" or ""

	// Outcome: both empty on success.
	ErrorCode    string `parquet:"error_code,optional,dict"`
	ErrorMessage string `parquet:"error_message,optional"`

	// Shared is true when the event carried a sharedEventID: a cross-account
	// call logged in both the caller's and the resource owner's account.
	Shared bool `parquet:"shared"`

	Resources []Resource `parquet:"resources,list"`
	Params    []Param    `parquet:"params,list"`

	// Coarsened says how the identifiers of this row were reduced to keep the
	// store bounded (see Table): 0 exact, 1 values cut to their first path
	// segment plus "/*", 2 identifiers dropped.
	Coarsened int8 `parquet:"coarsened,int(8)"`

	Count     int64 `parquet:"count"`
	FirstSeen int64 `parquet:"first_seen,timestamp(millisecond)"` // Unix milliseconds, UTC
	LastSeen  int64 `parquet:"last_seen,timestamp(millisecond)"`  // Unix milliseconds, UTC
}

// Resource is one entry of an event's resources[] list.
type Resource struct {
	ARN       string `parquet:"arn,optional"`
	AccountID string `parquet:"account_id,optional,dict"`
	Type      string `parquet:"type,optional,dict"`
}

// Param is one identifying request parameter (see ingest.Param).
type Param struct {
	Name  string `parquet:"name,optional,dict"`
	Value string `parquet:"value,optional"`
}

// ManifestEntry records one ingested object, and what of it was counted,
// so that no event of it is ever counted twice or left out.
//
// An object is identified by its URI, ETag and size: another ETag or size
// at the same URI is another object (see the package doc).
type ManifestEntry struct {
	Object string `parquet:"object"` // canonical URI: s3://bucket/key or file:///abs/path
	ETag   string `parquet:"etag"`   // S3 ETag, or for local files a content hash
	Size   int64  `parquet:"size"`
	// Events is the number of events counted from the object: those in
	// Scopes, each once.
	Events int64 `parquet:"events"`
	// Scopes is the object's coverage: the union of the selections of the
	// runs that read it, in canonical form (see Coverage). In an entry
	// given to Commit it is the selection of the run that read the object,
	// and empty means everything.
	Scopes Coverage `parquet:"scopes,list"`
	// Prior, in an entry given to Commit, is the object's coverage in the
	// store when the run looked it up (Store.Lookup): the run counted the
	// events of Scopes outside Prior. It is never stored.
	Prior Coverage `parquet:"-"`
}

// manifestEntryV1 is a manifest row of a version-1 store, which recorded
// no scopes: its objects count as read under everything.
type manifestEntryV1 struct {
	Object string `parquet:"object"`
	ETag   string `parquet:"etag"`
	Size   int64  `parquet:"size"`
	Events int64  `parquet:"events"`
}
