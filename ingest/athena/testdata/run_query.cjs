// Runs a query in DuckDB for TestQueryMatchesIngest: the setup statements
// (macros standing in for Trino functions, the CloudTrail table), then the
// query, whose result is written as CSV (quoted like Athena's) and Parquet.
// Usage: node run_query.cjs SETUP.sql QUERY.sql OUT.csv OUT.parquet
const fs = require('fs');
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const [setupPath, queryPath, csvOut, parquetOut] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(fs.readFileSync(setupPath, 'utf8'));
  const query = fs.readFileSync(queryPath, 'utf8');
  await c.run(`COPY (${query}\n) TO '${csvOut}' (HEADER, FORCE_QUOTE *)`);
  await c.run(`COPY (${query}\n) TO '${parquetOut}' (FORMAT PARQUET)`);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
