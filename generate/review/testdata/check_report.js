// Loads report.html in headless Chromium (through playwright-core, with
// the Debian chromium binary) and prints what a reader sees, as JSON, for
// report_chromium_test.go to compare with findings.json.
//
// usage: node check_report.js <dir holding node_modules> <chromium> <report.html>
"use strict";
const path = require("path");
const fs = require("fs");
const os = require("os");
const url = require("url");

const [modules, executablePath, report] = process.argv.slice(2);
const { chromium } = require(path.join(modules, "node_modules", "playwright-core"));

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "iamtailor-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  const out = { console: [], pageErrors: [], failedRequests: [], requests: [] };
  try {
    const page = await context.newPage();
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") out.console.push(m.type() + ": " + m.text()); });
    page.on("pageerror", (e) => out.pageErrors.push(String(e)));
    page.on("requestfailed", (r) => out.failedRequests.push(r.url() + " " + (r.failure() || {}).errorText));
    page.on("request", (r) => out.requests.push(r.url()));
    const pageURL = url.pathToFileURL(path.resolve(report)).href;
    await page.goto(pageURL, { waitUntil: "load" });
    out.pageURL = pageURL;

    const readRows = () => page.$$eval("#principals tbody tr", (trs) => trs.map((tr) => {
      const cells = {};
      tr.querySelectorAll("td[data-col]").forEach((td) => {
        const label = td.querySelector("a");
        cells[td.getAttribute("data-col")] = (label ? label.textContent : td.textContent).trim();
      });
      return { arn: tr.getAttribute("data-arn"), cells };
    }));
    out.rows = await readRows();
    out.meta = {
      total: await page.textContent("#total"),
      withFindings: await page.textContent("#with-findings"),
      catalog: await page.textContent("#catalog"),
      window: await page.textContent("#window"),
    };
    out.bars = await page.$$eval("#chart g", (gs) => gs.map((g) => ({
      title: g.querySelector("title").textContent,
      width: Number(g.querySelector("rect.bar").getAttribute("width")),
    })));

    // Sorting: click headers as a reader would, and record the order and
    // the aria-sort state after each click.
    out.sorts = [];
    for (const col of ["unused_percent", "unused_percent", "principal", "denied_attempts"]) {
      await page.click(`th[data-col="${col}"] button`);
      const rows = await readRows();
      out.sorts.push({
        col,
        ariaSort: await page.getAttribute(`th[data-col="${col}"]`, "aria-sort"),
        values: rows.map((r) => r.cells[col]),
        arns: rows.map((r) => r.arn),
      });
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
