// Accessibility of the default theme (WCAG 2.1 AA / GB/T 37668-2019):
// axe-core on every kind of page at both widths (and in elder mode), heading
// order, landmarks, the skip link, visible focus, and keyboard use of the
// navigation and the elder-friendly switch.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, PAGES, WIDTHS, axe, launch, openPage, serious } from "./lib.mjs";


let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

for (const width of WIDTHS) {
  test(`axe: no serious or critical WCAG 2.1 AA violations at ${width}px`, async () => {
    const { context, page } = await openPage(browser, { width, height: 900 });
    const minor = [];
    try {
      for (const [name, path] of PAGES) {
        await page.goto(BASE + path);
        const v = await axe(page);
        assert.deepEqual(serious(v), [], `${name} at ${width}px`);
        for (const x of v) minor.push(`${name}: ${x.id} (${x.impact})`);
      }
    } finally {
      await context.close();
    }
    if (minor.length) console.log(`minor/moderate axe findings at ${width}px:\n  ${minor.join("\n  ")}`);
  });
}

test("axe: elder mode keeps contrast and structure", async () => {
  const { context, page } = await openPage(browser, { width: 375, height: 900 });
  try {
    await page.goto(BASE);
    await page.evaluate(() => localStorage.setItem("wenming-elder", "1"));
    for (const [name, path] of PAGES.filter(([n]) => ["home", "progress", "criterion", "report", "dossier"].includes(n))) {
      await page.goto(BASE + path);
      assert.ok(await page.evaluate(() => document.documentElement.classList.contains("elder")), name);
      assert.deepEqual(serious(await axe(page)), [], `${name} in elder mode`);
    }
  } finally {
    await context.close();
  }
});

test("every page: landmarks, skip link first, headings in order without skipped levels", async () => {
  const { context, page } = await openPage(browser, { width: 1280 });
  try {
    for (const [name, path] of PAGES) {
      await page.goto(BASE + path);
      const facts = await page.evaluate(() => {
        const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => Number(h.tagName[1]));
        const skips = [];
        levels.forEach((l, i) => {
          if (i > 0 && l > levels[i - 1] + 1) skips.push(`h${levels[i - 1]}→h${l}`);
        });
        return {
          first: levels[0],
          skips,
          banner: document.querySelectorAll("body > header").length,
          nav: !!document.querySelector('nav[aria-label="主导航"]'),
          main: document.querySelectorAll("main").length,
          footer: document.querySelectorAll("body > footer").length,
          firstLink: document.querySelector("body a")?.getAttribute("href"),
          title: document.title,
        };
      });
      assert.equal(facts.first, 1, `${name}: starts with h1`);
      assert.deepEqual(facts.skips, [], `${name}: skipped heading levels`);
      assert.equal(facts.banner, 1, `${name}: banner`);
      assert.ok(facts.nav, `${name}: main navigation`);
      assert.equal(facts.main, 1, `${name}: main`);
      assert.equal(facts.footer, 1, `${name}: contentinfo`);
      assert.equal(facts.firstLink, "#main", `${name}: skip link first`);
      assert.match(facts.title, /文明创建专题专栏/, `${name}: title`);
    }
  } finally {
    await context.close();
  }
});

test("keyboard: skip link, visible focus, navigation by Tab and Enter", async () => {
  const { context, page, problems } = await openPage(browser, { width: 1280 });
  try {
    await page.goto(BASE);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "跳到正文");
    const skip = await page.evaluate(() => document.activeElement.getBoundingClientRect().top);
    assert.ok(skip >= 0, "skip link becomes visible when focused");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement.id), "main");

    // Tab through the header: every stop shows a focus indicator.
    await page.goto(BASE);
    let reached = null;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press("Tab");
      const f = await page.evaluate(() => {
        const el = document.activeElement;
        const s = getComputedStyle(el);
        return {
          text: el.textContent.trim(),
          visible: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none",
          href: el.getAttribute("href"),
        };
      });
      assert.ok(f.visible, `focus is visible on “${f.text}”`);
      if (f.text === "创建进度" && f.href?.endsWith("/progress/")) reached = f;
    }
    assert.ok(reached, "Tab reaches the 创建进度 navigation item");
    await Promise.all([page.waitForURL(/\/wmcj\/progress\/$/), page.keyboard.press("Enter")]);
    assert.equal(await page.textContent("h1"), "创建进度总览");

    // A table box that scrolls can be focused and scrolled with the arrow keys.
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(BASE + "progress/16/");
    const wrap = page.locator("table.items").locator("xpath=..");
    await wrap.focus();
    const before = await wrap.evaluate((w) => w.scrollLeft);
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await page.waitForTimeout(200);
    assert.ok((await wrap.evaluate((w) => w.scrollLeft)) > before, "arrow keys scroll the table");
    assert.deepEqual(problems.consoleErrors, []);
  } finally {
    await context.close();
  }
});

test("elder-friendly switch: a real button, works by keyboard, remembered, no flash", async () => {
  const { context, page, problems } = await openPage(browser, { width: 375, height: 800 });
  try {
    await page.goto(BASE + "progress/");
    const baseSize = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    // Tab to the switch (it is in the header, right after the skip link).
    let onSwitch = false;
    for (let i = 0; i < 5 && !onSwitch; i++) {
      await page.keyboard.press("Tab");
      onSwitch = await page.evaluate(() => document.activeElement.matches("button.elder-toggle"));
    }
    assert.ok(onSwitch, "Tab reaches the elder switch");
    const btn = await page.evaluate(() => {
      const b = document.activeElement;
      return { tag: b.tagName, type: b.type, pressed: b.getAttribute("aria-pressed"), name: b.textContent.trim() };
    });
    assert.deepEqual(btn, { tag: "BUTTON", type: "button", pressed: "false", name: "长者模式" });

    await page.keyboard.press("Enter");
    let state = await page.evaluate(() => ({
      elder: document.documentElement.classList.contains("elder"),
      pressed: document.querySelector(".elder-toggle").getAttribute("aria-pressed"),
      size: parseFloat(getComputedStyle(document.documentElement).fontSize),
      stored: localStorage.getItem("wenming-elder"),
    }));
    assert.equal(state.elder, true, "Enter switches elder mode on");
    assert.equal(state.pressed, "true");
    assert.ok(state.size >= baseSize * 1.2, `larger text: ${state.size} vs ${baseSize}`);
    assert.equal(state.stored, "1");
    // Still no sideways scrolling with the larger text.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth));

    await page.keyboard.press("Space");
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains("elder")), false, "Space switches it off");
    await page.keyboard.press("Space");
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains("elder")), true, "and on again");

    // Remembered across pages and reloads, applied before the first paint.
    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains("elder")), true, "kept after reload");
    assert.equal(await page.getAttribute(".elder-toggle", "aria-pressed"), "true");
    await page.goto(BASE + "reports/");
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains("elder")), true, "kept on another page");
    // The class is set by the synchronous head script, before <body> exists.
    const html = await (await page.request.get(BASE + "reports/")).text();
    const head = html.slice(0, html.indexOf("<body"));
    assert.match(head, /<script src="\/wmcj\/elder\.js"><\/script>/);

    await page.click(".elder-toggle");
    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains("elder")), false, "off is remembered too");
    assert.deepEqual(problems.consoleErrors, []);
    assert.deepEqual(problems.external, []);
  } finally {
    await context.close();
  }
});

test("without JavaScript the pages still work and the switch is not shown", async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 800 }, javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(BASE);
    assert.equal(await page.$eval(".elder-toggle", (b) => getComputedStyle(b).display), "none");
    assert.ok((await page.$$("svg.chart-svg")).length >= 3, "charts need no script");
  } finally {
    await context.close();
  }
});
