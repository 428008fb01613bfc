// Package athena hands the first stage of ingest to a query engine: it
// owns the SQL that `iamtailor sql` prints, which computes usage rows in
// Amazon Athena (engine v3) or Trino over the CloudTrail table AWS
// documents for Athena, and the ingest.ObjectFormat (ResultFormat) that
// reads the query's result back as usage rows, counts preserved.
//
// It must not import analyze, generate, cmd or any AWS SDK package.
//
// # The query
//
// Query prints one statement over the partition-projected table of the
// Athena documentation ("Create the table for CloudTrail logs in Athena
// using partition projection": useridentity struct<…>, eventtime,
// eventsource, eventname, awsregion, …, requestparameters string,
// resources array<struct<arn,accountid,type>>, recipientaccountid,
// sharedeventid, …, partitioned by "timestamp"), or the variants
// partitioned by region and timestamp, or by account, region and date
// (organization trails). It computes exactly the tuple of the usage store
// (store.Row): the UTC day; the identity fields with session names
// stripped from assumed-role ARNs and role principal IDs, access key ids
// dropped from principal IDs; account, region, event source, name, type,
// category, read-only; the error code and the error message normalised
// word by word as ingest.NormalizeErrorMessage does (ARNs, encoded
// authorization messages, request ids, access keys, timestamps, opaque
// tokens, UUIDs; cut to 512 bytes at a character boundary); shared; the
// resources (first 256, sorted, de-duplicated); and the identifying request
// parameters by ingest's generic rule (params.go: identifiers and
// enumerations by key suffix, presence keys, the first word of statements,
// deny words, the value rule, the bounds), with count, first_seen and
// last_seen. The JSON walk of the rule is unrolled into sixteen steps,
// one per level of nesting it allows. Partitions are pruned to the
// window's delivery days, one day past its end for late deliveries, as
// ingest lists S3.
//
// Where it differs from ingest on the same events:
//   - identity_provider is sessionContext.webIdFederationData
//     .federatedProvider only: the documented table has no
//     userIdentity.identityProvider, so SAML and web identity users
//     (userIdentity.type SAMLUser, WebIdentityUser) have none;
//   - resources logged with ARNPrefix (S3 data events over a key prefix)
//     have no ARN: the table's resources have arn, accountid and type;
//   - an event with more than 64 identifying parameters keeps 64, but not
//     necessarily the first 64 in document order (SQL maps have no order);
//   - a requestParameters object with a duplicate key is not read at all
//     (the cast to a map fails);
//   - eventtime is parsed by from_iso8601_timestamp, which accepts ISO 8601
//     forms RFC 3339 does not (a date alone), where ingest skips the event
//     as invalid_event_time; CloudTrail writes neither;
//   - what the table cannot parse, Athena drops or fails on, where ingest
//     skips the whole file as invalid_json; logstash-style records
//     (@timestamp, no eventTime) are not in a CloudTrail table.
//
// The rule's word lists and bounds are repeated in query.go. Two tests
// keep them in step: one reads the lists and bounds from params.go and
// compares; the DuckDB test runs the query over the corpora and edge cases
// written for it and requires ingest's rows exactly.
//
// # The result
//
// ResultFormat recognises a result by its columns (Columns): a CSV whose
// header is exactly those names, as Athena writes a query's result file
// (every field quoted, NULL as an empty field), or a Parquet file with
// exactly those columns, as UNLOAD or CTAS write it. The rows go to the
// store as they are: each stands for count events of one day, and a
// window on ingest keeps a row when its first_seen is in the window, so
// disjoint windows never both count a row (pass the window to the query
// instead to cut within a day exactly). Every row
// is checked (count ≥ 1, first and last seen within the row's day,
// read_only empty or a boolean, resources and params as the query writes
// them); one bad row refuses the file as invalid_query_result, since a
// file counts entirely or not at all. Athena writes a binary
// <id>.csv.metadata beside a result: give ingest the .csv object, or a
// prefix UNLOAD wrote, rather than Athena's whole output location.
package athena
