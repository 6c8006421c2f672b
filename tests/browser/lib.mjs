// Shared by the browser tests: launch Debian's chromium headless with the
// flags this machine needs, and fail on anything that leaves the site.
import { chromium } from "playwright-core";

export const BASE = process.env.WENMING_BASE ?? "http://127.0.0.1:8791/wmcj/";
export const SCREENSHOTS = process.env.WENMING_SCREENSHOTS ?? "/tmp/wenming-screenshots";

/** One page of every kind the column has: [name, path under BASE]. */
export const PAGES = [
  ["home", ""],
  ["progress", "progress/"],
  ["criterion", "progress/16/"],
  ["reports", "reports/"],
  ["reports-page-2", "reports/page/2/"],
  ["report", "reports/community-service/"],
  ["kind", "kinds/volunteer/"],
  ["offices", "offices/"],
  ["office", "offices/ji-guan-dang-wei/"],
  ["archive", "archive/"],
  ["dossier", "dossier/"],
  ["page", "plan/"],
  ["404", "404.html"],
];
/** A phone and a desktop width, in CSS pixels. */
export const WIDTHS = [375, 1280];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/// A page that records console errors and any request outside BASE's origin.
export async function openPage(browser, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: "zh-CN" });
  const page = await context.newPage();
  const problems = { consoleErrors: [], external: [] };
  const origin = new URL(BASE).origin;
  page.on("console", (m) => {
    if (m.type() === "error") problems.consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => problems.consoleErrors.push(String(e)));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    problems.external.push(url);
    return route.abort();
  });
  return { context, page, problems };
}
