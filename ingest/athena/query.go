package athena

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/iamtailor/iamtailor/ingest"
)

// Partitioning is how the CloudTrail table is partitioned, which decides
// the predicates that prune it.
type Partitioning string

const (
	// PartitionTimestamp is the table AWS documents for Athena with
	// partition projection: one account and region per table, partitioned
	// by "timestamp" ('yyyy/MM/dd', the delivery day).
	PartitionTimestamp Partitioning = "timestamp"
	// PartitionRegionTimestamp adds a region partition.
	PartitionRegionTimestamp Partitioning = "region,timestamp"
	// PartitionAccountRegionDate is the organization-trail form:
	// partitions account, region and "date" ('yyyy/MM/dd').
	PartitionAccountRegionDate Partitioning = "account,region,date"
	// PartitionNone prunes nothing: every filter is on the columns.
	PartitionNone Partitioning = "none"
)

// Partitionings lists the accepted values, for help text.
var Partitionings = []Partitioning{PartitionTimestamp, PartitionRegionTimestamp, PartitionAccountRegionDate, PartitionNone}

// QueryOptions say what the query reads.
type QueryOptions struct {
	// Table is the CloudTrail table: name, schema.name or
	// catalog.schema.name, each part plain (letters, digits, _) or
	// double-quoted.
	Table string
	// Since (inclusive) and Until (exclusive) bound eventtime; zero is
	// unbounded. As for ingest, partitions are read up to one day past
	// Until's day, for late deliveries.
	Since, Until time.Time
	// Accounts and Regions select by recipientaccountid and awsregion (and
	// the partitions that hold them, when the table has such partitions).
	Accounts []string
	Regions  []string
	// Partitions is the table's partitioning; empty is PartitionTimestamp.
	Partitions Partitioning
}

var (
	tablePart = regexp.MustCompile(`^([A-Za-z0-9_]+|"[^"]+")$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// Query returns the SQL (Athena engine v3 / Trino) that computes the usage
// rows of the table's events, in the columns of Columns.
func Query(o QueryOptions) (string, error) {
	if o.Partitions == "" {
		o.Partitions = PartitionTimestamp
	}
	switch o.Partitions {
	case PartitionTimestamp, PartitionRegionTimestamp, PartitionAccountRegionDate, PartitionNone:
	default:
		return "", fmt.Errorf("partitions %q: want one of %v", o.Partitions, Partitionings)
	}
	parts := strings.Split(o.Table, ".")
	if o.Table == "" || len(parts) > 3 {
		return "", fmt.Errorf("table %q: want name, schema.name or catalog.schema.name", o.Table)
	}
	for _, p := range parts {
		if !tablePart.MatchString(p) {
			return "", fmt.Errorf("table %q: %q is neither a plain name (letters, digits, _) nor double-quoted", o.Table, p)
		}
	}
	f := ingest.Filter{Since: o.Since, Until: o.Until, Accounts: o.Accounts}
	if err := f.Validate(); err != nil {
		return "", err
	}
	for _, r := range o.Regions {
		if !regionRE.MatchString(r) {
			return "", fmt.Errorf("region %q: want a region name such as us-east-1", r)
		}
	}
	d := queryData{
		Table: o.Table, Partitions: string(o.Partitions),
		Accounts: sqlList(o.Accounts), Regions: sqlList(o.Regions),
		MaxKeys: maxKeys, MaxContainers: maxContainers, MaxParams: maxParams, MaxResources: maxResources,
		KeyDeny: keyDeny, KeptValue: keptValue, Children: children, NodeType: nodeType, Token: token,
	}
	if !o.Since.IsZero() {
		d.Since = o.Since.UTC().Format(time.RFC3339Nano)
		d.FirstDay = o.Since.UTC().Format("2006/01/02")
	}
	if !o.Until.IsZero() {
		d.Until = o.Until.UTC().Format(time.RFC3339Nano)
		// The last partition that can hold an event before Until: that
		// event's day, plus late deliveries.
		last := o.Until.UTC().Add(-time.Millisecond)
		d.LastDay = last.AddDate(0, 0, ingest.LateDeliveryDays).Format("2006/01/02")
	}
	switch o.Partitions {
	case PartitionTimestamp:
		d.DayColumn = `"timestamp"`
	case PartitionRegionTimestamp:
		d.DayColumn, d.RegionColumn = `"timestamp"`, "region"
	case PartitionAccountRegionDate:
		d.DayColumn, d.RegionColumn, d.AccountColumn = `"date"`, "region", "account"
	}
	for i := 0; i < maxContainers; i++ {
		d.AllSteps = append(d.AllSteps, i)
	}
	d.Steps, d.LastStep = d.AllSteps[1:], maxContainers-1
	var b bytes.Buffer
	if err := queryTemplate.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

func sqlList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

type queryData struct {
	Table, Partitions                      string
	Since, Until, FirstDay, LastDay        string
	Accounts, Regions                      string
	DayColumn, RegionColumn, AccountColumn string
	Steps, AllSteps                        []int
	LastStep                               int
	MaxKeys, MaxContainers                 int
	MaxParams, MaxResources                int
	KeyDeny, KeptValue, Children           string
	NodeType, Token                        string
}

// The request-parameter rule of ingest (params.go), in SQL. The word lists
// and bounds are the rule's, repeated here: TestQueryMatchesIngest checks
// the query against the decoder, with keys made of each word and suffix.
const (
	maxKeys       = 6
	maxContainers = 16
	maxParams     = 64
	maxResources  = 256
)

var (
	denyWords = []string{
		"password", "passwd", "passphrase", "token", "credential", "signature",
		"private", "plaintext", "ciphertext", "session", "nonce", "requestid",
		"idempotency", "apikey", "accesskey", "authkey", "presharedkey",
		"customerkey", "externalid", "uploadid", "max",
	}
	keepSuffixes = []string{
		"name", "names", "id", "ids", "arn", "arns", "url", "urls", "uri", "uris",
		"key", "keys", "bucket", "buckets", "alias", "aliases", "role", "roles",
		"identifier", "identifiers", "source", "path", "paths", "cluster",
		"clusters", "prefix", "workgroup", "idlist",
		// Enumerations.
		"type", "method", "qualifier", "acl", "ownership", "enabled",
	}
)

// Bounds of the presence and statement keys.
const (
	maxPresenceValue = 64
	maxStatementWord = 16
)

// norm is a key k as the rule compares it: lower case, letters and digits
// only.
const norm = `lower(regexp_replace(k, '[^A-Za-z0-9]'))`

var (
	// keyDeny: longer than 128 bytes, holding a deny word, or holding
	// "secret" other than as secretid(s), secretarn(s), secretname(s).
	keyDeny = `(length(to_utf8(k)) > 128` +
		` OR regexp_like(` + norm + `, '` + strings.Join(denyWords, "|") + `')` +
		` OR strpos(replace(replace(replace(` + norm + `, 'secretid', '#'), 'secretarn', '#'), 'secretname', '#'), 'secret') > 0)`
	keySuffix = `regexp_like(` + norm + `, '(` + strings.Join(keepSuffixes, "|") + `)$')`
	// valueOK on a string value s.
	valueOK = `length(to_utf8(s)) BETWEEN 1 AND 1024` +
		` AND substr(s, 1, 1) NOT IN ('{', '[')` +
		` AND strpos(s, chr(10)) = 0 AND strpos(s, chr(13)) = 0` +
		` AND NOT regexp_like(s, '^(AKIA|ASIA)[A-Z0-9]{16}$')` +
		` AND s <> 'HIDDEN_DUE_TO_SECURITY_REASONS'` +
		` AND NOT (strpos(s, '?') > 0 AND regexp_like(lower(substr(s, strpos(s, '?'))), 'signature=|credential=|security-token=|securitytoken='))`
	// keptValue is what the rule keeps of string s under key k, NULL for
	// nothing: by the key's class, an identifier or enumeration (the value
	// if it passes), a statement (its first word, upper-cased), a presence
	// key (the value if short and passing, else a marker).
	keptValue = `CASE
              WHEN ` + keyDeny + ` THEN NULL
              WHEN ` + keySuffix + ` THEN IF(` + valueOK + `, s, NULL)
              -- a statement: its first word, 1 to 16 letters then the end or an ASCII non-letter
              WHEN regexp_like(` + norm + `, 'statement$') THEN
                upper(nullif(regexp_extract(s, '^[ \t\n\r(]*([A-Za-z]{1,` + fmt.Sprint(maxStatementWord) + `})([\x00-\x40\x5B-\x60\x7B-\x7F]|$)', 1), ''))
              -- a presence key: the value when short, else a marker
              WHEN regexp_like(` + norm + `, 'tagging$') OR strpos(` + norm + `, 'grant') > 0 THEN
                CASE WHEN s = '' THEN NULL WHEN length(to_utf8(s)) <= ` + fmt.Sprint(maxPresenceValue) + ` AND ` + valueOK + ` THEN s ELSE '<omitted>' END
              ELSE NULL END`
	nodeType = `ROW(p VARCHAR, k VARCHAR, v JSON, nk INTEGER, nc INTEGER, a ARRAY(VARCHAR))`
	// children of node n: an object's members (one key more on the path),
	// an array's elements (the same key), within the bounds. Whether a key
	// is denied is decided when the leaves are taken, from the keys above
	// them (a): Go does not walk below a denied key, and nothing below one
	// is kept either way.
	children = `CASE
      WHEN substr(json_format(n.v), 1, 1) = '{' AND n.nk < ` + fmt.Sprint(maxKeys) + ` AND n.nc < ` + fmt.Sprint(maxContainers) + ` THEN
        COALESCE(transform(map_keys(TRY(CAST(n.v AS MAP(VARCHAR, JSON)))), c -> CAST(ROW(n.p || n.k || '.', c,
          TRY(CAST(n.v AS MAP(VARCHAR, JSON)))[c], n.nk + 1, n.nc + 1, n.a || ARRAY[n.k]) AS ` + nodeType + `)), ARRAY[])
      WHEN substr(json_format(n.v), 1, 1) = '[' AND n.nc < ` + fmt.Sprint(maxContainers) + ` THEN
        COALESCE(transform(TRY(CAST(n.v AS ARRAY(JSON))), x -> CAST(ROW(n.p, n.k,
          x, n.nk, n.nc + 1, n.a || ARRAY[n.k]) AS ` + nodeType + `)), ARRAY[])
      ELSE ARRAY[] END`
)

// token normalises word or whitespace i of toks as NormalizeErrorMessage
// (row.go) does: whitespace as it is; in a word, the punctuation around it
// stays and the rules look at the core.
var token = func() string {
	// lead punctuation, core, trailing punctuation
	const re = `'^([(\["'']*)(.*?)([.,;:)\]"'']*)$'`
	p1 := `lower(IF(i > 2, toks[i - 2], ''))` // the word before
	p2 := `lower(IF(i > 4, toks[i - 4], ''))` // and the one before that
	uuid := `'(^|[^0-9a-fA-F])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}([^0-9a-fA-F]|$)'`
	return `CASE WHEN regexp_like(toks[i], '^[ \t\n\r]') THEN toks[i]
        ELSE regexp_extract(toks[i], ` + re + `, 1)
          || transform(ARRAY[regexp_extract(toks[i], ` + re + `, 2)], core -> CASE
            WHEN core = '' THEN ''
            -- an ARN: assumed-role ARNs lose the session name
            WHEN starts_with(core, 'arn:') THEN
              regexp_replace(core, '(?s)^(arn:[^:]*:sts:[^:]*:[^:]*:assumed-role/[^/]*)/.*$', '$1')
            -- after "failure message:" (an encoded authorization message) or a request id label,
            -- an access key id, a timestamp, a long opaque token
            WHEN (` + p1 + ` = 'message:' AND ` + p2 + ` = 'failure')
              OR (regexp_like(` + p1 + `, 'id:$') AND (strpos(` + p1 + `, 'request') > 0 OR strpos(` + p2 + `, 'request') > 0))
              OR regexp_like(core, '^(AKIA|ASIA)[A-Z0-9]{16}$')
              OR regexp_like(core, '^([0-9]{4}-[0-9]{2}-[0-9]{2}T.{5}|[0-9]{8}T[0-9]{6})')
              OR (length(core) >= 32 AND regexp_like(core, '^[A-Za-z0-9+/=_-]+$') AND (
                   (regexp_like(core, '^[0-9A-Fa-f]+$') AND regexp_like(core, '[0-9]') AND regexp_like(core, '[A-Fa-f]'))
                OR (regexp_like(core, '[A-Z]') AND regexp_like(core, '[a-z]') AND regexp_like(core, '[0-9]'))))
              THEN '<omitted>'
            -- UUIDs; twice, as a match takes the character that may start the next one
            ELSE regexp_replace(regexp_replace(core, ` + uuid + `, '$1<omitted>$2'), ` + uuid + `, '$1<omitted>$2')
          END)[1]
          || regexp_extract(toks[i], ` + re + `, 3)
        END`
}()

var queryTemplate = template.Must(template.New("query").Funcs(template.FuncMap{
	"minus1": func(i int) int { return i - 1 },
}).Parse(`-- iamtailor usage rows, computed in the engine (result format usage/1).
--
-- Generated by ` + "`iamtailor sql`" + ` for Amazon Athena (engine v3) or Trino, over the CloudTrail
-- table AWS documents for Athena. Each result row is one usage row as ` + "`iamtailor ingest`" + `
-- computes it from the same events: a UTC day and a distinct usage tuple (principal,
-- account, region, event, outcome, resources, identifying request parameters), with
-- the number of events (count) and the first and last of them (first_seen,
-- last_seen, Unix milliseconds). Save the result as CSV (the query's result file) or
-- as Parquet (UNLOAD (...) TO 's3://...' WITH (format = 'PARQUET')) and run
--   iamtailor ingest s3://BUCKET/PATH --usage DIR
-- Where SQL cannot follow iamtailor's rules exactly, a comment says DIFFERS.
--
-- Table: {{.Table}}; partitions: {{.Partitions}}.
-- Window: {{if .Since}}{{.Since}}{{else}}(unbounded){{end}} <= eventtime < {{if .Until}}{{.Until}}{{else}}(unbounded){{end}}.
WITH
-- The events iamtailor's decoder reads: a valid eventtime, an eventsource, an
-- eventname and a userIdentity; Insights events are not API activity.
events AS (
  SELECT TRY(from_iso8601_timestamp(eventtime)) AS t, *
  FROM {{.Table}}
{{- $where := "WHERE"}}
{{- if .DayColumn}}{{if .FirstDay}}
  {{$where}} {{.DayColumn}} >= '{{.FirstDay}}'{{$where = "AND"}}{{end}}{{if .LastDay}}
  {{$where}} {{.DayColumn}} <= '{{.LastDay}}' -- the delivery day: events arrive up to a day late{{$where = "AND"}}{{end}}{{end}}
{{- if and .RegionColumn .Regions}}
  {{$where}} {{.RegionColumn}} IN ({{.Regions}}){{$where = "AND"}}{{end}}
{{- if and .AccountColumn .Accounts}}
  {{$where}} {{.AccountColumn}} IN ({{.Accounts}}){{$where = "AND"}}{{end}}
),
kept AS (
  SELECT * FROM events
  WHERE t IS NOT NULL
    AND coalesce(eventsource, '') <> ''
    AND coalesce(eventname, '') <> ''
    AND useridentity IS NOT NULL
    AND coalesce(eventtype, '') <> 'AwsCloudTrailInsight'
{{- if .Since}}
    AND t >= from_iso8601_timestamp('{{.Since}}'){{end}}
{{- if .Until}}
    AND t < from_iso8601_timestamp('{{.Until}}'){{end}}
{{- if .Accounts}}
    AND {{if .AccountColumn}}coalesce(nullif(recipientaccountid, ''), {{.AccountColumn}}){{else}}recipientaccountid{{end}} IN ({{.Accounts}}){{end}}
{{- if .Regions}}
    AND {{if .RegionColumn}}coalesce(nullif(awsregion, ''), {{.RegionColumn}}){{else}}awsregion{{end}} IN ({{.Regions}}){{end}}
),
-- The usage tuple of each event, as FillRow (row.go) makes it; a missing value is ''.
fields AS (
  SELECT
    CAST(t AT TIME ZONE 'UTC' AS DATE) AS day,
    date_diff('millisecond', from_iso8601_timestamp('1970-01-01T00:00:00Z'), t) AS ms,
    coalesce(useridentity.type, '') AS identity_type,
    -- assumed-role ARNs lose the session name: …:assumed-role/Role/session → …:assumed-role/Role
    regexp_replace(coalesce(useridentity.arn, ''), '(?s)^(arn:[^:]*:sts:[^:]*:[^:]*:assumed-role/[^/]*)/.*$', '$1') AS identity_arn,
    coalesce(useridentity.accountid, '') AS identity_account,
    -- role principal IDs lose the session name (AROA…:session → AROA…); an access key id is dropped
    CASE WHEN regexp_like(coalesce(useridentity.principalid, ''), '^(AKIA|ASIA)[A-Z0-9]{16}$') THEN ''
         ELSE regexp_replace(coalesce(useridentity.principalid, ''), '(?s)^(AROA[^:]*):.*$', '$1') END AS principal_id,
    coalesce(useridentity.username, '') AS user_name,
    coalesce(useridentity.sessioncontext.sessionissuer.type, '') AS issuer_type,
    coalesce(useridentity.sessioncontext.sessionissuer.arn, '') AS issuer_arn,
    coalesce(useridentity.sessioncontext.sessionissuer.accountid, '') AS issuer_account,
    coalesce(useridentity.invokedby, '') AS invoked_by,
    -- DIFFERS: the documented table has no userIdentity.identityProvider (SAML and web
    -- identity users), only sessionContext.webIdFederationData.federatedProvider.
    coalesce(useridentity.sessioncontext.webidfederationdata.federatedprovider, '') AS identity_provider,
    coalesce(useridentity.onbehalfof.userid, '') AS on_behalf_of_user_id,
    coalesce(useridentity.onbehalfof.identitystorearn, '') AS on_behalf_of_store_arn,
    coalesce(recipientaccountid, '') AS account,
    coalesce(awsregion, '') AS region,
    eventsource AS event_source,
    eventname AS event_name,
    coalesce(eventtype, '') AS event_type,
    coalesce(eventcategory, '') AS event_category,
    CASE WHEN readonly IN ('true', 'false') THEN readonly ELSE '' END AS read_only,
    coalesce(errorcode, '') AS error_code,
    -- errorMessage as words and the whitespace between them, normalised below
    regexp_extract_all(coalesce(errormessage, ''), '[ \t\n\r]+|[^ \t\n\r]+') AS toks,
    coalesce(sharedeventid, '') <> '' AS shared,
    -- resources[]: the first {{.MaxResources}} entries that name anything, sorted and de-duplicated,
    -- as JSON [[arn, account, type], …]. DIFFERS: the documented table has no ARNPrefix,
    -- which iamtailor keeps as the ARN followed by "*".
    coalesce(json_format(CAST(array_sort(array_distinct(transform(
      slice(filter(resources, r -> coalesce(r.arn, '') <> '' OR coalesce(r.accountid, '') <> '' OR coalesce(r.type, '') <> ''), 1, {{.MaxResources}}),
      r -> ARRAY[coalesce(r.arn, ''), coalesce(r.accountid, ''), coalesce(r.type, '')]))) AS JSON)), '[]') AS resources,
    TRY(CAST(json_parse(requestparameters) AS MAP(VARCHAR, JSON))) AS rp
  FROM kept
),
-- The identifying request parameters, by ingest's generic rule (params.go). The JSON is
-- walked one level per step: a node is one value of requestParameters, with p the path to
-- its key ('' or 'a.b.'), k its key, v the value, nk the keys on its path, nc the objects
-- and arrays around it and a the keys of those. Step 0 holds the top-level members; each
-- next step the members of the objects and the elements of the arrays of the one before,
-- until the path has {{.MaxKeys}} keys or the value sits {{.MaxContainers}} containers deep.
-- DIFFERS: iamtailor keeps the first {{.MaxParams}} parameters in document order; SQL maps have no
-- order, so an event with more than {{.MaxParams}} may keep others. A requestParameters object
-- with a duplicate key is not read.
n0 AS (
  SELECT *, COALESCE(transform(map_keys(rp), k -> CAST(ROW('', k, rp[k], 1, 1, ARRAY[]) AS {{.NodeType}})), ARRAY[]) AS n0
  FROM fields
),
{{- range .Steps}}
n{{.}} AS (SELECT *, flatten(transform(n{{minus1 .}}, n -> {{$.Children}})) AS n{{.}} FROM n{{minus1 .}}),
{{- end}}
-- The parameters, as JSON [[name, value], …], sorted and de-duplicated: the string values
-- with no denied key above them, and what the rule keeps of each by its key (keptValue).
-- And errorMessage normalised (NormalizeErrorMessage, row.go), word by word.
usage AS (
  SELECT *,
    json_format(CAST(array_sort(array_distinct(slice(
      filter(
        transform(
          filter({{range $i, $s := .AllSteps}}{{if $i}} || {{end}}n{{$s}}{{end}},
            n -> substr(json_format(n.v), 1, 1) = '"' AND cardinality(filter(n.a, k -> {{.KeyDeny}})) = 0),
          n -> ARRAY[n.p || n.k, transform(ARRAY[json_extract_scalar(n.v, '$')], s -> transform(ARRAY[n.k], k ->
            {{.KeptValue}})[1])[1]]),
        x -> x[2] IS NOT NULL),
      1, {{.MaxParams}}))) AS JSON)) AS params,
    IF(cardinality(toks) = 0, '', array_join(transform(sequence(1, cardinality(toks)), i ->
        {{.Token}}), '')) AS msg
  FROM n{{.LastStep}}
)
SELECT
  day, identity_type, identity_arn, identity_account, principal_id, user_name,
  issuer_type, issuer_arn, issuer_account, invoked_by, identity_provider,
  on_behalf_of_user_id, on_behalf_of_store_arn, account, region,
  event_source, event_name, event_type, event_category, read_only, error_code,
  -- the normalised message cut to 512 bytes, at a character boundary
  CASE WHEN length(to_utf8(msg)) <= 512 THEN msg
       ELSE substr(msg, 1, cardinality(filter(transform(sequence(1, least(length(msg), 512)),
              j -> length(to_utf8(substr(msg, 1, j)))), b -> b <= 512))) END AS error_message,
  shared, resources, params,
  count(*) AS "count", min(ms) AS first_seen, max(ms) AS last_seen
FROM usage
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25
ORDER BY 1, 3, 16, 17, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 23, 24, 25
`))
