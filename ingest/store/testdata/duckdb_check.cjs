// Reads a usage store with DuckDB and prints what the Go test checks, as
// one JSON object on stdout. Usage: node duckdb_check.cjs STORE_DIR [FILTERS]
// where FILTERS is a JSON array of SQL predicates over the data files,
// each counted (row groups are skipped by their statistics, so the counts
// check those). Run with NODE_PATH=<repo>/testdata/node/node_modules.
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const dir = process.argv[2];
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  const q = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJson();
  const glob = `read_parquet('${dir}/usage-*.parquet')`;
  const out = {};

  out.totals = (await q(`select count(*)::varchar as rows, sum(count)::varchar as events from ${glob}`))[0];

  // The exact form: only the files the published version names.
  await c.run(`set variable usage_files = (
      select list('${dir}/' || u.file) from (select unnest(usage) as u from read_json('${dir}/store.json')))`);
  out.exact = (await q(`select count(*)::varchar as rows, sum(count)::varchar as events
      from read_parquet(getvariable('usage_files'))`))[0];

  out.by_event = await q(`select event_name, error_code, sum(count)::varchar as events, count(*)::varchar as rows
      from ${glob} group by all order by all`);

  out.types = await q(`select column_name, column_type from (describe select * from ${glob})`);

  out.rows = await q(`select strftime(day, '%Y-%m-%d') as day, identity_type, identity_arn, identity_account, principal_id,
      user_name, issuer_type, issuer_arn, issuer_account, invoked_by, identity_provider, on_behalf_of_user_id,
      on_behalf_of_store_arn, account, region, event_source, event_name, event_type, event_category, read_only,
      error_code, error_message, shared,
      coarsened, count::varchar as count, epoch_ms(first_seen)::varchar as first_seen,
      epoch_ms(last_seen)::varchar as last_seen, resources, params,
      len(resources)::varchar as n_resources,
      [r.arn for r in resources] as resource_arns
      from ${glob} order by all`);

  out.manifest = (await q(`select count(*)::varchar as objects, sum(events)::varchar as events
      from read_parquet('${dir}/manifest-*.parquet')`))[0];

  out.manifest_types = await q(`select column_name, column_type from (describe select * from read_parquet('${dir}/manifest-*.parquet'))`);

  // Scopes as epoch milliseconds (NULL for an open side) and lists.
  out.scopes = await q(`select object, [{'since': epoch_ms(s.since)::varchar, 'until': epoch_ms(s.until)::varchar,
      'accounts': s.accounts, 'regions': s.regions} for s in scopes] as scopes
      from read_parquet('${dir}/manifest-*.parquet') order by object`);

  out.filters = [];
  for (const pred of JSON.parse(process.argv[3] || 'null') || []) {
    const r = (await q(`select count(*)::varchar as rows from ${glob} where ${pred}`))[0];
    out.filters.push({ pred, rows: r.rows });
  }

  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
