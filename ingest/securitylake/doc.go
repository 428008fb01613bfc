// Package securitylake reads Amazon Security Lake's CloudTrail tables:
// OCSF Parquet objects, as Security Lake v1 (OCSF 1.0.0-rc.2) and v2
// (OCSF 1.1) write them, into the ingest.Events the JSON decoder produces.
//
// It owns the OCSF-to-CloudTrail field mapping and reading those Parquet
// files with parquet-go's low-level row reader (the generic reader panics
// on the legacy two-level lists Security Lake v1 writes). It must not
// import analyze, generate, cmd or any AWS SDK package: objects come from
// ingest's sources (local files, S3) through ingest.ObjectContent.
//
// # How
//
// Objects are recognised by the Parquet magic (PAR1), not by name, and
// then by their schema: a file without the OCSF API activity columns is
// left to the next ingest.ObjectFormat (an `iamtailor sql` result) and
// otherwise refused as not_cloudtrail, as is OCSF from another product
// (VPC Flow Logs, EKS audit logs). A file that cannot be read (truncated,
// corrupt) is skipped as invalid_parquet; a panic of the Parquet library on
// malformed input is recovered and reported the same way.
//
// Each row is turned back into the CloudTrail record it came from, as JSON,
// and that stream goes through ingest.Decode: the OCSF events get exactly
// the JSON decoder's rules (required fields and skip reasons, the
// request-parameter rule, readOnly, resources, time parsing) rather than a
// second implementation of them.
//
// Parquet needs random access (its footer first). Local files are read in
// place; objects from S3 are read once into memory up to
// ingest.SpoolMemoryLimit (8 MiB) or else into a temporary file, removed
// when the object is done (see ingest.ObjectContent.ReaderAt). Rows are
// read 64 at a time and turned into records 64 KiB at a time, so memory
// does not grow with the object.
//
// # Field mapping
//
//	CloudTrail                     OCSF 1.0.0-rc.2 (v1)               OCSF 1.1 (v2)
//	eventTime                      time (epoch ms)                    time, else time_dt
//	eventSource                    api.service.name                   api.service.name
//	eventName                      api.operation                      api.operation
//	awsRegion                      cloud.region                       cloud.region
//	recipientAccountId             unmapped.recipientAccountId        cloud.account.uid, else unmapped
//	eventType                      unmapped.eventType                 metadata.event_code, else unmapped
//	eventCategory                  metadata.product.feature.name      metadata.product.feature.name
//	readOnly                       unmapped.readOnly                  unmapped.readOnly
//	errorCode                      api.response.error                 api.response.error
//	errorMessage                   api.response.message               api.response.message
//	sharedEventID                  unmapped.sharedEventID             unmapped.sharedEventID
//	eventID, eventVersion          metadata.uid, metadata.product.version (both)
//	userIdentity.type              actor.user.type                    actor.user.type
//	userIdentity.arn               actor.user.uuid                    actor.user.uid
//	userIdentity.principalId       actor.user.uid                     actor.user.uid_alt (not for IdentityCenterUser)
//	userIdentity.accountId         actor.user.account_uid             actor.user.account.uid
//	userIdentity.userName          actor.user.name                    actor.user.name
//	userIdentity.invokedBy         actor.invoked_by                   actor.invoked_by
//	identityProvider, or webIdFederationData.federatedProvider
//	                               actor.idp.name                     actor.idp.name
//	onBehalfOf.userId              unmapped.userIdentity.onBehalfOf.userId   actor.user.uid_alt (IdentityCenterUser)
//	onBehalfOf.identityStoreArn    unmapped (same path)               actor.idp.uid
//	sessionIssuer.arn              actor.session.issuer               actor.session.issuer
//	sessionIssuer.type, accountId  unmapped.userIdentity.sessionContext.sessionIssuer.*, else read from the issuer's ARN (both)
//	resources[].ARN                resources[].uid, else unmapped."resources[].ARN" (comma-joined)
//	                                                                  resources[].uid
//	resources[].accountId          resources[].account_uid, else unmapped."resources[].accountId"
//	                                                                  resources[].owner.account.uid
//	resources[].type               resources[].type, else unmapped."resources[].type"
//	                                                                  resources[].type
//	requestParameters              unmapped."requestParameters.<path>", rebuilt into an object;
//	                               plus roleArn from user.uuid (class 3002 Authentication) and
//	                               roleName/userName from user.name (class 3001 Account Change)
//	                                                                  api.request.data (the JSON, as is)
//
// Any other "userIdentity.<path>" in unmapped fills the field of that path
// when the columns leave it empty. Rows whose metadata.product.name is not
// CloudTrail are not events of this package: a file whose first row is of
// another product is refused, later ones are skipped as
// not_cloudtrail_event.
//
// # What OCSF loses, and what is done about it
//
// Security Lake v1 stores request parameters flattened into unmapped
// ("requestParameters.instancesSet.items[].instanceId"), every value as
// text, and the values of an array's elements joined with commas. So:
//   - a value inside an array that itself holds a comma is split in two;
//   - a number or boolean under an identifier key (rare: page sizes such as
//     maxResults are not identifier keys) is kept as text, where the JSON
//     rule never keeps a number;
//   - keys that contain a "." are read as a path;
//   - document order is lost, which only matters for an event with more
//     than 64 identifying parameters (the first 64 are kept).
//
// Security Lake v1 also moves some parameters into the class's own fields:
// Authentication (3002) puts requestParameters.roleArn in user.uuid (it is
// put back when it differs from the caller's ARN); Account Change (3001)
// puts requestParameters.userName or roleName in user.name (put back as
// roleName when the event name contains "Role", as userName when it
// contains "User", and only when it is a valid IAM name, because user.name
// can also come from responseElements). Other parameters moved into
// class fields this way are lost.
//
// In both versions: resources logged with ARNPrefix (S3 data events over a
// key prefix) keep no ARN in OCSF 1.1 (resources[].uid maps ARN only); in
// v1 the unmapped "resources[].ARNPrefix" is used when present. OCSF 1.1
// may fill actor.user.name from additionalEventData.UserName, which the raw
// record has not in userName. An event whose userIdentity was an empty
// object is skipped as missing_user_identity (OCSF cannot tell it from an
// absent one). Fields iamtailor does not keep (sourceIPAddress, userAgent,
// responseElements, additionalEventData, tlsDetails, …) are not read.
// readOnly, sharedEventID and recipientAccountId are not OCSF fields: they
// are read from unmapped, where both versions keep them; a producer that
// dropped unmapped would lose them (readOnly and recipientAccountId then
// read as absent, as in raw records that lack them).
package securitylake
