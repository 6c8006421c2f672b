// The built column opens in a real browser under its sub-path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, openPage } from "./lib.mjs";

test("home page opens under the base path without errors or external requests", async () => {
  const browser = await launch();
  try {
    const { page, problems } = await openPage(browser);
    const response = await page.goto(BASE);
    assert.equal(response.status(), 200);
    assert.match(await page.title(), /文明创建专题专栏/);
    assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
    await page.click("nav.main-nav >> text=创建进度");
    assert.match(page.url(), /\/wmcj\/progress\/$/);
    assert.deepEqual(problems.consoleErrors, []);
    assert.deepEqual(problems.external, []);
  } finally {
    await browser.close();
  }
});
