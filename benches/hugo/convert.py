#!/usr/bin/env python3
"""Copy a wenming site's content into a Hugo site, for benches/hugo/run.sh.

    python3 convert.py SITE_DIR HUGO_SITE_DIR

Copies SITE_DIR/content/reports -> HUGO_SITE_DIR/content/reports and
SITE_DIR/content/pages -> HUGO_SITE_DIR/content/pages (bundle folders stay
folders, so they become Hugo leaf bundles with their photos as resources).
Markdown bodies are copied unchanged. The YAML front matter is rewritten line
by line, as little as Hugo needs:

* `kind: X` -> `kinds: [X]`: `kind` is reserved by Hugo (the page kind), and
  `kinds` is the taxonomy.
* `criteria` items become strings (`[3, 23.2]` -> `["3", "23.2"]`), so the
  criteria taxonomy has one term per item ("23.2", not a float).
* Other keys that Hugo reserves with another meaning (`menu`, `layout`,
  `type`, `url`, ...) are renamed `wm_<key>`. `title`, `date`, `draft`,
  `summary` and `weight` mean the same in both and are kept.

Everything else (offices, tags, participants, location, hours, cover, time,
attachments, ...) is kept as is; offices and tags are taxonomies already.
Only the Python standard library is used.
"""

import os
import re
import shutil
import sys

# Keys that Hugo's front matter reserves for something else than wenming.
RESERVED = {
    "menu", "menus", "layout", "type", "url", "slug", "aliases", "lang",
    "path", "outputs", "build", "cascade", "sitemap", "resources", "markup",
    "headless", "params", "linkTitle", "translationKey",
}
KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
ITEM_RE = re.compile(r"^(\s*-\s*)(.*?)\s*$")


def quote(value):
    """A YAML scalar as a double-quoted string (kept if already quoted)."""
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def inline_list(value, fn):
    """`[a, b]` -> `[fn(a), fn(b)]`; a plain scalar -> `[fn(scalar)]`."""
    v = value.strip()
    if v.startswith("[") and v.endswith("]"):
        items = [x for x in (i.strip() for i in v[1:-1].split(",")) if x]
    else:
        items = [v]
    return "[" + ", ".join(fn(i) for i in items) + "]"


def convert_front_matter(lines):
    out = []
    block = None  # the key whose block list ("- item" lines) we are in
    for line in lines:
        item = ITEM_RE.match(line)
        if block and item:
            if block == "criteria":
                line = item.group(1) + quote(item.group(2))
            out.append(line)
            continue
        if line[:1] in (" ", "\t"):  # continuation of a nested value
            out.append(line)
            continue
        block = None
        m = KEY_RE.match(line)
        if not m:
            out.append(line)
            continue
        key, value = m.groups()
        if value == "":
            block = key  # a block list or map follows
        if key == "kind":
            key = "kinds"
            if value:
                value = inline_list(value, lambda x: x)
            block = "kinds" if not value else None
        elif key == "criteria" and value:
            value = inline_list(value, quote)
        elif key in RESERVED:
            key = "wm_" + key
        out.append(f"{key}: {value}" if value else f"{key}:")
    return out


def convert_file(src, dst):
    with open(src, encoding="utf-8") as f:
        text = f.read()
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        if end < 0 and text.endswith("\n---"):
            end = len(text) - 4
        if end >= 0:
            fm = text[4:end].split("\n")
            body = text[end + 5:]
            text = "---\n" + "\n".join(convert_front_matter(fm)) + "\n---\n" + body
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)


def convert_tree(src, dst):
    """Copy src to dst: .md files converted, anything else copied."""
    count = 0
    for root, dirs, files in os.walk(src):
        dirs.sort()
        rel = os.path.relpath(root, src)
        target = os.path.normpath(os.path.join(dst, rel))
        os.makedirs(target, exist_ok=True)
        for name in sorted(files):
            s, d = os.path.join(root, name), os.path.join(target, name)
            if name.endswith(".md"):
                convert_file(s, d)
                count += 1
            else:
                shutil.copyfile(s, d)
    return count


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    site, hugo_site = sys.argv[1], sys.argv[2]
    content = os.path.join(hugo_site, "content")
    shutil.rmtree(content, ignore_errors=True)
    total = 0
    for section in ("reports", "pages"):
        src = os.path.join(site, "content", section)
        if os.path.isdir(src):
            total += convert_tree(src, os.path.join(content, section))
    # Section and taxonomy pages, only for their titles.
    for section, title in (("reports", "全部报道"), ("pages", "宣传页面"),
                           ("kinds", "活动类别"), ("criteria", "考评标准"),
                           ("offices", "责任处室"), ("tags", "标签")):
        path = os.path.join(content, section, "_index.md")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.exists(path):
            with open(path, "w", encoding="utf-8") as f:
                f.write(f'---\ntitle: "{title}"\n---\n')
    print(f"converted {total} Markdown files into {content}")


if __name__ == "__main__":
    main()
