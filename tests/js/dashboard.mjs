// Drives the dashboard at the URL given as the first argument in headless
// Chromium (CHROMIUM), every request to another server refused, and writes
// a screenshot of each view into the folder given as the second argument.
// As the province's supervisor: reads the report's figures on screen, opens
// a figure's dossiers (all pages) and a dossier's slip, then receives a
// dossier through the API (DESK_TOKEN, PROCEDURE_ID, DESK_AGENCY) and waits
// for the figure on screen to move. As a commune's leader: reads its
// figures and overdue dossiers, then asks for the province and reads the
// error. Prints one JSON object: what it saw.
import { closed, launch } from "./browser.mjs";

const base = new URL(process.argv[2]);
const shots = process.argv[3];
const seen = { blocked: [], errors: [], supervisor: {}, commune: {} };

const browser = await launch(base);

async function open(username, viewport) {
  const context = await browser.newContext({ viewport, locale: "vi-VN" });
  const page = await context.newPage();
  await closed(page, base, seen);
  await page.goto(new URL("/dashboard", base).href, { waitUntil: "load" });
  await page.selectOption("#demo-official", username);
  await page.click("#sign-in button[type=submit]");
  await loaded(page, null);
  return page;
}

// Waits for the figures to be (re)loaded after `since` (a data-loaded value).
async function loaded(page, since) {
  await page.waitForFunction(
    (before) => {
      const at = document.body.getAttribute("data-loaded");
      return at && at !== before;
    },
    since,
    { timeout: 20000 },
  );
  return page.evaluate(() => document.body.getAttribute("data-loaded"));
}

const figures = (page, row) =>
  page.evaluate((row) => {
    const out = {};
    for (const link of document.querySelectorAll(`#report a[data-row="${row}"]`)) {
      out[link.dataset.field] = Number(link.textContent.replace(/\D/g, ""));
    }
    return out;
  }, row);

const period = (page) =>
  page.evaluate(() => ({
    agency: document.getElementById("agency").value,
    from: document.getElementById("from").value,
    to: document.getElementById("to").value,
  }));

try {
  // --- The province's supervisor, on a laptop ---
  const page = await open("tinh.giamsat", { width: 1366, height: 900 });
  const supervisor = seen.supervisor;
  supervisor.who = await page.textContent("#who");
  supervisor.period = await period(page);
  supervisor.total = await figures(page, "total");
  supervisor.rows = await page.$$eval("#report tbody tr", (rows) => rows.length);
  supervisor.indexRows = await page.$$eval("#index tr", (rows) => rows.length - 1);
  supervisor.charts = await page.$$eval(".chart", (charts) => charts.map((c) => Number(c.dataset.bars || 0)));
  supervisor.canvases = await page.$$eval(".chart canvas", (canvases) => canvases.filter((c) => c.width > 0 && c.height > 0).length);
  await page.screenshot({ path: `${shots}/dashboard-supervisor.png`, fullPage: true });
  await page.screenshot({ path: `${shots}/dashboard-supervisor-screen.png` });
  // The report on screen as a file: the CSV's total row.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
  const csv = (await download.createReadStream()).setEncoding("utf8");
  let text = "";
  for await (const chunk of csv) text += chunk;
  supervisor.csv = { name: download.suggestedFilename(), lines: text.trim().split(/\r?\n/) };

  // A figure of the total with a few dossiers: its list, every page of it.
  const candidates = Object.entries(supervisor.total).filter(([, n]) => n > 0 && n <= 120);
  candidates.sort((a, b) => b[1] - a[1]);
  const [field, figure] = candidates[0];
  await page.click(`#report a[data-row="total"][data-field="${field}"]`);
  await page.waitForFunction(() => document.getElementById("drill").getAttribute("data-complete") !== null, null, { timeout: 15000 });
  while (await page.isVisible("#drill-more")) {
    const before = await page.$$eval("#drill-list tr[data-dossier]", (rows) => rows.length);
    await page.click("#drill-more");
    await page.waitForFunction((n) => document.querySelectorAll("#drill-list tr[data-dossier]").length > n, before, { timeout: 15000 });
  }
  supervisor.drill = {
    field,
    figure,
    shown: Number((await page.textContent("#drill-count")).replace(/\D/g, "")),
    listed: await page.$$eval("#drill-list tr[data-dossier]", (rows) => rows.length),
    codes: await page.$$eval("#drill-list tr[data-dossier]", (rows) => rows.map((r) => r.dataset.dossier)),
  };
  await page.screenshot({ path: `${shots}/dashboard-drill-down.png`, fullPage: true });

  // A dossier's slip.
  const code = supervisor.drill.codes[0];
  await page.click(`#drill-list a[data-code="${code}"]`);
  await page.waitForSelector("#slip:not([hidden]) li", { timeout: 15000 });
  supervisor.slip = { code, entries: await page.$$eval("#slip-events li", (items) => items.length) };
  await page.screenshot({ path: `${shots}/dashboard-slip.png`, fullPage: true });

  // A dossier received at a desk through the API: the figure on screen moves.
  const before = await page.evaluate(() => document.body.getAttribute("data-loaded"));
  const receivedBefore = (await figures(page, "total")).received;
  const started = Date.now();
  const response = await fetch(new URL("/graphql", base), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${process.env.DESK_TOKEN}` },
    body: JSON.stringify({
      query: "mutation($i: ReceiveDossierInput!) { receiveDossier(input: $i) { dossier { code } } }",
      variables: {
        i: {
          procedureId: process.env.PROCEDURE_ID,
          agencyCode: process.env.DESK_AGENCY,
          applicant: { name: "Trần Thị Thử", idNumber: "091200000077", phone: "0912000077", address: "Rạch Giá" },
        },
      },
    }),
  });
  supervisor.receive = await response.json();
  await page.waitForFunction(
    (n) => Number(document.querySelector('#report a[data-row="total"][data-field="received"]').textContent.replace(/\D/g, "")) > n,
    receivedBefore,
    { timeout: 10000 },
  );
  supervisor.live = { before: receivedBefore, after: (await figures(page, "total")).received, ms: Date.now() - started };
  supervisor.totalAfter = await figures(page, "total");
  supervisor.reloaded = (await page.evaluate(() => document.body.getAttribute("data-loaded"))) !== before;

  // --- A commune's leader, on a tablet ---
  const commune = await open("vinhthanh.lanhdao", { width: 820, height: 1180 });
  seen.commune.period = await period(commune);
  seen.commune.total = await figures(commune, "total");
  seen.commune.overdue = await commune.$$eval("#overdue tr[data-dossier]", (rows) => rows.map((r) => r.dataset.dossier));
  await commune.screenshot({ path: `${shots}/dashboard-commune.png`, fullPage: true });
  const shown = await commune.evaluate(() => document.body.getAttribute("data-loaded"));
  await commune.fill("#agency", "91");
  await commune.click("#choose button[type=submit]");
  await loaded(commune, shown);
  seen.commune.foreign = { error: await commune.textContent("#error"), visible: await commune.isVisible("#error") };
  await commune.screenshot({ path: `${shots}/dashboard-commune-foreign.png`, fullPage: true });
} catch (error) {
  seen.failure = String(error && error.stack ? error.stack : error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
