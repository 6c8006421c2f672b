// The 工作台 in a real browser, as the office uses it: `wenming serve` on a
// copy of the default site in a temporary folder, its workbench opened with
// the address the program prints. Fields are found by their visible Chinese
// labels, buttons by their names. Also axe on every workbench page, and the
// screenshots docs/工作台.md shows (written to $WENMING_SCREENSHOTS).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { SCREENSHOTS, axe, launch, serious } from "./lib.mjs";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const BIN = process.env.WENMING_BIN ?? path.join(REPO, "target/debug/wenming");

let browser, site, server, log = "", entry, origin, previewBase;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

// The workbench requests the pages made, with their answers, for failure messages.
const traffic = [];

async function until(ok, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await ok();
    if (v) return v;
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}\n--- wenming said:\n${log}\n--- the page asked:\n${traffic.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  site = fs.mkdtempSync(path.join(os.tmpdir(), "wenming-workbench-"));
  for (const part of ["site.yaml", "data", "content", "static"]) {
    fs.cpSync(path.join(REPO, part), path.join(site, part), { recursive: true });
  }
  const port = await freePort();
  server = spawn(BIN, ["serve", "--root", site, "--port", String(port), "--no-search"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  server.stderr.setEncoding("utf8");
  server.stderr.on("data", (d) => (log += d));
  entry = await until(() => /工作台：(http:\S+token=\S+)/.exec(log)?.[1], "the workbench address");
  origin = new URL(entry).origin;
  previewBase = /预览地址：(http:\S+)/.exec(log)[1];
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (site) fs.rmSync(site, { recursive: true, force: true });
});

/** The workbench's own navigation (the overview repeats some of its links). */
const nav = (page) => page.getByRole("navigation", { name: "工作台" });

/** A page logged in with the printed address, failing on script errors. */
async function open(width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: "zh-CN" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("response", async (r) => {
    if (r.status() === 404) traffic.push(`404 ${r.url()}`);
    if (r.request().method() !== "POST") return;
    traffic.push(`${r.status()} ${r.url().replace(origin, "")} ${(await r.text().catch(() => "")).slice(0, 300)}`);
  });
  // The browser logs a refused save (409 conflict, 422 invalid) as an error;
  // those are answers the form shows, not script faults.
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (/status of (409|422)/.test(m.text())) return;
    errors.push(m.text());
  });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:") || url === "about:srcdoc") return route.continue();
    errors.push(`external request: ${url}`);
    return route.abort();
  });
  await page.goto(entry);
  return { context, page, errors };
}

const read = (rel) => fs.readFileSync(path.join(site, rel), "utf8");

async function shot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `workbench-${name}.png`), fullPage: false });
}

/** Two real pictures the browser draws: a PNG and a JPEG. */
async function pictures(page) {
  const urls = await page.evaluate(() => {
    function draw(type, hue) {
      const c = document.createElement("canvas");
      c.width = 640;
      c.height = 480;
      const g = c.getContext("2d");
      g.fillStyle = `hsl(${hue},60%,55%)`;
      g.fillRect(0, 0, 640, 480);
      g.fillStyle = "#fff";
      g.fillRect(80, 80, 200, 120);
      return c.toDataURL(type, 0.9);
    }
    return [draw("image/png", 200), draw("image/jpeg", 30)];
  });
  const buffer = (u) => Buffer.from(u.split(",")[1], "base64");
  return [
    { name: "现场一.png", mimeType: "image/png", buffer: buffer(urls[0]) },
    { name: "现场二.jpg", mimeType: "image/jpeg", buffer: buffer(urls[1]) },
  ];
}

test("a new report with two photos and a criterion: saved, previewed, built", async () => {
  const { context, page, errors } = await open();
  try {
    await nav(page).getByRole("link", { name: "新建报道", exact: true }).click();
    await page.getByLabel("标题").fill("浏览器测试：社区清扫志愿服务");
    await page.getByLabel("日期").fill("2022-10-15");
    await page.getByLabel("活动类别").selectOption({ label: "志愿服务" });
    await page.getByLabel("查找考评标准").fill("16");
    await page.getByLabel(/第 16 条（整条）/).check();
    await assert.doesNotReject(page.getByText("已选：16").waitFor());
    await page.getByLabel("参加人数").fill("23");
    await page.getByLabel("地点").fill("滨江社区");
    await page.getByRole("textbox", { name: "正文", exact: true }).fill("10月15日，机关党委组织青年志愿者到滨江社区开展清扫活动。\n\n## 活动情况\n\n- 清理垃圾\n- 宣传垃圾分类");
    // The preview under the form renders the body as the column does.
    const preview = page.frameLocator('iframe[title="正文预览"]');
    await preview.locator("h2", { hasText: "活动情况" }).waitFor();
    await page.getByRole("button", { name: "保存", exact: true }).click();
    await page.getByText("已保存", { exact: true }).first().waitFor();
    await until(() => page.url().includes("report?path="), "the saved report's address");
    const saved = decodeURIComponent(new URL(page.url()).searchParams.get("path"));
    assert.match(saved, /^content\/reports\/2022-10-15-.+\.md$/);

    await page.getByLabel("选择照片").setInputFiles(await pictures(page));
    const bundle = await until(() => {
      const dir = path.join(site, saved.replace(/\.md$/, ""));
      const index = path.join(dir, "index.md");
      return fs.existsSync(index) && (fs.readFileSync(index, "utf8").match(/^!\[/gm) || []).length === 2 && dir;
    }, "the bundle with two photo lines");
    const text = fs.readFileSync(path.join(bundle, "index.md"), "utf8");
    assert.match(text, /^criteria: \[16\]$/m);
    assert.match(text, /^participants: 23$/m);
    assert.ok(!fs.existsSync(path.join(site, saved)), "the single file became the bundle");
    const photos = [...text.matchAll(/^!\[([^\]]*)\]\(([^)]+)\)$/gm)].map((m) => m[2]);
    assert.equal(photos.length, 2);
    for (const p of photos) assert.ok(fs.existsSync(path.join(bundle, p)), p);
    assert.equal(await page.locator("#photo-list li").count(), 2);
    // Thumbnails and the preview's pictures come from the report's folder.
    await until(() => page.locator("#photo-list img").evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth === 640)), "thumbnails");
    await until(() => preview.locator("img").evaluateAll((imgs) => imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0)), "pictures in the preview");
    await shot(page, "report");

    // The preview site has it, with both photos and their captions.
    const slug = path.basename(bundle).replace(/^\d{4}-\d\d-\d\d-/, "");
    const pagePath = `reports/${slug}/`;
    const reportPage = await context.newPage();
    await until(async () => {
      const r = await reportPage.goto(previewBase + pagePath);
      return r.ok();
    }, "the report in the preview");
    await reportPage.getByRole("heading", { level: 1, name: "浏览器测试：社区清扫志愿服务" }).waitFor();
    const alts = await reportPage.locator("main img").evaluateAll((imgs) => imgs.map((i) => i.alt));
    assert.ok(alts.filter((a) => a.includes("照片")).length >= 2, JSON.stringify(alts));

    // 生成与发布 builds the site folder with it.
    await nav(page).getByRole("link", { name: "生成与发布", exact: true }).click();
    await page.getByRole("button", { name: "生成网站" }).click();
    await page.locator("#build-result p.ok").waitFor({ timeout: 60000 });
    const built = fs.readFileSync(path.join(site, "public", pagePath, "index.html"), "utf8");
    assert.ok(built.includes("浏览器测试：社区清扫志愿服务"));
    assert.equal((built.match(/<img [^>]*alt="浏览器测试：社区清扫志愿服务（照片/g) || []).length, 2, "both photos in the built page");
    await shot(page, "build");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("a score above the item's points is refused in the page and the file is unchanged; 恢复 restores", async () => {
  const { context, page, errors } = await open();
  try {
    const before = read("data/ledger.yaml");
    await nav(page).getByRole("link", { name: "台账", exact: true }).click();
    const row = page.locator('form[data-key="3.1"]');
    const score = row.getByLabel("自评分");
    const points = Number(await row.getAttribute("data-points"));
    const current = Number(await score.inputValue());
    await score.fill(String(points + 1));
    await row.getByRole("button", { name: /^保存/ }).click();
    await row.getByText(/自评分应在 0 到 .* 分之间.*没有保存/).waitFor();
    assert.equal(await score.getAttribute("aria-invalid"), "true");
    assert.equal(read("data/ledger.yaml"), before, "refused: the file is as it was");

    // A value other than the one in the file, so the save changes a line.
    const next = current === points - 0.5 ? points - 1 : points - 0.5;
    await score.fill(String(next));
    await row.getByRole("button", { name: /^保存/ }).click();
    await row.getByText("已保存").waitFor();
    const after = read("data/ledger.yaml");
    const changed = before.split("\n").filter((l, i) => l !== after.split("\n")[i]);
    assert.equal(changed.length, 1, `one line changed: ${current} -> ${next}\n${after.split("\n").find((l) => l.startsWith('"3.1"'))}`);
    assert.match(after, new RegExp(`"3\\.1":.*score: ${next},`));

    await nav(page).getByRole("link", { name: "备份与恢复", exact: true }).click();
    await shot(page, "backups");
    await page.getByRole("button", { name: /^恢复\s*：data\/ledger\.yaml/ }).first().click();
    await page.getByText(/已恢复 data\/ledger\.yaml/).waitFor();
    assert.equal(read("data/ledger.yaml"), before);

    // A scanned plan for the same item: stored, listed in the row, in the file.
    await nav(page).getByRole("link", { name: "台账", exact: true }).click();
    await row.getByLabel(/上传扫描件\s*：计分项 3\.1/).setInputFiles({
      name: "研判会 方案.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.4\n% scanned\n"),
    });
    await row.locator(".scan-list li", { hasText: "研判会-方案.pdf" }).waitFor();
    assert.ok(fs.existsSync(path.join(site, "static/ledger/研判会-方案.pdf")));
    assert.match(read("data/ledger.yaml"), /^"3\.1":.*files: \[static\/ledger\/研判会-方案\.pdf\]/m);
    await row.scrollIntoViewIfNeeded();
    await shot(page, "ledger");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("导入 Word: a .docx chosen on the report list opens as a report with its photos", async () => {
  const { context, page, errors } = await open();
  try {
    await nav(page).getByRole("link", { name: "报道", exact: true }).click();
    await page.getByLabel("导入的报道的活动类别").selectOption({ label: "志愿服务" });
    await page.getByLabel("导入 Word 文档").setInputFiles(path.join(REPO, "tests/fixtures/docx/python-docx.docx"));
    await until(() => page.url().includes("report?path="), "the imported report's form");
    assert.equal(await page.getByLabel("标题").inputValue(), "委机关开展文明交通劝导志愿服务");
    assert.equal(await page.getByLabel("活动类别").inputValue(), "volunteer");
    await until(() => page.locator("#photo-list img").evaluateAll((imgs) => imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0)), "the document's two pictures");
    assert.deepEqual(errors, [], traffic.filter((t) => t.startsWith("404")).join("\n"));
  } finally {
    await context.close();
  }
});

test("a save after a hand edit of the file shows the conflict message and keeps the hand edit", async () => {
  const { context, page, errors } = await open();
  try {
    await nav(page).getByRole("link", { name: "报道", exact: true }).click();
    await page.getByRole("link", { name: /中心组/ }).first().click();
    const rel = decodeURIComponent(new URL(page.url()).searchParams.get("path"));
    const handEdited = read(rel) + "\n（在记事本里补充的一句话）\n";
    fs.writeFileSync(path.join(site, rel), handEdited);
    await page.getByLabel("标题").fill("在浏览器里改的标题");
    await page.getByRole("button", { name: "保存", exact: true }).click();
    await page.locator("#msg-").getByText(/被修改过/).waitFor();
    await page.getByRole("button", { name: "重新载入" }).waitFor();
    assert.equal(read(rel), handEdited, "the hand edit is kept");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

for (const width of [375, 1280]) {
  test(`axe: no serious violation on any workbench page at ${width}px`, async () => {
    const { context, page } = await open(width);
    try {
      const pages = ["", "reports", "report", "report?path=content/reports/2022-09-08-zhongxinzu-study.md", "ledger", "build", "backups"];
      for (const p of pages) {
        await page.goto(`${origin}/__wenming/${p}`);
        await page.locator("h1").waitFor();
        assert.deepEqual(serious(await axe(page)), [], `/__wenming/${p} at ${width}px`);
      }
      if (width === 1280) {
        await page.goto(`${origin}/__wenming/`);
        await shot(page, "overview");
        await page.goto(`${origin}/__wenming/reports`);
        await shot(page, "reports");
      }
    } finally {
      await context.close();
    }
  });
}
