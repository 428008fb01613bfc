// Policy evaluation oracle for analyze/policy's tests: runs
// @cloud-copilot/iam-simulate (AGPL; a test tool, never shipped or vendored)
// on every simulation in a JSON file and prints one decision per simulation.
//
// usage: node oracle.js <dir holding node_modules> <simulations.json>
//
// input:  {"simulations": [{"id", "principal", "action", "resource",
//          "accountId", "identity": [{"name", "policy"}],
//          "boundary": [{"name", "policy"}] | absent, "context": {key: value}}]}
// output: {"simulator": "<version>", "results": [{"id", "result"} |
//          {"id", "error"}]} where result is Allowed, ExplicitlyDenied or
//          ImplicitlyDenied.
'use strict'

const fs = require('fs')
const path = require('path')
const { createRequire } = require('module')

async function main() {
  const [modulesDir, input] = process.argv.slice(2)
  if (!modulesDir || !input) {
    throw new Error('usage: node oracle.js <dir holding node_modules> <simulations.json>')
  }
  // Resolve from the directory `make tools` installs into, not from this file.
  const load = createRequire(path.join(path.resolve(modulesDir), 'package.json'))
  const { runSimulation } = load('@cloud-copilot/iam-simulate')
  const version = JSON.parse(
    fs.readFileSync(
      path.join(modulesDir, 'node_modules', '@cloud-copilot', 'iam-simulate', 'package.json'),
      'utf8'
    )
  ).version

  const { simulations } = JSON.parse(fs.readFileSync(input, 'utf8'))
  const results = []
  for (const s of simulations) {
    const simulation = {
      request: {
        principal: s.principal,
        action: s.action,
        resource: { resource: s.resource, accountId: s.accountId },
        contextVariables: s.context || {}
      },
      identityPolicies: s.identity,
      serviceControlPolicies: [],
      resourceControlPolicies: []
    }
    if (s.boundary) {
      simulation.permissionBoundaryPolicies = s.boundary
    }
    const r = await runSimulation(simulation, { simulationMode: 'Strict' })
    if (r.resultType === 'error') {
      results.push({ id: s.id, error: JSON.stringify(r.errors) })
    } else {
      results.push({ id: s.id, result: r.overallResult })
    }
  }
  process.stdout.write(JSON.stringify({ simulator: version, results }))
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n')
  process.exit(1)
})
