// Browser test of coverage/index.html: headless Chromium (Debian's) driven
// by playwright-core. Loads the page from file://, filters, searches, sorts,
// opens a chip's details, and checks what is shown against the raw inputs
// (a coverage record and the conformance results files), not only against
// the page's own data. Exits non-zero on any failed check; never skips a
// check silently. Run through `cargo xtask matrix --browser-test`.
//
// node test.mjs --html coverage/index.html --matrix coverage/matrix.json
//   --record generated/lm3s6965.coverage.json --conformance docs/conformance
//   --node-modules .cache/node/node_modules --chromium /usr/bin/chromium
//   --screenshot out.png [--report docs/corpus/report.json]

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
}
for (const k of ["html", "matrix", "record", "conformance", "node-modules", "chromium", "screenshot"]) {
  if (!args[k]) { console.error(`missing --${k}`); process.exit(2); }
}
const require = createRequire(path.join(path.resolve(args["node-modules"]), "_.js"));
const { chromium } = require("playwright-core");

const readJson = p => JSON.parse(fs.readFileSync(p, "utf8"));
const matrix = readJson(args.matrix);
const record = readJson(args.record);
const report = args.report ? readJson(args.report) : null;
// Fault-injection runs show that the tests can fail, not what a HAL does:
// the matrix leaves them out, and so does this check.
const results = fs.existsSync(args.conformance)
  ? fs.readdirSync(args.conformance).filter(f => f.endsWith(".json")).sort()
      .map(f => readJson(path.join(args.conformance, f)))
      .filter(r => !r.fault_injection)
  : [];
const CAPS = ["gpio", "serial", "spi", "i2c", "delay", "pwm"];
const LEVELS = matrix.levels;

let passed = 0;
const failed = [];
function check(ok, what) {
  if (ok) { passed++; console.log(`ok - ${what}`); } else { failed.push(what); console.log(`not ok - ${what}`); }
}
function note(what) { console.log(`# NOTE: ${what}`); }

// The cell rule, written again from coverage/README.md, over raw results.
function expectedLabels(svd, coverage) {
  const ran = results.filter(r => r.svd === svd && r.status === "ran");
  const out = {};
  for (const cap of CAPS) {
    const failedOn = new Set(), verifiedOn = new Set();
    for (const r of ran) {
      const tests = r.tests.filter(t => t.capability === cap);
      const label = r.backend === "probe-rs" ? `board:${r.board}` : r.backend;
      if (tests.some(t => t.status === "fail")) failedOn.add(label);
      else if (tests.some(t => t.status === "pass")) verifiedOn.add(label);
    }
    if (failedOn.size) out[cap] = `failed:${[...failedOn].sort().join(",")}`;
    else if (verifiedOn.size) out[cap] = `verified:${[...verifiedOn].sort().join(",")}`;
    else if (coverage) out[cap] = coverage[cap];
  }
  return out;
}

const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  // No sandbox as root; no background connections (the network is closed).
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors = [], network = [];
  page.on("pageerror", e => errors.push(String(e)));
  page.on("console", m => { if (m.type() === "error") errors.push(m.text()); });
  // Self-contained: anything but the file itself is a failure.
  await page.route("**/*", route => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    network.push(url);
    return route.abort();
  });
  const url = pathToFileURL(path.resolve(args.html)).href;
  await page.goto(url);
  await page.waitForSelector("#rows tr");

  const rowIds = () => page.$$eval("#rows tr", trs => trs.map(t => t.dataset.id));
  const cellTexts = col => page.$$eval(`#rows td[data-col="${col}"]`, tds => tds.map(t => t.textContent.trim()));
  const setControl = async (sel, value) => {
    if (sel === "#q") await page.fill(sel, value); else await page.selectOption(sel, value);
  };
  const reset = () => page.click("#reset");

  // Every chip of the matrix, every corpus chip of the report.
  const ids = await rowIds();
  check(ids.length === matrix.chips.length, `all ${matrix.chips.length} chips shown (got ${ids.length})`);
  const idSet = new Set(ids);
  if (report) {
    const missing = report.chips.map(c => `corpus:${c.vendor}/${c.file}`).filter(id => !idSet.has(id));
    check(missing.length === 0, `every corpus chip of the report (${report.chips.length}) has a row${missing.length ? `; missing ${missing.slice(0, 5)}` : ""}`);
  } else {
    note("no corpus report given: corpus coverage not checked");
  }
  check(idSet.has("svd/LM3S6965.svd"), "the project's LM3S6965 has a row");
  check((await page.textContent("#count")).includes(`showing ${matrix.chips.length} of ${matrix.chips.length}`), "count line shows all chips");

  // Search by name.
  await setControl("#q", record.chip.toLowerCase());
  const names = await cellTexts("chip");
  check(names.length > 0 && names.every(n => n.toLowerCase().includes(record.chip.toLowerCase())),
    `search "${record.chip.toLowerCase()}" keeps only matching chips (${names.length})`);
  check((await rowIds()).includes("svd/LM3S6965.svd"), "search finds LM3S6965");
  await reset();

  // Vendor filter.
  const vendor = matrix.chips.some(c => c.vendor === "Nordic") ? "Nordic" : matrix.chips[0].vendor;
  await setControl("#f-vendor", vendor);
  const vendors = await cellTexts("vendor");
  const wantVendor = matrix.chips.filter(c => c.vendor === vendor).length;
  check(vendors.length === wantVendor && vendors.every(v => v === vendor), `vendor filter ${vendor}: ${wantVendor} rows, all ${vendor}`);
  await reset();

  // Core filter.
  const core = "Cortex-M0+";
  await setControl("#f-core", core);
  const cores = await cellTexts("core");
  check(cores.length === matrix.chips.filter(c => c.core === core).length && cores.every(c => c === core), `core filter ${core} (${cores.length} rows)`);
  await reset();

  // Trait and evidence level.
  await setControl("#f-trait", "gpio");
  await setControl("#f-level", "generated");
  const gpio = await cellTexts("gpio");
  const wantGpio = matrix.chips.filter(c => c.cells.gpio.level === "generated").length;
  check(gpio.length === wantGpio && gpio.every(t => t === "generated"), `trait gpio + level generated: ${wantGpio} rows, all generated`);
  check(await page.$eval('th[data-key="gpio"]', th => th.classList.contains("hl")), "the filtered trait's column is highlighted");
  await reset();

  // Sorting: chip name descending, then a trait column by evidence level.
  await page.click('th[data-key="chip"]');
  check(await page.getAttribute('th[data-key="chip"]', "aria-sort") === "descending", "second click on Chip sorts descending");
  const desc = await cellTexts("chip");
  const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  check(collator.compare(desc[0], desc[desc.length - 1]) >= 0, `descending order (${desc[0]} … ${desc[desc.length - 1]})`);
  await page.click('th[data-key="i2c"]');
  const levelsShown = await page.$$eval('#rows td[data-col="i2c"] .lv', els => els.map(e => [...e.classList].find(c => c.startsWith("lv-")).slice(3)));
  const ranks = levelsShown.map(l => LEVELS.indexOf(l));
  check(ranks.every((r, i) => i === 0 || ranks[i - 1] <= r), "sorting by i2c orders rows by evidence level");
  await reset();

  // Cells against the raw conformance results, for every chip they name.
  const svds = [...new Set(results.map(r => r.svd))].filter(s => idSet.has(s));
  const byId = new Map(matrix.chips.map(c => [c.id, c]));
  let verifiedSeen = 0;
  for (const svd of svds) {
    const coverage = Object.fromEntries(CAPS.map(c => [c, byId.get(svd).cells[c].label]));
    const want = expectedLabels(svd, coverage);
    const got = await page.$$eval(`#rows tr[data-id="${svd}"] td .lv`, els => els.map(e => e.textContent));
    const gotBy = Object.fromEntries(CAPS.map((c, i) => [c, got[i]]));
    for (const cap of CAPS) {
      if (want[cap].startsWith("verified:") || want[cap].startsWith("failed:")) {
        check(gotBy[cap] === want[cap], `${svd} ${cap}: ${want[cap]} from the raw results (page: ${gotBy[cap]})`);
        if (want[cap].startsWith("verified:")) verifiedSeen++;
      }
    }
  }
  const lmRan = results.filter(r => r.svd === "svd/LM3S6965.svd" && r.status === "ran");
  if (!lmRan.length) note("no ran conformance results for LM3S6965: its verified cells are not exercised");
  if (!verifiedSeen) note("no verified cell in the raw results: verified rendering not exercised");

  // Details of LM3S6965: families, bound registers with SVD lines, runs.
  await setControl("#q", "LM3S6965");
  await page.click('#rows tr[data-id="svd/LM3S6965.svd"] td[data-col="chip"]');
  await page.waitForSelector("#details:not([hidden])");
  const details = await page.textContent("#details");
  const families = [...new Set(record.instances.flatMap(i => i.matches.map(m => m.family)))];
  check(families.length > 0 && families.every(f => details.includes(f)), `details name every family matched: ${families.join(", ")}`);
  const inst = record.instances.find(i => i.matches.length && Object.values(i.matches[0].bindings).some(b => b.line));
  const [role, b] = Object.entries(inst.matches[0].bindings).find(([, b]) => b.line);
  const reg = b.field ? `${b.register}.${b.field}` : b.register;
  const binds = await page.$$eval(`#details tr[data-periph="${inst.instance}"] .bind`, els => els.map(e => e.textContent.replace(/\s+/g, " ").trim()));
  check(binds.includes(`${role} → ${reg} (line ${b.line})`), `details show ${inst.instance} ${role} → ${reg} at SVD line ${b.line}`);
  const gate = inst.matches[0].clock_gate;
  if (gate?.line) check(details.includes(`${gate.peripheral}.${gate.register}.${gate.field}`) && details.includes(`(line ${gate.line})`), `details show the clock gate ${gate.register}.${gate.field} (line ${gate.line})`);
  const lmRuns = results.filter(r => r.svd === "svd/LM3S6965.svd");
  for (const r of lmRuns) {
    check(details.includes(r.board) && details.includes(r.backend) && (!r.started_at || details.includes(r.started_at)), `details list the ${r.board}/${r.backend} run (${r.status}, ${r.started_at})`);
    for (const t of r.tests) check(details.includes(t.name), `details list test ${t.name} (${t.status})`);
  }
  const chip = byId.get("svd/LM3S6965.svd");
  if (chip.build.pac_check) check(details.includes(chip.build.pac_check[1].toFixed(2)), "details show the PAC check time");
  else check(details.includes("not run"), "details say the corpus checks were not run for this chip");
  await page.keyboard.press("Escape");
  check(await page.$eval("#details", d => d.hidden), "Escape closes the details");

  // A shared link opens the same state.
  await page.goto("about:blank");
  await page.goto(`${url}#trait=gpio&chip=${encodeURIComponent("svd/LM3S6965.svd")}`);
  await page.waitForSelector("#details:not([hidden])");
  check((await page.textContent("#details h2")) === record.chip && await page.inputValue("#f-trait") === "gpio", "URL hash restores filter and details");

  // The screenshot: a filter applied, one chip's details open beside it.
  await page.setViewportSize({ width: 1840, height: 1000 });
  await page.goto(url);
  await page.waitForSelector("#rows tr");
  const anyVerified = matrix.chips.some(c => CAPS.some(k => c.cells[k].level === "verified"));
  if (anyVerified) {
    await setControl("#f-level", "verified");
  } else {
    await setControl("#f-trait", "i2c");
    await setControl("#f-level", "generated+");
  }
  const shown = await rowIds();
  check(shown.length > 0, `screenshot filter shows ${shown.length} chip(s)`);
  const focus = shown.includes("svd/LM3S6965.svd") ? "svd/LM3S6965.svd" : shown[0];
  await page.click(`#rows tr[data-id="${focus}"] td[data-col="chip"]`);
  await page.waitForSelector("#details:not([hidden])");
  await page.screenshot({ path: args.screenshot });
  check(fs.statSync(args.screenshot).size > 10000, `screenshot saved (${args.screenshot})`);

  check(errors.length === 0, `no page errors${errors.length ? `: ${errors.slice(0, 3).join(" | ")}` : ""}`);
  check(network.length === 0, `no network requests${network.length ? `: ${network.slice(0, 3).join(", ")}` : ""}`);
} catch (e) {
  failed.push(String(e?.stack ?? e));
  console.log(`not ok - ${e}`);
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
