// 站内搜索：在 wenming 的检索程序（search/index/engine.js，随索引生成，
// 不从外部加载）之上的一层界面。索引按需分块下载，只取与查询有关的部分。
//
// 地址参数：?q=关键词 预填查询；?filter=criteria:第 23 条（可重复，也可写
// kind:/office:/year:）预选筛选，例如考评时一键查看第 23 条的全部佐证材料。
// 没有 JavaScript 时本脚本不运行，页面上的分类浏览列表照常可用。

const PAGE_SIZE = 10;
const GROUPS = [
  { key: "kind", label: "活动类别" },
  { key: "criteria", label: "考评标准" },
  { key: "office", label: "责任处室" },
  { key: "year", label: "年份" },
];

const app = document.getElementById("search-app");
const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const filterBox = document.getElementById("search-filters");
const clear = document.getElementById("search-clear");
const resultsRegion = document.getElementById("search-main");
const loosePanel = document.getElementById("search-loose");
const looseButton = document.getElementById("search-loose-show");

const selected = Object.fromEntries(GROUPS.map((g) => [g.key, new Set()]));
let engine = null;
let results = [];
let shown = 0;
let partial = false;
let terms = [];
const cache = new Map();
let searchSeq = 0;
let timer = null;

function readUrl() {
  const params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  for (const raw of params.getAll("filter")) {
    const at = raw.indexOf(":");
    if (at < 0) continue;
    const key = raw.slice(0, at).trim();
    const value = raw.slice(at + 1).trim();
    if (selected[key] && value) selected[key].add(value);
  }
}

function writeUrl() {
  const params = new URLSearchParams();
  const q = input.value.trim();
  if (q) params.set("q", q);
  for (const g of GROUPS) {
    for (const v of selected[g.key]) params.append("filter", `${g.key}:${v}`);
  }
  const query = params.toString().replace(/\+/g, "%20");
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

function activeFilters() {
  const filters = {};
  for (const g of GROUPS) {
    if (selected[g.key].size) filters[g.key] = { any: [...selected[g.key]] };
  }
  return filters;
}

function hasFilters() {
  return GROUPS.some((g) => selected[g.key].size > 0);
}

// 标准按条号排序，年份从新到旧，其余按篇数多少。
function ordered(key, counts) {
  const entries = Object.entries(counts);
  if (key === "criteria") {
    const num = (v) => parseInt((v.match(/\d+/) || ["0"])[0], 10);
    return entries.sort((a, b) => num(a[0]) - num(b[0]));
  }
  if (key === "year") return entries.sort((a, b) => b[0].localeCompare(a[0]));
  return entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], "zh-CN"));
}

function buildFilters(all) {
  filterBox.textContent = "";
  let n = 0;
  for (const g of GROUPS) {
    const counts = all[g.key] || {};
    // 地址里预选但索引里没有的值也列出来，便于取消。
    for (const v of selected[g.key]) if (!(v in counts)) counts[v] = 0;
    const entries = ordered(g.key, counts);
    if (!entries.length) continue;
    const fieldset = document.createElement("fieldset");
    fieldset.className = `search-filter search-filter-${g.key}`;
    const legend = document.createElement("legend");
    legend.textContent = g.label;
    fieldset.append(legend);
    const ul = document.createElement("ul");
    for (const [value, count] of entries) {
      const id = `sf-${g.key}-${n++}`;
      const li = document.createElement("li");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = id;
      box.name = g.key;
      box.value = value;
      box.checked = selected[g.key].has(value);
      box.addEventListener("change", () => {
        if (box.checked) selected[g.key].add(value);
        else selected[g.key].delete(value);
        run();
      });
      const label = document.createElement("label");
      label.htmlFor = id;
      const name = document.createElement("span");
      name.textContent = value;
      const c = document.createElement("span");
      c.className = "search-count";
      c.dataset.group = g.key;
      c.dataset.value = value;
      c.textContent = `（${count}）`;
      label.append(name, c);
      li.append(box, label);
      ul.append(li);
    }
    fieldset.append(ul);
    filterBox.append(fieldset);
  }
}

function updateCounts(counts) {
  for (const c of filterBox.querySelectorAll(".search-count")) {
    const n = counts?.[c.dataset.group]?.[c.dataset.value] ?? 0;
    c.textContent = `（${n}）`;
  }
  clear.hidden = !hasFilters();
}

// 摘要里只保留检索程序标出的 <mark>，其余一律按文字处理，
// 以免正文里的尖括号被当作 HTML。相邻的命中合成一处标记。
function excerptNodes(excerpt) {
  const out = document.createDocumentFragment();
  let mark = null;
  let last = null; // the <mark> just closed, while no text has followed it
  for (const part of excerpt.replace(/\u200b/g, "").split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>") {
      mark = last || out.appendChild(document.createElement("mark"));
    } else if (part === "</mark>") {
      last = mark;
      mark = null;
    } else if (part) {
      (mark || out).append(document.createTextNode(part));
      if (!mark) last = null;
    }
  }
  return out;
}

// 查询拆成词：用浏览器的 Intl.Segmenter 分词，去掉标点。
// 加引号的查询按整句处理。
function queryTerms(q) {
  const quoted = q.match(/^\s*"(.+)"\s*$/);
  const clean = (t) => t.toLowerCase().replace(/[\p{P}\p{S}\s\u200b]/gu, "");
  if (quoted) return [clean(quoted[1])].filter(Boolean);
  let words;
  if (typeof Intl !== "undefined" && Intl.Segmenter) {
    const seg = new Intl.Segmenter("zh-CN", { granularity: "word" });
    words = [...seg.segment(q)].map((s) => s.segment);
  } else {
    words = q.split(/\s+/);
  }
  return words.map(clean).filter(Boolean);
}

// 索引按相邻两字检索，“学雷”“雷锋”都出现而“学雷锋”没有连在一起的
// 页面也会被找出（少见）。这里逐条核对：页面正文（或标题）里是否确实
// 出现了每个词。
function matchesAll(data) {
  if (!terms.length) return true;
  const text = `${data.meta?.title || ""} ${data.content || ""}`
    .toLowerCase()
    .replace(/[\s\u200b]/g, "");
  return terms.every((t) => text.includes(t));
}

async function load(rs) {
  return Promise.all(
    rs.map(async (r) => {
      if (!cache.has(r.id)) cache.set(r.id, await r.data());
      return cache.get(r.id);
    }),
  );
}

function renderResult(data) {
  const li = document.createElement("li");
  li.className = "search-result";
  const h = document.createElement("h3");
  h.className = "search-result-title";
  const a = document.createElement("a");
  a.href = data.url;
  a.textContent = (data.meta?.title || data.url).replace(/\u200b/g, "");
  h.append(a);
  li.append(h);
  const bits = [];
  if (data.meta?.date) {
    const t = document.createElement("time");
    t.dateTime = data.meta.date;
    t.textContent = data.meta.date;
    bits.push(t);
  }
  if (data.meta?.kind) {
    const k = document.createElement("span");
    k.className = "search-result-kind";
    k.textContent = data.meta.kind;
    bits.push(k);
  }
  if (bits.length) {
    const p = document.createElement("p");
    p.className = "search-result-meta";
    bits.forEach((b, i) => {
      if (i) p.append(" · ");
      p.append(b);
    });
    li.append(p);
  }
  // 只按条件筛选（没有关键词）时，用报道摘要代替命中摘录。
  const summary = !terms.length && data.meta?.summary;
  if (summary || data.excerpt) {
    const p = document.createElement("p");
    p.className = "search-result-excerpt";
    p.append(summary ? document.createTextNode(summary) : excerptNodes(data.excerpt));
    li.append(p);
  }
  if (partial) {
    const note = document.createElement("p");
    note.className = "search-result-partial";
    note.textContent = "只包含部分关键词";
    li.append(note);
  }
  return li;
}

async function showMore(seq) {
  const next = results.slice(shown, shown + PAGE_SIZE);
  const datas = await load(next);
  if (seq !== searchSeq) return;
  for (const d of datas) list.append(renderResult(d));
  shown += next.length;
  more.hidden = shown >= results.length;
}

function describeFilters() {
  const parts = [];
  for (const g of GROUPS) {
    if (selected[g.key].size) parts.push(`${g.label}：${[...selected[g.key]].join("、")}`);
  }
  return parts.join("；");
}

// 检索进行中时结果区标记 aria-busy，读屏软件等结果完整后再读。
let runs = 0;
async function run() {
  const mine = ++runs;
  resultsRegion.setAttribute("aria-busy", "true");
  try {
    await searchNow();
  } finally {
    if (mine === runs) resultsRegion.setAttribute("aria-busy", "false");
  }
}

async function searchNow() {
  writeUrl();
  const seq = ++searchSeq;
  const q = input.value.trim();
  const filters = activeFilters();
  if (!q && !hasFilters()) {
    results = [];
    shown = 0;
    list.textContent = "";
    more.hidden = true;
    status.textContent = "";
    updateCounts(engine.filters());
    return;
  }
  status.textContent = "正在搜索…";
  // 只有筛选没有关键词时，按日期从新到旧列出。
  const search = await engine.search(q, { filters });
  if (seq !== searchSeq || !search) return;
  terms = q ? queryTerms(q) : [];
  let found = search.results;
  // 没有同时含全部关键词的页面时，检索程序给出只含部分关键词（或部分字）的页面。
  let loose = search.loose;
  if (terms.length && found.length) {
    // 放宽是全有或全无的：前几条都不含全部关键词，就是放宽后的结果；
    // 都含有，就都是真正的结果。两者混杂时（少见）逐条核对前 200 条。
    const head = await load(found.slice(0, PAGE_SIZE));
    if (seq !== searchSeq) return;
    const ok = head.map(matchesAll);
    if (!ok.some(Boolean)) {
      loose = found.concat(loose);
      found = [];
    } else if (!ok.every(Boolean)) {
      const checked = found.slice(0, 200);
      const datas = await load(checked);
      if (seq !== searchSeq) return;
      loose = checked.filter((_, i) => !matchesAll(datas[i]));
      found = checked.filter((_, i) => matchesAll(datas[i]));
    }
  }
  results = found;
  shown = 0;
  partial = false;
  list.textContent = "";
  loosePanel.hidden = true;
  updateCounts(found.length || !loose.length ? search.filters : {});
  const what = q ? `“${q}”` : "所选条件";
  const narrowed = hasFilters() ? `（筛选：${describeFilters()}）` : "";
  if (!results.length) {
    status.textContent = `无结果：没有找到${q ? "包含" : "符合"}${what}的内容${narrowed}。可以换个词、减少筛选条件，或使用下方的分类浏览。`;
    more.hidden = true;
    if (loose.length) {
      looseButton.textContent = `显示 ${loose.length} 条只包含部分关键词的结果`;
      looseButton.onclick = () => {
        results = loose;
        partial = true;
        loosePanel.hidden = true;
        status.textContent = `以下 ${loose.length} 条结果只包含“${q}”中的部分关键词${narrowed}。`;
        showMore(seq);
      };
      loosePanel.hidden = false;
    }
    return;
  }
  status.textContent = `找到 ${results.length} 条与${what}相关的结果${narrowed}。`;
  await showMore(seq);
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(run, 250);
}

async function start() {
  readUrl();
  // 手机上筛选收起，结果紧跟在搜索框后；地址里带了筛选条件时展开。
  if (window.matchMedia?.("(max-width: 47.99em)").matches && !hasFilters()) {
    document.getElementById("search-filter-box").open = false;
  }
  app.hidden = false;
  status.textContent = "正在加载搜索…";
  try {
    // 索引里的地址已含站点路径（如 /wmcj/reports/…/），不再另加前缀。
    engine = await import(new URL("index/engine.js", import.meta.url).href);
    await engine.init();
    buildFilters(engine.filters());
  } catch (e) {
    status.textContent = "搜索暂时不可用，请使用下方的分类浏览。";
    console.error(e);
    return;
  }
  status.textContent = "";
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(timer);
    run();
  });
  input.addEventListener("input", schedule);
  more.addEventListener("click", () => showMore(searchSeq));
  clear.addEventListener("click", () => {
    for (const g of GROUPS) selected[g.key].clear();
    for (const box of filterBox.querySelectorAll("input[type=checkbox]")) box.checked = false;
    run();
  });
  app.dataset.ready = "true";
  await run();
}

start();
