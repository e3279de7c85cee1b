// Loads the playground at the URL given as the first argument in headless
// Chromium (the path in CHROMIUM, default /usr/bin/chromium) with every
// request to anything but that server refused, as on a closed government
// network, and checks that GraphiQL read the schema, answered the first
// query, and — when the server runs on demo data — that choosing a demo
// official puts their token in the Authorization header and a query then
// answers as them. Prints one JSON object: what it saw.
import { closed, launch } from "./browser.mjs";

const base = new URL(process.argv[2]);
const seen = { blocked: [], introspected: false, answered: null, asOfficial: null, docs: null, errors: [] };

const browser = await launch(base);
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await closed(page, base, seen);
  page.on("response", async (response) => {
    if (!response.url().endsWith("/graphql") || response.request().method() !== "POST") return;
    const body = response.request().postData() || "";
    if (body.includes("__schema") && response.status() === 200) {
      seen.introspected = true;
    }
  });

  await page.goto(base.href, { waitUntil: "load" });
  // GraphiQL is up once its query editor and the run button are there.
  await page.waitForSelector(".graphiql-execute-button", { timeout: 20000 });
  // The schema was read: the documentation explorer lists the root types.
  await page.click('[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector(".graphiql-doc-explorer", { timeout: 10000 });
  seen.docs = (await page.textContent(".graphiql-doc-explorer"))?.slice(0, 500) ?? null;

  await page.click(".graphiql-execute-button");
  await page.waitForFunction(
    () => (document.querySelector(".result-window")?.textContent || "").includes('"data"'),
    null,
    { timeout: 15000 },
  );
  seen.answered = await page.textContent(".result-window");

  const demo = await page.$("#demo-bar:not([hidden]) select");
  if (demo) {
    await page.selectOption("#demo-official", "vinhthanh.motcua");
    await page.waitForSelector(".graphiql-execute-button", { timeout: 20000 });
    // The query editor of the remounted GraphiQL: type a query that names the caller.
    const editor = page.locator(".graphiql-query-editor .CodeMirror").first();
    await editor.click();
    await page.evaluate(() => {
      const cm = document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror;
      cm.setValue("{ me { user { username } agency { code } } }");
    });
    await page.click(".graphiql-execute-button");
    await page.waitForFunction(
      () => (document.querySelector(".result-window")?.textContent || "").includes('"me"'),
      null,
      { timeout: 15000 },
    );
    seen.asOfficial = await page.textContent(".result-window");
  }
} catch (error) {
  seen.errors.push(String(error));
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
