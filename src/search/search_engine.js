// wenming 站内搜索的检索程序：读取 wenming 生成的索引（格式见 src/search.rs）。
// 随索引一起写在 search/index/engine.js，由搜索页的脚本载入；不访问外部网站。
//
// The browser side of the index written by src/search.rs, which documents
// the format. Tokenising here must match the Rust side exactly: the same
// character classes, folding and cut of long words.

const VERSION = 1;
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u{20000}-\u{2ffff}]/u;
const WORD = /[\p{Alphabetic}\p{N}]/u;
const TERM_BYTES = 8;
const EXCERPT_BEFORE = 30;
const EXCERPT_LENGTH = 100;

const here = new URL("./", import.meta.url);
const encoder = new TextEncoder();
let meta = null;
let filterSets = {};
const buckets = new Map();
const docs = new Map();

function file(path) {
  return new URL(`${path}?v=${meta.stamp}`, here);
}

async function json(url, init) {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`搜索索引文件缺失：${url.pathname}（${r.status}）`);
  return r.json();
}

function ids(gaps) {
  const out = [];
  let id = 0;
  for (const g of gaps) out.push((id += g));
  return out;
}

export async function init() {
  if (meta) return;
  const m = await json(new URL("meta.json", here), { cache: "no-cache" });
  if (m.version !== VERSION) throw new Error(`搜索索引版本 ${m.version} 与检索程序（${VERSION}）不符`);
  filterSets = {};
  for (const [key, values] of Object.entries(m.filters)) {
    filterSets[key] = {};
    for (const [value, gaps] of Object.entries(values)) filterSets[key][value] = new Set(ids(gaps));
  }
  meta = m;
}

/** Every filter value with the number of pages carrying it. */
export function filters() {
  return counts(null);
}

function counts(within) {
  const out = {};
  for (const [key, values] of Object.entries(filterSets)) {
    out[key] = {};
    for (const [value, set] of Object.entries(values)) {
      let n = 0;
      if (!within) n = set.size;
      else for (const id of within) if (set.has(id)) n++;
      out[key][value] = n;
    }
  }
  return out;
}

function fold(s) {
  return s.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).toLowerCase();
}

/** The runs of a query: Chinese characters, or letters and digits. */
function parts(query) {
  const out = [];
  let run = "";
  let kind = null;
  const end = () => {
    if (run) out.push({ kind, text: run });
    run = "";
    kind = null;
  };
  for (const ch of fold(query)) {
    const k = CJK.test(ch) ? "cjk" : WORD.test(ch) ? "word" : null;
    if (k !== kind) end();
    if (k) {
      run += ch;
      kind = k;
    }
  }
  end();
  return out;
}

function cut(word) {
  let out = "";
  let n = 0;
  for (const ch of word) {
    const b = encoder.encode(ch).length;
    if (n + b > TERM_BYTES) break;
    out += ch;
    n += b;
  }
  return out;
}

/** A run's terms: a word, one character, or each pair of neighbours. */
function termsOf(part) {
  if (part.kind === "word") return [cut(part.text)];
  const chars = [...part.text];
  if (chars.length === 1) return chars;
  const out = [];
  for (let i = 1; i < chars.length; i++) out.push(chars[i - 1] + chars[i]);
  return out;
}

/** FNV-1a, 32 bits, over the term's UTF-8: the bucket that holds it. */
function bucketOf(term) {
  let h = 0x811c9dc5;
  for (const b of encoder.encode(term)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h % meta.buckets;
}

/** The pages holding `term`: page number → weighted count. */
async function postings(term) {
  const n = bucketOf(term);
  if (!buckets.has(n)) buckets.set(n, json(file(`t/${n}.json`)));
  const bucket = await buckets.get(n);
  // Own keys only: a term must never meet Object.prototype's names.
  const list = Object.prototype.hasOwnProperty.call(bucket, term) ? bucket[term] : null;
  const out = new Map();
  if (!list) return out;
  let id = 0;
  for (let i = 0; i < list.length; i += 2) out.set((id += list[i]), list[i + 1]);
  return out;
}

/** Pages passing the filters: any value within a group, every group. */
function allowed(selected) {
  let out = null;
  for (const [key, { any }] of Object.entries(selected || {})) {
    if (!any?.length) continue;
    const group = new Set();
    for (const v of any) for (const id of filterSets[key]?.[v] || []) group.add(id);
    out = out ? new Set([...out].filter((id) => group.has(id))) : group;
  }
  return out;
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A window of `content` around the first hit, hits wrapped in <mark>. */
function excerpt(content, needles) {
  const folded = fold(content);
  const usable = needles.length && folded.length === content.length;
  const re = usable
    ? new RegExp([...needles].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|"), "g")
    : null;
  const first = re ? folded.search(re) : -1;
  const start = first > EXCERPT_BEFORE ? first - EXCERPT_BEFORE : 0;
  const end = Math.min(content.length, start + EXCERPT_LENGTH);
  let out = start > 0 ? "…" : "";
  let at = start;
  if (first >= 0) {
    re.lastIndex = start;
    for (let m; (m = re.exec(folded)) && m.index < end; ) {
      const stop = Math.min(end, m.index + m[0].length);
      out += content.slice(at, m.index) + "<mark>" + content.slice(m.index, stop) + "</mark>";
      at = stop;
    }
  }
  out += content.slice(at, end);
  return end < content.length ? `${out}…` : out;
}

function result(id, needles) {
  return {
    id,
    data: async () => {
      if (!docs.has(id)) docs.set(id, json(file(`doc/${id}.json`)));
      const d = await docs.get(id);
      return { ...d, excerpt: excerpt(d.content || "", needles) };
    },
  };
}

/**
 * Pages matching `query` (every term) and `options.filters`, best first;
 * with no query, every page passing the filters, newest first. When no page
 * holds every term, `loose` lists those holding some, most terms first.
 * `filters` counts the values among the results.
 */
export async function search(query, options = {}) {
  await init();
  const pass = allowed(options.filters);
  const ps = parts(query || "");
  const needles = ps.map((p) => p.text);
  if (!ps.length) {
    const all = pass ? [...pass].sort((a, b) => a - b) : [...Array(meta.pages).keys()];
    return { results: all.map((id) => result(id, needles)), loose: [], filters: counts(all) };
  }
  const terms = [...new Set(ps.flatMap(termsOf))];
  const lists = await Promise.all(terms.map(postings));
  const weights = lists.map((l) => Math.log(1 + meta.pages / Math.max(1, l.size)));
  const score = (id) =>
    lists.reduce((s, l, i) => {
      const tf = l.get(id);
      return tf ? s + (weights[i] * tf) / (tf + 1.2) : s;
    }, 0);
  const rank = (list) =>
    list
      .map((id) => [id, score(id)])
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([id]) => id);

  const smallest = lists.reduce((a, b) => (b.size < a.size ? b : a));
  const found = rank(
    [...smallest.keys()].filter((id) => (!pass || pass.has(id)) && lists.every((l) => l.has(id))),
  );
  let loose = [];
  if (!found.length) {
    // Pages with some of the terms; failing that, some of the characters.
    let some = lists;
    if (lists.every((l) => l.size === 0)) {
      const chars = [...new Set(ps.filter((p) => p.kind === "cjk").flatMap((p) => [...p.text]))];
      some = await Promise.all(chars.map(postings));
    }
    const hits = new Map();
    for (const l of some) for (const id of l.keys()) if (!pass || pass.has(id)) hits.set(id, (hits.get(id) || 0) + 1);
    loose = [...hits.keys()].sort((a, b) => hits.get(b) - hits.get(a) || a - b);
  }
  return {
    results: found.map((id) => result(id, needles)),
    loose: loose.map((id) => result(id, needles)),
    filters: counts(found),
  };
}
