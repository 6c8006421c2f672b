// Full-text search in a real browser: the queries an assessor types find the
// right reports, a query that matches nothing says 无结果, one click on a
// criterion narrows to its evidence, and everything loads from the site
// itself under its base path. Needs the site built with its search index
// (see run.sh).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { BASE, SCREENSHOTS, launch, openPage } from "./lib.mjs";

const AXE = fileURLToPath(new URL("./node_modules/axe-core/axe.min.js", import.meta.url));

const SEARCH = new URL("search/", BASE).href;
const basePath = new URL(BASE).pathname; // "/wmcj/"
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function searchPage(query = "") {
  const { context, page, problems } = await openPage(browser);
  const bytes = { index: 0, files: [] };
  page.on("response", async (r) => {
    if (!new URL(r.url()).pathname.startsWith(`${basePath}search/index/`)) return;
    try {
      const body = await r.body();
      bytes.index += body.length;
      bytes.files.push(new URL(r.url()).pathname);
    } catch {
      // redirects and aborted loads have no body
    }
  });
  const response = await page.goto(SEARCH + query);
  assert.equal(response.status(), 200);
  await page.waitForSelector("#search-app[data-ready]");
  await page.waitForSelector("#search-main[aria-busy=false]");
  return { context, page, problems, bytes };
}

/// Types `q` and submits; returns what the page then shows.
async function search(page, q) {
  await page.fill("#search-q", q);
  await page.press("#search-q", "Enter");
  await page.waitForSelector("#search-main[aria-busy=false]");
  return shown(page);
}

async function shown(page) {
  return {
    status: (await page.textContent("#search-status")).trim(),
    results: await page.$$eval(".search-result", (lis) =>
      lis.map((li) => ({
        title: li.querySelector(".search-result-title a").textContent,
        href: li.querySelector(".search-result-title a").getAttribute("href"),
        meta: li.querySelector(".search-result-meta")?.textContent ?? "",
        marks: [...li.querySelectorAll(".search-result-excerpt mark")].map((m) => m.textContent),
      })),
    ),
  };
}

const titles = (r) => r.results.map((x) => x.title);

test("Chinese queries find the reports that contain them, with date, kind and marked hits", async () => {
  const { context, page, problems } = await searchPage();
  try {
    let r = await search(page, "学雷锋");
    assert.match(r.status, /找到 \d+ 条/);
    assert.ok(titles(r).includes("委机关学雷锋志愿服务队走进社区开展志愿服务"), titles(r).join("\n"));
    assert.ok(titles(r).some((t) => t.includes("湘江护绿净滩")), titles(r).join("\n"));
    const first = r.results[0];
    assert.match(first.meta, /^\d{4}-\d{2}-\d{2} · 志愿服务$/);
    assert.ok(first.href.startsWith(`${basePath}reports/`), first.href);
    assert.ok(first.marks.length > 0, "hits are marked in the excerpt");
    assert.ok(first.marks.join("").includes("雷锋"), first.marks.join(","));

    r = await search(page, "廉洁");
    assert.equal(r.results[0].title, "组织党员干部赴廉洁文化教育基地开展警示教育");
    assert.ok(titles(r).includes("机关纪委开展廉政提醒暨移风易俗专题教育"));
    assert.ok(r.results.filter((x) => x.meta.includes("廉洁教育")).length >= 2);

    r = await search(page, "读书");
    assert.ok(titles(r).some((t) => t.includes("主题读书分享会")), titles(r).join("\n"));
    assert.ok(titles(r).some((t) => t.includes("职工书屋")), titles(r).join("\n"));

    // A term found in a publicity page (the 创建实施方案), not in any report.
    r = await search(page, "国资大讲堂");
    assert.deepEqual(titles(r), ['湖南省国资委创建"省文明单位"实施方案']);
    assert.equal(r.results[0].href, `${basePath}plan/`);

    // A multi-word query narrows: both words must occur.
    r = await search(page, "志愿服务 湘江");
    assert.ok(r.results.length >= 1 && r.results.length < 8, titles(r).join("\n"));
    assert.ok(titles(r).some((t) => t.includes("湘江护绿净滩")));

    assert.deepEqual(problems.consoleErrors, []);
    assert.deepEqual(problems.external, []);
  } finally {
    await context.close();
  }
});

test("an ASCII word finds its report, case-insensitively", async () => {
  const { context, page, problems } = await searchPage();
  try {
    let r = await search(page, "AED");
    assert.deepEqual(titles(r), ["委机关开展消防安全与应急救护培训"]);
    r = await search(page, "markdown");
    assert.deepEqual(titles(r), ["信息中心举办文明创建专题专栏维护培训"]);
    r = await search(page, "AED 心肺复苏");
    assert.deepEqual(titles(r), ["委机关开展消防安全与应急救护培训"]);
    assert.deepEqual(problems.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("a query that matches nothing says 无结果 and lists nothing", async () => {
  const { context, page, problems } = await searchPage();
  try {
    for (const q of ["xyzzy", "火星探测", "xyzzy 廉洁"]) {
      const r = await search(page, q);
      assert.match(r.status, /无结果/, q);
      assert.equal(r.results.length, 0, `${q}: ${titles(r).join(",")}`);
    }
    // Looser matches (some of the characters) stay available on request, labelled as such.
    await search(page, "火星探测");
    assert.equal(await page.isVisible("#search-loose-show"), true);
    await page.click("#search-loose-show");
    await page.waitForSelector(".search-result-partial");
    assert.match(await page.textContent("#search-status"), /部分关键词/);
    assert.deepEqual(problems.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("one click on 第 23 条 narrows to criterion 23's evidence; the URL can carry it", async () => {
  // The evidence as the criterion page lists it.
  const { context, page, problems } = await searchPage();
  try {
    const crit = await context.newPage();
    await crit.goto(new URL("progress/23/", BASE).href);
    const evidence = new Set(
      await crit.$$eval(`main a[href^="${basePath}reports/"]`, (as) => as.map((a) => a.getAttribute("href"))),
    );
    await crit.close();
    assert.ok(evidence.size > 0);

    let r = await search(page, "志愿服务");
    const before = r.results.length;
    await page.check('.search-filter-criteria input[value="第 23 条"]');
    await page.waitForSelector("#search-main[aria-busy=false]");
    r = await shown(page);
    assert.ok(r.results.length > 0 && r.results.length < before, `${before} → ${r.results.length}`);
    for (const x of r.results) assert.ok(evidence.has(x.href), `${x.href} is not evidence for 第 23 条`);
    assert.match(r.status, /第 23 条/);
    assert.match(decodeURIComponent(page.url()), /filter=criteria:第 23 条/);

    // Filter alone, from the address: every piece of evidence, newest first.
    const { context: c2, page: p2 } = await searchPage("?filter=" + encodeURIComponent("criteria:第 23 条"));
    try {
      assert.equal(await p2.isChecked('.search-filter-criteria input[value="第 23 条"]'), true);
      const all = await shown(p2);
      assert.deepEqual(new Set(all.results.map((x) => x.href)), evidence);
      const dates = all.results.map((x) => x.meta.slice(0, 10));
      assert.deepEqual(dates, [...dates].sort().reverse());
    } finally {
      await c2.close();
    }

    // ?q= fills the box and searches.
    const { context: c3, page: p3 } = await searchPage("?q=" + encodeURIComponent("廉洁"));
    try {
      assert.equal(await p3.inputValue("#search-q"), "廉洁");
      assert.equal((await shown(p3)).results[0].title, "组织党员干部赴廉洁文化教育基地开展警示教育");
    } finally {
      await c3.close();
    }
    assert.deepEqual(problems.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("a result opens its report under the base path", async () => {
  const { context, page } = await searchPage("?q=" + encodeURIComponent("羽毛球"));
  try {
    const r = await shown(page);
    assert.equal(r.results[0].title, "机关工会举办2022年干部职工羽毛球比赛");
    await page.click(".search-result-title a");
    await page.waitForLoadState();
    assert.equal(new URL(page.url()).pathname, `${basePath}reports/badminton/`);
    assert.match(await page.textContent("h1"), /羽毛球比赛/);
  } finally {
    await context.close();
  }
});

test("a query downloads a small part of the index, all from the site", async () => {
  const { context, page, problems, bytes } = await searchPage();
  try {
    await search(page, "学雷锋");
    assert.deepEqual(problems.external, []);
    // 学雷锋 is two pairs, 学雷 and 雷锋: at most two buckets.
    const buckets = bytes.files.filter((f) => f.includes("/t/")).length;
    assert.ok(buckets >= 1 && buckets <= 2, bytes.files.join("\n"));
    const docs = bytes.files.filter((f) => f.includes("/doc/")).length;
    assert.ok(docs >= 1 && docs <= 10, `${docs} page records loaded for one page of results`);
    // engine.js + meta.json + buckets + ten records: far below a page photo.
    assert.ok(bytes.index < 100_000, `${bytes.index} bytes`);
    console.log(`# one query (学雷锋) downloaded ${bytes.index} bytes of search files in ${bytes.files.length} requests`);
  } finally {
    await context.close();
  }
});

test("search page is usable by keyboard and, without JavaScript, offers the browse lists", async () => {
  const { context, page } = await searchPage();
  try {
    // The label names the box; typing and Enter search.
    const label = await page.$eval("#search-q", (i) => i.labels[0].textContent);
    assert.equal(label, "搜索报道和页面");
    await page.focus("#search-q");
    await page.keyboard.type("廉洁");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#search-main[aria-busy=false]");
    assert.ok((await shown(page)).results.length > 0);
  } finally {
    await context.close();
  }

  const noJs = await browser.newContext({ javaScriptEnabled: false, locale: "zh-CN" });
  try {
    const p = await noJs.newPage();
    await p.goto(SEARCH);
    assert.equal(await p.isVisible("#search-app"), false);
    assert.equal(await p.isVisible("#browse-title"), true);
    assert.ok((await p.$$(`.browse a[href^="${basePath}progress/"]`)).length >= 31);
    await p.click(`.browse a[href="${basePath}progress/23/"]`);
    assert.equal(new URL(p.url()).pathname, `${basePath}progress/23/`);
  } finally {
    await noJs.close();
  }
});

test("axe: the search page with results, filters and 无结果 has no serious WCAG 2.1 AA violations", async () => {
  for (const width of [375, 1280]) {
    const { context, page } = await openPage(browser, { width, height: 900 });
    try {
      for (const query of ["?q=" + encodeURIComponent("志愿服务") + "&filter=" + encodeURIComponent("criteria:第 23 条"), "?q=xyzzy", ""]) {
        await page.goto(SEARCH + query);
        await page.waitForSelector("#search-app[data-ready]");
        await page.waitForSelector("#search-main[aria-busy=false]");
        await page.addScriptTag({ path: AXE });
        const violations = await page.evaluate(async () => {
          const r = await window.axe.run(document, {
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
            resultTypes: ["violations"],
          });
          return r.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
        });
        assert.deepEqual(violations, [], `search${query} at ${width}px`);
        // Nothing wider than the screen.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `search${query} overflows by ${overflow}px at ${width}px`);
      }
      await page.goto(SEARCH + "?q=" + encodeURIComponent("学雷锋"));
      await page.waitForSelector("#search-main[aria-busy=false]");
      await page.screenshot({ path: `${SCREENSHOTS}/search-${width}.png`, fullPage: true });
    } finally {
      await context.close();
    }
  }
});
