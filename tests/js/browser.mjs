// Headless Chromium (CHROMIUM, default /usr/bin/chromium) on a closed
// network: no name resolves but the server's, and a page's requests to
// anything but the server are refused and noted.
import { chromium } from "playwright-core";

// Chromium for the server at `base` (a URL).
export function launch(base) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // No name resolves but the server's own address: nothing can leave the machine.
      `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ${base.hostname}`,
    ],
  });
}

// Lets `page` reach only `base` (and data: and blob: URLs), noting in
// `seen.blocked` what it refused and in `seen.errors` the page's errors.
export async function closed(page, base, seen) {
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.host === base.host || url.protocol === "data:" || url.protocol === "blob:") return route.continue();
    seen.blocked.push(url.href);
    return route.abort("blockedbyclient");
  });
  page.on("pageerror", (error) => seen.errors.push(String(error)));
}
