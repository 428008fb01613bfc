// Package store owns the usage store: the Parquet files that hold one row per
// distinct usage tuple, the manifest of ingested objects, atomic commits,
// and merging stores.
//
// It holds observations, never conclusions: rows say what was seen, not
// which IAM actions it implies. It must not import analyze, generate or cmd,
// nor any AWS SDK package.
//
// # Rows, keys and groups
//
// A Row is one usage tuple with how often it was seen (Count) and when
// (FirstSeen, LastSeen). Its key is every other field; Resources and Params
// are part of the key, kept sorted and de-duplicated. A group is the key
// minus Resources, Params and Coarsened: one day, one principal (the
// identity fields), one account and region, one event (source, name, type,
// category, read-only), one outcome (error code and message), shared or not.
//
// # The size bound
//
// Rows grow with distinct tuples, never with events: a repeated tuple only
// adds to Count. What can grow without limit is the identifiers: one role
// reading a million objects a day would make a million rows. So each group
// keeps at most MaxResourceSets (default 1000) distinct identifier sets
// exactly. A group with more is coarsened as a whole:
//
//   - Level 1 (Coarsened=1): every resource ARN and parameter value that
//     holds a '/' is cut after its first '/' and given a '*':
//     arn:aws:s3:::bucket/a/b.txt becomes arn:aws:s3:::bucket/*, a key
//     logs/2024/x.gz becomes logs/*. Values without '/' (instance IDs,
//     bucket names, Lambda ARNs) are kept. Rows that become equal merge.
//   - Level 2 (Coarsened=2): if the group still has more than
//     MaxResourceSets sets, its identifiers are dropped and it is one row.
//
// Nothing is lost silently: counts and first/last seen are kept at every
// level, and Coarsened says which rows lost detail, so analyze can widen the
// resources of those rows rather than miss them.
//
// The level of a group is the smallest level, at or above any level its
// rows already carry, at which its distinct sets fit the bound. That is a
// function of the set of distinct identifier sets alone, not of the order
// rows arrive in; and cutting is idempotent and commutes with merging
// (cutting a union is the union of the cuts). So a stream of rows split
// across workers, files, shards or runs and merged in any order gives
// exactly the table one pass gives, and memory stays bounded while adding:
// once a group is coarsened, new rows of it are coarsened on insert.
//
// What bounds the size, then: rows ≤ Σ over groups of min(distinct
// identifier sets, MaxResourceSets). Groups grow with days × principals ×
// (account, region, event, outcome) combinations actually seen, which is
// small for any one principal; the store grows linearly with the days it
// covers. Error messages are part of the group, so ingest must not keep
// per-request text in them. The manifest grows by one row per object
// ingested.
//
// # Canonical order
//
// Rows are sorted by day, identity_arn, event_source, event_name, then the
// remaining group columns in schema order (identity_type, identity_account,
// principal_id, user_name, issuer_type, issuer_arn, issuer_account,
// invoked_by, identity_provider, on_behalf_of_user_id,
// on_behalf_of_store_arn, account, region, event_type, event_category,
// read_only, error_code, error_message, shared with false first), then
// coarsened, then resources and params compared element by element
// (arn, account_id, type; name, value), a shorter list first when one is a
// prefix of the other. Strings compare bytewise. Day first makes time
// windows cheap; group columns ahead of identifiers keep each group's rows
// contiguous, which lets Commit and Merge reapply the bound one group at a
// time while streaming.
//
// # Files
//
// A store is a directory:
//
//	store.json                        the published version: names every file below
//	usage-YYYY-MM-<hash>.parquet      the rows of one UTC month, canonical order
//	manifest-<hash>.parquet           every ingested object, sorted
//	LOCK                              taken by writers (flock)
//
// <hash> is the first 96 bits of the SHA-256 of the file's bytes, so a name
// never changes meaning, and the same content always has the same name and
// bytes: no time, host or random value goes into any file. store.json also
// records the schema version (a store of a newer version is refused, not
// misread), the bound the store was cut with, and per data file its month,
// first and last day, rows, sum of counts and size.
//
// Data files are encoded by the store itself (usagewrite.go), column by
// column: rows arrive sorted, so a group's columns are runs that cost one
// dictionary lookup each, and the columns of a row group are encoded on
// every core at once. Which rows make a row group, and each column's
// bytes, depend on the rows alone, never on the number of cores. The
// manifest is written by parquet-go, which also reads both. Both are
// plain Parquet: data pages v2, zstd-compressed (klauspost's fastest
// level: a store is small, commits should be quick), 64Ki rows per row
// group (128Ki for the manifest), dictionary-encoded for the columns whose
// values repeat (principals, events, regions, codes; a column chunk whose
// dictionary would pass 1 MiB is written plain) and plain for resource
// ARNs, parameter values and error messages, which zstd compresses better
// than a dictionary would, with min/max statistics per column chunk
// (every column but ARNs and parameter values) that let readers skip row
// groups by day, principal or event.
// Columns (snake_case, empty strings written as NULL):
//
//	day DATE (int32 days since 1970-01-01)
//	identity_type, identity_arn, identity_account, principal_id, user_name,
//	issuer_type, issuer_arn, issuer_account, invoked_by, identity_provider,
//	on_behalf_of_user_id, on_behalf_of_store_arn,
//	account, region, event_source, event_name, event_type, event_category,
//	read_only, error_code, error_message                       VARCHAR
//	shared BOOLEAN
//	resources LIST<STRUCT<arn, account_id, type VARCHAR>>
//	params    LIST<STRUCT<name, value VARCHAR>>
//	coarsened TINYINT (0 exact, 1 cut, 2 dropped)
//	count BIGINT
//	first_seen, last_seen TIMESTAMP(MILLIS, UTC) (int64 Unix ms)
//
// The manifest has one row per object version ingested, sorted by object,
// etag and size:
//
//	object, etag VARCHAR
//	size, events BIGINT
//	scopes LIST<STRUCT<since, until TIMESTAMP(MILLIS, UTC),
//	                   accounts, regions LIST<VARCHAR>>>
//
// A scope with since and until NULL and empty lists is everything.
//
// # Commit protocol
//
// A commit (or merge) takes LOCK, reads the current store.json, and writes
// the new version beside the old one: a new manifest if objects were added,
// and a new data file for each month that gains rows (untouched months keep
// their files). Each file is written under a temporary name (.tmp-*),
// fsynced, and renamed to its content-hash name; the directory is fsynced;
// then store.json is replaced the same way (temporary file, fsync, rename,
// fsync of the directory). The rename of store.json is the commit point:
// before it, readers and a reopened store see the old version (new files
// exist but nothing names them); after it, the new one. Files that no
// version names, left by older versions or a crash, are ignored on open
// and removed after the next successful commit. Readers take no lock: they
// read store.json and open every file they need at once, retrying if a
// concurrent commit removed one in between.
//
// A commit merges the rows it adds with the month's existing rows group by
// group, reapplying the bound over their union, and merges its manifest
// entries with the store's (see Scopes): it refuses, naming the object, an
// entry that would count an event twice or leave one out.
//
// # Scopes
//
// A run may read an object and count only some of its events: those in its
// time window (--since, --until) and, per event, its accounts and regions.
// Its Scope is that selection, and the manifest records, per object, the
// union of the scopes it was read under (its Coverage), with the number of
// events counted. The invariant: the rows hold every event of an object
// that lies in its coverage, once, and no other.
//
// A run with scope S skips an object whose coverage C holds all of S
// (Store.Lookup). Otherwise it reads the object and counts the events in S
// but not in C, and Commit records C ∪ S. Examples, for an object holding
// events of May 31 and June 1:
//
//	run 1: --since 2024-06-01         C = [06-01, …)            June's events
//	run 2: no filter                  C = everything            May's events added
//	run 3: --until 2024-06-02         skipped: C covers it
//
//	run 1: --account 111122223333     C = accounts 111122223333
//	run 2: --region eu-west-1         C = regions eu-west-1; accounts 111122223333
//	                                  (adds the other accounts' eu-west-1 events)
//
// Coverages are kept canonical (see Coverage): the same set of events has
// the same scopes whatever the runs that made it, so stores holding the
// same events have the same bytes. Commit checks that the store's coverage
// within S is still what the run excluded (Prior): another run that
// committed the same object meanwhile makes the commit fail rather than
// count twice.
//
// An object is its URI, ETag and size. CloudTrail never rewrites a log
// object, so another ETag or size at a URI already ingested is a re-upload
// or an edit: it is another object, read under the run's whole scope, and
// the earlier version's events stay counted (they were real events). If
// the content is the same, its events count twice: counts and totals grow,
// but no principal gains or loses an action, resource or first/last seen,
// whereas skipping it could lose events a policy needs. Ingest reports such
// objects (Lookup's OtherVersion).
//
// Version-1 stores recorded no scopes: their objects count as ingested
// under everything, which is what version 1 assumed. A version-1 run with
// filters may have left events of its objects out; re-ingest such objects
// into a new store to count them.
//
// # Merging stores
//
// Merge combines stores exactly, as if one store had ingested every
// object; it is associative and commutative byte for byte. An object in
// several stores merges when their scopes of it are disjoint (shards by
// time window): events summed, scopes united. Overlapping scopes are
// refused with an error naming the object, both stores and their scopes:
// the events in the overlap are counted in both stores' rows, and there is
// no way to subtract them. Stores cut with different bounds are refused
// too.
//
// # Time windows
//
// Rows are per UTC day (day, with first_seen and last_seen inside it), so a
// read selects whole days: Read with Since 2024-06-01T15:00Z starts at the
// rows of June 1. A daily job can ingest yesterday's objects into one
// long-lived store and generate from any window of days without reading a
// log again.
//
// # Reading with DuckDB
//
// The files are plain Parquet. Between commits the directory holds exactly
// the published files, so a glob reads the store:
//
//	SELECT identity_arn, event_source, event_name, sum(count) AS events
//	FROM read_parquet('usage/usage-*.parquet')
//	WHERE day >= DATE '2024-05-01' AND error_code IS NULL
//	GROUP BY ALL ORDER BY events DESC;
//
// After a crash, and while a commit runs, the directory can also hold files
// no version names; reading the files store.json names is exact at all
// times:
//
//	SET VARIABLE usage_files = (SELECT list('usage/' || u.file)
//	    FROM (SELECT unnest(usage) AS u FROM read_json('usage/store.json')));
//	SELECT count(*), sum(count) FROM read_parquet(getvariable('usage_files'));
package store
