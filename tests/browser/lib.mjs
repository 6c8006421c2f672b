// Shared by the browser tests: launch Debian's chromium headless with the
// flags this machine needs, and fail on anything that leaves the site.
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const AXE = fileURLToPath(new URL("./node_modules/axe-core/axe.min.js", import.meta.url));

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

/** axe-core's WCAG 2.1 A/AA violations on the page, with a few nodes each. */
export async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")} — ${n.failureSummary?.split("\n")[1]?.trim() ?? ""}`),
    }));
  });
}

/** Only the violations axe rates serious or critical. */
export function serious(violations) {
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
