// The default theme in a real browser: every kind of page at a phone width
// and a desktop width, the inline SVG charts, navigation, print styles and
// screenshots for a person to look at.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BASE, PAGES, SCREENSHOTS, WIDTHS, launch, openPage } from "./lib.mjs";

let browser;
before(async () => {
  browser = await launch();
  mkdirSync(SCREENSHOTS, { recursive: true });
  console.log(`screenshots: ${SCREENSHOTS}`);
});
after(async () => {
  await browser?.close();
});

/** Load lazy images so screenshots show them. */
async function loadImages(page) {
  await page.evaluate(async () => {
    const imgs = [...document.images];
    for (const img of imgs) img.loading = "eager";
    await Promise.all(
      imgs.map((img) =>
        img.complete ? null : new Promise((r) => { img.onload = img.onerror = r; setTimeout(r, 3000); }),
      ),
    );
  });
}

for (const width of WIDTHS) {
  test(`every kind of page at ${width}px: loads cleanly, no overflow, nothing external`, async () => {
    const { context, page, problems } = await openPage(browser, { width, height: 900 });
    try {
      for (const [name, path] of PAGES) {
        const response = await page.goto(BASE + path);
        assert.equal(response.status(), 200, `${name}: HTTP status`);
        const facts = await page.evaluate(() => {
          const de = document.documentElement;
          const wide = [...document.querySelectorAll("body *")]
            .filter((el) => {
              const r = el.getBoundingClientRect();
              if (r.width === 0 || r.right <= de.clientWidth + 1) return false;
              // Inside a box that scrolls (tables) is fine.
              for (let p = el.parentElement; p; p = p.parentElement) {
                const ox = getComputedStyle(p).overflowX;
                if (ox === "auto" || ox === "scroll" || ox === "hidden") return false;
              }
              return true;
            })
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
          return {
            scrollWidth: de.scrollWidth,
            clientWidth: de.clientWidth,
            wide,
            lang: de.lang,
            h1: document.querySelectorAll("h1").length,
            main: document.querySelectorAll("main#main").length,
            inlineScripts: document.querySelectorAll("script:not([src])").length,
            handlers: document.querySelectorAll("[onclick],[onload],[onerror],[onchange]").length,
            imgsWithoutAlt: [...document.images].filter((i) => !i.hasAttribute("alt")).map((i) => i.src),
            stylesheets: [...document.querySelectorAll("link[rel=stylesheet]")].map((l) => l.href),
            bodyFont: getComputedStyle(document.body).fontFamily,
          };
        });
        assert.ok(
          facts.scrollWidth <= facts.clientWidth,
          `${name} at ${width}px scrolls sideways (${facts.scrollWidth} > ${facts.clientWidth}): ${facts.wide.join(", ")}`,
        );
        assert.deepEqual(facts.wide, [], `${name} at ${width}px: elements stick out`);
        assert.equal(facts.lang, "zh-CN", `${name}: lang`);
        assert.equal(facts.h1, 1, `${name}: exactly one h1`);
        assert.equal(facts.main, 1, `${name}: one main#main`);
        assert.equal(facts.inlineScripts, 0, `${name}: no inline scripts`);
        assert.equal(facts.handlers, 0, `${name}: no inline event handlers`);
        assert.deepEqual(facts.imgsWithoutAlt, [], `${name}: every img has alt`);
        for (const href of facts.stylesheets) assert.ok(href.startsWith(BASE), `${name}: stylesheet ${href}`);
        assert.match(facts.bodyFont, /Microsoft YaHei|PingFang SC|Noto Sans CJK SC/, "system Chinese fonts");
        assert.deepEqual(problems.consoleErrors, [], `${name} at ${width}px: console errors`);
        assert.deepEqual(problems.external, [], `${name} at ${width}px: external requests`);
      }
    } finally {
      await context.close();
    }
  });
}

test("narrow phones (360px, and 320px for WCAG reflow): no sideways scrolling", async () => {
  for (const width of [360, 320]) {
    const { context, page } = await openPage(browser, { width, height: 800 });
    try {
      for (const [name, path] of PAGES) {
        await page.goto(BASE + path);
        const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        assert.ok(sw <= cw, `${name} at ${width}px: ${sw} > ${cw}`);
      }
    } finally {
      await context.close();
    }
  }
});

test("banner, navigation and footer carry the portal's required parts", async () => {
  const { context, page } = await openPage(browser, { width: 1280 });
  try {
    await page.goto(BASE);
    const banner = await page.textContent("header.site-header .banner");
    assert.match(banner, /湖南省国资委/);
    assert.match(banner, /文明创建专题专栏/);
    const nav = await page.$$eval("nav.main-nav a", (as) => as.map((a) => a.textContent.trim()));
    for (const item of [
      "首页", "创建进度", "志愿服务", "读书活动", "廉洁教育", "理论学习", "文体活动", "创建动态",
      "测评材料", '湖南省国资委创建"省文明单位"实施方案', "创建工作领导小组", "社会主义核心价值观", "搜索",
    ]) {
      assert.ok(nav.includes(item), `nav has ${item}: ${nav}`);
    }
    assert.equal(await page.getAttribute('nav.main-nav a[aria-current="page"]', "href"), new URL(BASE).pathname);
    const footer = await page.textContent("footer.site-footer");
    for (const part of ["主办单位：湖南省人民政府国有资产监督管理委员会", "网站标识码：4300000000", "湘ICP备", "湘公网安备"]) {
      assert.ok(footer.includes(part), `footer has ${part}`);
    }
    for (const meta of ["SiteName", "SiteDomain", "SiteIDCode", "ColumnName"]) {
      assert.ok(await page.$(`meta[name=${meta}]`), `meta ${meta}`);
    }
    // A long page title in the nav wraps inside the bar instead of widening it.
    const long = await page.$eval("nav.main-nav .nav-long a", (a) => a.getBoundingClientRect().width);
    assert.ok(long < 320, `long nav title is ${long}px wide`);
    // The current page is marked in the nav on inner pages too.
    await page.goto(BASE + "kinds/reading/");
    assert.equal(await page.textContent('nav.main-nav a[aria-current="page"]'), "读书活动");
    await page.goto(BASE + "progress/16/");
    assert.equal(await page.textContent('nav.main-nav a[aria-current="page"]'), "创建进度");
  } finally {
    await context.close();
  }
});

/** What every chart must have: role=img, a name and a description that resolve. */
async function charts(page) {
  return page.$$eval("svg.chart-svg", (svgs) =>
    svgs.map((svg) => {
      const ids = (svg.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
      return {
        role: svg.getAttribute("role"),
        name: ids.map((id) => document.getElementById(id)?.textContent.trim() ?? "").join(" "),
        hasTitle: !!svg.querySelector("title"),
        hasDesc: !!svg.querySelector("desc"),
        width: svg.getBoundingClientRect().width,
        caption: svg.closest("figure")?.querySelector("figcaption")?.textContent.trim() ?? "",
      };
    }),
  );
}

test("charts are inline SVG with text equivalents and the right numbers", async () => {
  const { context, page, problems } = await openPage(browser, { width: 1280 });
  try {
    await page.goto(BASE);
    let found = await charts(page);
    assert.ok(found.length >= 4, `home has category, status, monthly and checks charts: ${found.length}`);
    for (const c of found) {
      assert.equal(c.role, "img");
      assert.ok(c.hasTitle && c.hasDesc, "title and desc");
      assert.ok(c.name.length > 10, `accessible name: ${c.name}`);
      assert.ok(c.caption.length > 0, "visible caption");
      assert.ok(c.width > 200, "drawn at a readable width");
    }
    // Nine categories, each a score bar no longer than its points bar.
    const rows = await page.$$eval("figure.chart-categories g.chart-row", (gs) =>
      gs.map((g) => ({
        track: g.querySelector(".chart-track").getBBox().width,
        fill: g.querySelector(".chart-fill").getBBox().width,
        value: g.querySelector(".chart-value").textContent,
      })),
    );
    assert.equal(rows.length, 9);
    for (const r of rows) assert.ok(r.fill <= r.track + 0.5, `score within points: ${JSON.stringify(r)}`);
    assert.equal(rows[0].value, "11.5/12");
    const desc = await page.textContent("figure.chart-categories desc");
    assert.match(desc, /习近平新时代中国特色社会主义思想学习宣传教育：分值 12 分，自评 11\.5 分/);
    // Stacked bar: done + doing + todo fill the whole width.
    const segs = await page.$$eval("figure.chart-status rect[class^=seg-]", (rs) => rs.map((r) => r.getBBox().width));
    const barWidth = await page.$eval("figure.chart-status svg", (s) => s.getBoundingClientRect().width);
    assert.ok(Math.abs(segs.reduce((a, b) => a + b, 0) - barWidth) < 2, `segments ${segs} fill ${barWidth}`);
    assert.match(await page.textContent("figure.chart-status desc"), /已完成 30 项，推进中 13 项，未启动 7 项/);
    // Monthly activity over the campaign: Aug–Nov 2022 with the report counts.
    const months = await page.textContent("figure.chart-activity desc");
    assert.match(months, /2022年9月 5 篇/);
    assert.match(months, /2022年11月 6 篇/);
    // Criterion 16's checks: a bar per check, its threshold marker, the verdict.
    await page.goto(BASE + "progress/16/");
    found = await charts(page);
    assert.equal(found.length, 1);
    const checks = await page.$$eval("figure.chart-checks g.chart-row", (gs) =>
      gs.map((g) => {
        const track = g.querySelector(".chart-track").getBBox();
        const bar = g.querySelector(".chart-pass, .chart-fail");
        const line = g.querySelector(".chart-threshold").getBBox();
        return {
          ratio: bar.getBBox().width / track.width,
          threshold: (line.x + line.width / 2) / track.width,
          passed: bar.classList.contains("chart-pass"),
          verdict: g.querySelector(".chart-verdict").textContent,
        };
      }),
    );
    assert.equal(checks.length, 3);
    const want = [[86 / 120, 0.5, true], [72 / 85, 0.8, true], [70 / 86, 0.85, false]];
    checks.forEach((c, i) => {
      const [ratio, threshold, passed] = want[i];
      assert.ok(Math.abs(c.ratio - ratio) < 0.01, `check ${i} bar ${c.ratio} vs ${ratio}`);
      assert.ok(Math.abs(c.threshold - threshold) < 0.01, `check ${i} marker ${c.threshold} vs ${threshold}`);
      assert.equal(c.passed, passed);
      assert.match(c.verdict, passed ? /达标/ : /未达标/);
    });
    // The same numbers as a table right below.
    const table = await page.$$eval("table.checks tbody tr", (trs) => trs.map((tr) => tr.textContent.replace(/\s+/g, " ").trim()));
    assert.equal(table.length, 3);
    assert.match(table[2], /81\.4%.*≥ 85%.*未达标/);
    // Progress overview: category chart and stacked bar.
    await page.goto(BASE + "progress/");
    found = await charts(page);
    assert.ok(found.length >= 2);
    assert.deepEqual(problems.consoleErrors, []);
    assert.deepEqual(problems.external, []);
  } finally {
    await context.close();
  }
});

test("a criterion page has what an assessor scores from", async () => {
  const { context, page } = await openPage(browser, { width: 1280 });
  try {
    await page.goto(BASE + "progress/16/");
    const text = (await page.textContent("main")).replace(/\s+/g, " ");
    for (const part of [
      "第 16 条考评标准", "建立学雷锋志愿服务队伍", "分值", "自评分", "责任处室：", "机关党委",
      "计分项与工作台账", "16.1", "2022-12-15", "量化指标", "佐证报道（4 篇）", "共开展活动 4 场",
    ]) {
      assert.ok(text.includes(part), `criterion page shows ${part}`);
    }
    // Ledger files and evidence cards with date, kind, summary and a cover photo.
    assert.ok(await page.$("table.items .files a"), "ledger files listed");
    const cards = await page.$$eval("section.evidence article.card", (as) =>
      as.map((a) => ({
        date: a.querySelector("time")?.getAttribute("datetime"),
        kind: a.querySelector(".kind-link")?.textContent,
        summary: a.querySelector(".summary")?.textContent.trim(),
        cover: a.querySelector(".card-cover img")?.getAttribute("src") ?? null,
      })),
    );
    assert.equal(cards.length, 4);
    for (const c of cards) {
      assert.match(c.date, /^2022-\d\d-\d\d$/);
      assert.ok(c.kind && c.summary, JSON.stringify(c));
    }
    assert.ok(cards.some((c) => c.cover), "at least one cover photo");
    // Neighbours.
    assert.ok(await page.$('nav.prev-next a[rel="prev"]'));
    assert.ok(await page.$('nav.prev-next a[rel="next"]'));
  } finally {
    await context.close();
  }
});

test("tables scroll inside their box on a phone", async () => {
  const { context, page } = await openPage(browser, { width: 375 });
  try {
    for (const path of ["progress/", "progress/16/", "dossier/", ""]) {
      await page.goto(BASE + path);
      const wraps = await page.$$eval(".table-wrap", (ws) =>
        ws.map((w) => ({
          overflowX: getComputedStyle(w).overflowX,
          scrolls: w.scrollWidth > w.clientWidth,
          inside: w.getBoundingClientRect().right <= document.documentElement.clientWidth + 1,
          focusable: w.tabIndex === 0,
        })),
      );
      assert.ok(wraps.some((w) => w.scrolls), `${path}: some table is wider than the phone`);
      for (const w of wraps) {
        assert.equal(w.overflowX, "auto");
        assert.ok(w.inside, `${path}: table box stays inside the page`);
        if (w.scrolls) assert.ok(w.focusable, `${path}: a scrolling table box is keyboard-focusable`);
      }
    }
  } finally {
    await context.close();
  }
});

test("print: no navigation, one criterion per page, URLs after links, page numbers", async () => {
  const { context, page } = await openPage(browser, { width: 1280 });
  try {
    await page.goto(BASE + "dossier/");
    await page.emulateMedia({ media: "print" });
    const dossier = await page.evaluate(() => {
      const shown = (sel) => [...document.querySelectorAll(sel)].some((e) => getComputedStyle(e).display !== "none");
      const crit = [...document.querySelectorAll(".dossier-criterion")];
      const link = document.querySelector(".dossier-evidence a[data-print-url]");
      return {
        nav: shown(".main-nav") || shown(".topbar") || shown(".footer-links") || shown(".print-button"),
        breaks: crit.map((c) => getComputedStyle(c).breakBefore),
        first: crit.map((c) => c.previousElementSibling?.tagName),
        after: getComputedStyle(link, "::after").content,
        criteria: crit.length,
      };
    });
    assert.equal(dossier.nav, false, "navigation hidden in print");
    assert.equal(dossier.criteria, 31);
    dossier.breaks.forEach((b, i) => {
      // The first criterion of a category follows its category heading on a new page.
      const expected = dossier.first[i] === "H2" ? "auto" : "page";
      assert.equal(b, expected, `criterion ${i + 1} break-before`);
    });
    assert.match(dossier.after, /https:\/\/example\.gov\.cn\/wmcj\/reports\//);
    const pdf = await page.pdf({ format: "A4", preferCSSPageSize: true, printBackground: true });
    writeFileSync(join(SCREENSHOTS, "dossier.pdf"), pdf);
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
    assert.ok(pages >= 33, `dossier prints as cover + a page per criterion: ${pages} pages`);

    await page.goto(BASE + "progress/16/");
    await page.emulateMedia({ media: "print" });
    const crit = await page.evaluate(() => ({
      nav: getComputedStyle(document.querySelector(".main-nav")).display,
      url: getComputedStyle(document.querySelector(".print-url")).display,
      after: getComputedStyle(document.querySelector(".evidence .card-title a"), "::after").content,
    }));
    assert.equal(crit.nav, "none");
    assert.equal(crit.url, "block");
    assert.match(crit.after, /https:\/\/example\.gov\.cn\/wmcj\/reports\//);
    writeFileSync(join(SCREENSHOTS, "criterion-16.pdf"), await page.pdf({ format: "A4", preferCSSPageSize: true }));
  } finally {
    await context.close();
  }
});

test("screenshots of home, progress, a criterion, a report and the printed dossier", async () => {
  const shots = [
    ["home", "", "screen"],
    ["progress", "progress/", "screen"],
    ["criterion-16", "progress/16/", "screen"],
    ["report", "reports/community-service/", "screen"],
    ["dossier-print", "dossier/", "print"],
  ];
  for (const width of WIDTHS) {
    const { context, page } = await openPage(browser, { width, height: 900 });
    try {
      for (const [name, path, media] of shots) {
        await page.emulateMedia({ media });
        await page.goto(BASE + path);
        await loadImages(page);
        const file = join(SCREENSHOTS, `${name}-${width}.png`);
        await page.screenshot({ path: file, fullPage: true });
      }
    } finally {
      await context.close();
    }
  }
  console.log(`wrote ${shots.length * WIDTHS.length} screenshots and 2 PDFs to ${SCREENSHOTS}`);
});
