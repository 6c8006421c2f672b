//! `wenming import`: Word documents made by real writers (LibreOffice,
//! python-docx, a WPS-style file; `tests/fixtures/docx/make.py`) into
//! report bundles, built into pages and compared with the documents; bad
//! files refused with a Chinese message and nothing written.

mod common;
use common::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/docx").join(name)
}

fn import(site: &Path, files: &[&Path], extra: &[&str]) -> Run {
    let mut args = vec!["import".to_string()];
    args.extend(files.iter().map(|f| f.to_str().unwrap().to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["--root".into(), site.to_str().unwrap().into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    wenming(&args)
}

/// Every file and folder under `dir` (hidden ones too), relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    out.sort();
    out
}

/// The bundle folder (site-relative) printed for `file` in `stdout`.
fn bundle_of(stdout: &str, file: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("已导入 ") && l.contains(file))
        .unwrap_or_else(|| panic!("no line for {file} in:\n{stdout}"));
    let rel = line.split(" → ").nth(1).unwrap();
    let rel = rel.split('（').next().unwrap();
    rel.strip_suffix("/index.md").unwrap().to_string()
}

/// The report page's route (`reports/<slug>/`) for a bundle folder.
fn page_of(bundle: &str) -> String {
    let name = bundle.rsplit('/').next().unwrap();
    format!("reports/{}/index.html", &name[11..])
}

fn entry(docx: &Path, name: &str) -> Vec<u8> {
    let file = std::fs::File::open(docx).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut e = zip.by_name(name).unwrap();
    let mut bytes = Vec::new();
    e.read_to_end(&mut bytes).unwrap();
    bytes
}

/// The text of each non-empty paragraph of a .docx part, read here on
/// its own (roxmltree): deleted text left out, as Word shows it after
/// "accept all changes".
fn paragraphs(docx: &Path, part: &str) -> Vec<String> {
    let xml = String::from_utf8(entry(docx, part)).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    doc.descendants()
        .filter(|n| n.has_tag_name((w, "p")))
        .map(|p| {
            p.descendants()
                .filter(|t| t.has_tag_name((w, "t")))
                .filter(|t| !t.ancestors().any(|a| a.has_tag_name((w, "del"))))
                .filter_map(|t| t.text())
                .collect::<String>()
        })
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The report body of a page (`<div class="content">`) as plain text,
/// footnote reference numbers left out.
fn body_text(html: &str) -> String {
    let start = html.find("<div class=\"content\">").expect("content");
    let end = html[start..].find("</article>").unwrap() + start;
    let mut body = html[start..end].to_string();
    while let Some(a) = body.find("<sup class=\"footnote-reference\">") {
        let b = body[a..].find("</sup>").unwrap() + a + 6;
        body.replace_range(a..b, "");
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    html_escape::decode_html_entities(&text).into_owned()
}

/// Each `<img>` of the body: (src, alt), in order.
fn images(html: &str) -> Vec<(String, String)> {
    let start = html.find("<div class=\"content\">").unwrap();
    let end = html[start..].find("</article>").unwrap() + start;
    let attr = |tag: &str, name: &str| {
        let k = format!(" {name}=\"");
        let a = tag.find(&k).unwrap() + k.len();
        let b = tag[a..].find('"').unwrap() + a;
        html_escape::decode_html_entities(&tag[a..b]).into_owned()
    };
    html[start..end]
        .split("<img ")
        .skip(1)
        .map(|t| {
            let tag = format!(" {}", &t[..t.find('>').unwrap()]);
            (attr(&tag, "src"), attr(&tag, "alt"))
        })
        .collect()
}

fn assert_in(hay: &str, needle: &str) {
    assert!(hay.contains(needle), "missing {needle:?} in:\n{hay}");
}

#[test]
fn documents_from_real_writers_become_report_pages() {
    let site = copy_default_site();
    // Imported from a copy: the original is read, never changed.
    let docs = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for name in ["libreoffice.docx", "python-docx.docx", "wps-styles.docx"] {
        let to = docs.path().join(name);
        std::fs::copy(fixture(name), &to).unwrap();
        files.push(to);
    }
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let run = import(
        site.path(),
        &refs,
        &["--kind", "volunteer", "--date", "2022-10-15"],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for (f, b) in files.iter().zip(&before) {
        assert_eq!(&std::fs::read(f).unwrap(), b, "{} was changed", f.display());
    }

    let lo = bundle_of(&run.stdout, "libreoffice.docx");
    let pd = bundle_of(&run.stdout, "python-docx.docx");
    let wps = bundle_of(&run.stdout, "wps-styles.docx");
    assert_eq!(
        lo,
        "content/reports/2022-10-15-wei-ji-guan-xue-lei-feng-zhi-yuan-fu-wu-dui-zou-jin-she-qu-kai-zhan-zhi-yuan-fu-wu"
    );
    assert_in(
        &run.stdout,
        &format!("已导入 {} → {lo}/index.md（2 张照片）", files[0].display()),
    );
    assert_in(&run.stdout, &format!("→ {pd}/index.md（2 张照片）"));
    assert_in(&run.stdout, &format!("→ {wps}/index.md（0 张照片）"));
    // Warnings in the diagnostics' form, naming the file.
    let lo_name = files[0].display().to_string();
    let pd_name = files[1].display().to_string();
    assert_in(
        &run.stderr,
        &format!("{lo_name}: 警告：第 1 个表格有合并的单元格"),
    );
    assert_in(
        &run.stderr,
        &format!("{pd_name}: 警告：第 1 个表格有合并的单元格"),
    );
    assert_in(
        &run.stderr,
        &format!("{pd_name}: 警告：文档中有 2 处修订痕迹"),
    );
    assert_in(&run.stderr, &format!("{pd_name}: 警告：文档中有 1 条批注"));
    assert_in(
        &run.stderr,
        &format!("{lo_name}: 警告：还没有选择这篇报道佐证的考评标准（criteria）\n    提示：请在工作台打开这篇报道勾选考评标准"),
    );
    assert!(!run.stderr.contains("没有指定活动类别"), "{}", run.stderr);
    assert_in(&run.stderr, "导入完成：3 个文件");

    // The bundle: index.md with the front matter of `new report`, and
    // the pictures as they were in the document.
    let index = std::fs::read_to_string(site.path().join(&lo).join("index.md")).unwrap();
    assert!(
        index.starts_with(
            "---\ntitle: \"委机关学雷锋志愿服务队走进社区开展志愿服务\"\ndate: 2022-10-15\nkind: volunteer\ncriteria: []"
        ),
        "{index}"
    );
    let lo_dir = site.path().join(&lo);
    assert_eq!(
        std::fs::read(lo_dir.join("photo1.png")).unwrap(),
        entry(&fixture("libreoffice.docx"), "word/media/image1.png")
    );
    assert_eq!(
        std::fs::read(lo_dir.join("photo2.jpg")).unwrap(),
        entry(&fixture("libreoffice.docx"), "word/media/image2.jpeg")
    );
    assert!(!listing(&site.path().join("content/reports"))
        .iter()
        .any(|p| p.contains(".wenming-import") || p.contains("_index.md")));

    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    let b = build(site.path(), &out, &[]);
    assert_eq!(b.code, 0, "{}\n{}", b.stdout, b.stderr);

    // LibreOffice: everything the document has, on the page.
    let html = read(&out, &page_of(&lo));
    assert_in(
        &html,
        "<h1 data-pagefind-meta=\"title\">委机关学雷锋志愿服务队走进社区开展志愿服务</h1>",
    );
    let text = body_text(&html);
    for p in paragraphs(&fixture("libreoffice.docx"), "word/document.xml") {
        if p.starts_with("图1") {
            continue; // the caption: below its photo (checked next)
        }
        assert_in(&text, &p);
    }
    assert_in(&html, "<h2 id=\"服务内容\">服务内容</h2>");
    assert_in(&html, "<h3 id=\"活动流程\">活动流程</h3>");
    assert_in(&html, "<strong>32名志愿者</strong>");
    assert_in(&html, "<em>义诊咨询</em>");
    assert_in(
        &html,
        "<ul>\n<li>义诊咨询组为居民测量血压\n<ul>\n<li>发放健康手册</li>\n</ul>\n</li>\n<li>政策宣讲组发放宣传资料</li>",
    );
    assert_in(
        &html,
        "<ol>\n<li>集合并分组</li>\n<li>分组开展服务</li>\n<li>总结交流</li>\n</ol>",
    );
    assert_in(&html, "<th>小组</th><th>人数</th><th>服务人次</th>");
    assert_in(&html, "<tr><td>义诊咨询组</td><td>10</td><td>86</td></tr>");
    assert_in(&html, "<tr><td>合计</td><td></td><td>210</td></tr>");
    assert_in(&html, "<a href=\"http://www.wenming.cn/\">中国文明网</a>");
    let footnotes = paragraphs(&fixture("libreoffice.docx"), "word/footnotes.xml");
    assert_eq!(footnotes, vec!["人数据志愿湖南平台统计。"]);
    assert_in(
        &html,
        "<div class=\"footnote-definition\" id=\"1\"><sup class=\"footnote-definition-label\">1</sup>\n<p>人数据志愿湖南平台统计。</p>",
    );
    assert_in(
        &html,
        "志愿服务<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup>。",
    );
    let imgs = images(&html);
    assert_eq!(imgs.len(), 2, "{imgs:?}");
    assert!(
        imgs[0].0.ends_with("/photo1.png") && imgs[1].0.ends_with("/photo2.jpg"),
        "{imgs:?}"
    );
    assert_eq!(
        imgs[0].1, "志愿者在社区开展义诊咨询",
        "the caption paragraph"
    );
    assert_eq!(imgs[1].1, "环境整治组清理楼道", "the picture's alt text");
    assert_in(&html, "<figcaption>志愿者在社区开展义诊咨询</figcaption>");
    // Through the photo pipeline: published, in the gallery.
    let slug_dir = page_of(&lo).trim_end_matches("index.html").to_string();
    assert!(out.join(&slug_dir).join("photo1.png").is_file());
    assert!(out.join(&slug_dir).join("photo2.jpg").is_file());
    assert_in(&read(&out, "gallery/index.html"), "环境整治组清理楼道");

    // python-docx: Title style, caption style, default caption, tracked
    // changes accepted, vertically merged cell.
    let html = read(&out, &page_of(&pd));
    assert_in(
        &html,
        "<h1 data-pagefind-meta=\"title\">委机关开展文明交通劝导志愿服务</h1>",
    );
    let text = body_text(&html);
    assert!(
        text.trim_start().starts_with("10月15日上午"),
        "the title is not repeated: {text}"
    );
    for p in paragraphs(&fixture("python-docx.docx"), "word/document.xml") {
        if p == "委机关开展文明交通劝导志愿服务" || p.starts_with("图为") {
            continue;
        }
        if p == "7:30-9:00" {
            continue; // the merged cell, once (below)
        }
        assert_in(&text, &p);
    }
    assert_in(&text, "本次活动如期举行，居民反响热烈。");
    assert!(!text.contains("原定9月举行"), "deleted text: {text}");
    assert_in(&html, "<h2 id=\"劝导内容\">劝导内容</h2>");
    assert_in(&html, "<h3 id=\"工作步骤\">工作步骤</h3>");
    assert_in(&html, "<strong>文明交通劝导志愿服务队</strong>");
    assert_in(&html, "<em>“礼让斑马线”</em>");
    assert_in(
        &html,
        "<ul>\n<li>提醒行人走斑马线</li>\n<li>劝导电动车佩戴头盔</li>\n</ul>",
    );
    assert_in(
        &html,
        "<ol>\n<li>岗前培训</li>\n<li>分岗劝导</li>\n<li>总结讲评</li>\n</ol>",
    );
    assert_in(
        &html,
        "<tr><td>五一大道</td><td>7:30-9:00</td><td>8</td></tr>",
    );
    assert_in(&html, "<tr><td>芙蓉路</td><td></td><td>6</td></tr>");
    assert_in(
        &html,
        "<a href=\"https://www.hnwmw.gov.cn/\">湖南文明网</a>",
    );
    let imgs = images(&html);
    assert_eq!(
        imgs.iter().map(|i| i.1.as_str()).collect::<Vec<_>>(),
        vec![
            "志愿者在路口引导行人",
            "委机关开展文明交通劝导志愿服务（照片2）"
        ]
    );
    assert!(imgs[0].0.ends_with("/photo1.png") && imgs[1].0.ends_with("/photo2.jpg"));

    // WPS: headings known only by outline level and Chinese style names.
    let html = read(&out, &page_of(&wps));
    assert_in(&html, "<h2 id=\"活动安排\">活动安排</h2>");
    assert_in(&html, "<h3 id=\"座谈交流\">座谈交流</h3>");
    assert_in(&html, "<h3 id=\"下一步\">下一步</h3>");
    assert_in(&html, "<h3 id=\"经验做法\">经验做法</h3>");
    assert_in(
        &html,
        "<ol>\n<li>走访慰问退休老同志\n<ol>\n<li>为老同志送去慰问品</li>\n</ol>\n</li>\n<li>召开座谈会</li>\n</ol>",
    );
    assert_in(&html, "老同志们畅谈变化，<strong>寄语青年干部。</strong>");
}

#[test]
fn the_date_comes_from_the_text_and_the_kind_is_left_to_fill_in() {
    let site = copy_default_site();
    let run = import(
        site.path(),
        &[&fixture("wps-styles.docx"), &fixture("python-docx.docx")],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let wps = bundle_of(&run.stdout, "wps-styles.docx");
    let pd = bundle_of(&run.stdout, "python-docx.docx");
    assert!(wps.starts_with("content/reports/2022-10-15-"), "{wps}");
    assert!(pd.starts_with("content/reports/2022-10-15-"), "{pd}");
    assert_in(
        &run.stderr,
        "wps-styles.docx: 警告：活动日期取自文中的 “二〇二二年十月十五日”：2022-10-15",
    );
    // No year in the text: the year the file was saved.
    assert_in(
        &run.stderr,
        "python-docx.docx: 警告：活动日期取自文中的 “10月15日”，没有写年份，按 2022 年：2022-10-15",
    );
    assert_in(
        &run.stderr,
        "wps-styles.docx: 警告：没有指定活动类别（--kind），index.md 的 kind 一行留空了",
    );
    let index = std::fs::read_to_string(site.path().join(&wps).join("index.md")).unwrap();
    assert_in(
        &index,
        "\ndate: 2022-10-15\nkind:                 # 必填，活动类别，可选：volunteer（志愿服务）",
    );
    // Until the kind is filled in the site says what is missing.
    let out = tempfile::tempdir().unwrap();
    let b = build(site.path(), &out.path().join("public"), &[]);
    assert_eq!(b.code, 1);
    assert_in(
        &b.stderr,
        &format!("{wps}/index.md:4:1: 错误：缺少活动类别 kind"),
    );

    // The same document again is another report, numbered.
    let again = import(
        site.path(),
        &[&fixture("wps-styles.docx")],
        &["--kind", "news"],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        bundle_of(&again.stdout, "wps-styles.docx"),
        format!("{wps}-2")
    );
}

// ---------- bad files ----------

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The entries of a fixture, `change` applied to each (None drops it).
fn fixture_with(
    name: &str,
    change: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>,
    extra: &[(&str, Vec<u8>)],
) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(fixture(name)).unwrap()).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let mut e = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        let entry_name = e.name().unwrap().to_string();
        if let Some(b) = change(&entry_name, bytes) {
            entries.push((entry_name, b));
        }
    }
    for (n, b) in extra {
        entries.push((n.to_string(), b.clone()));
    }
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_of(&refs)
}

/// `zip` with the uncompressed size recorded for `name` set to `size`,
/// in its local header and in the central directory.
fn declare_size(mut zip: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    let mut patched = 0;
    for (sig, name_len_at, size_at, name_at) in
        [(b"PK\x03\x04", 26, 22, 30), (b"PK\x01\x02", 28, 24, 46)]
    {
        let mut i = 0;
        while let Some(k) = zip[i..].windows(4).position(|w| w == sig) {
            let at = i + k;
            let len =
                u16::from_le_bytes([zip[at + name_len_at], zip[at + name_len_at + 1]]) as usize;
            if zip.get(at + name_at..at + name_at + len) == Some(name.as_bytes()) {
                zip[at + size_at..at + size_at + 4].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
            i = at + 4;
        }
    }
    assert_eq!(patched, 2, "{name} patched");
    zip
}

const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

#[test]
fn bad_files_are_refused_with_a_message_and_nothing_written() {
    let site = copy_default_site();
    let reports = site.path().join("content/reports");
    let before = listing(&reports);
    let dir = tempfile::tempdir().unwrap();
    let lo = std::fs::read(fixture("libreoffice.docx")).unwrap();
    let mut ole = OLE.to_vec();
    ole.resize(4096, 0);
    let mut encrypted = ole.clone();
    encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    let zeros = |mb: usize| vec![0u8; mb * 1024 * 1024];
    let broken_xml = fixture_with(
        "wps-styles.docx",
        |n, b| {
            Some(if n == "word/document.xml" {
                b[..b.len() / 2].to_vec()
            } else {
                b
            })
        },
        &[],
    );
    // A picture whose header declares 200 MB.
    let huge_declared = declare_size(lo.clone(), "word/media/image1.png", 200 * 1024 * 1024);
    // A zip bomb: 150 MB of zeros behind a header that says 1 KB (the
    // zip crate notices first; the reader's own cap is behind it).
    let bomb = declare_size(
        fixture_with(
            "libreoffice.docx",
            |n, b| {
                Some(if n == "word/media/image1.png" {
                    zeros(150)
                } else {
                    b
                })
            },
            &[],
        ),
        "word/media/image1.png",
        1024,
    );
    // Four pictures of 80 MB, each allowed, together too much.
    let many = fixture_with(
        "libreoffice.docx",
        |n, b| {
            if n == "word/media/image1.png" || n == "word/media/image2.jpeg" {
                Some(zeros(80))
            } else if n == "word/document.xml" {
                // Both pictures twice more, through new relationships.
                let s = String::from_utf8(b).unwrap();
                let extra = "<w:p><w:r><w:drawing><wp:inline><a:graphic xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><a:graphicData><a:blip r:embed=\"rIdX1\"/><a:blip r:embed=\"rIdX2\"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>";
                Some(
                    s.replacen("<w:sectPr>", &format!("{extra}<w:sectPr>"), 1)
                        .into_bytes(),
                )
            } else if n == "word/_rels/document.xml.rels" {
                let s = String::from_utf8(b).unwrap();
                Some(s.replace("</Relationships>", "<Relationship Id=\"rIdX1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image3.png\"/><Relationship Id=\"rIdX2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image4.png\"/></Relationships>").into_bytes())
            } else {
                Some(b)
            }
        },
        &[
            ("word/media/image3.png", zeros(80)),
            ("word/media/image4.png", zeros(80)),
        ],
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not-word.docx", zip_of(&[("hello.txt", b"hello")]), "错误：这是一个压缩包，但不是 Word 文档（里面没有 word/document.xml）"),
        ("sheet.docx", zip_of(&[("xl/workbook.xml", b"<workbook/>")]), "错误：这是 Excel 表格（.xlsx），不是 Word 文档"),
        ("old.doc", ole.clone(), "错误：这是旧版 Word 文档格式（.doc），不能直接导入\n    提示：请用 Word 或 WPS 打开它，点“文件”→“另存为”，文件类型选“Word 文档（*.docx）”"),
        ("old.wps", ole.clone(), "错误：这是 WPS 文字的旧格式（.wps），不能直接导入"),
        ("locked.docx", encrypted, "错误：文件设置了打开密码（加密的 .docx），无法读取"),
        ("truncated.docx", lo[..lo.len() / 2].to_vec(), "错误：文件不完整或已损坏，无法打开"),
        ("empty.docx", Vec::new(), "错误：文件是空的（0 字节）"),
        ("notes.docx", "会议纪要".as_bytes().to_vec(), "错误：这不是 Word 文档（.docx），无法导入"),
        ("broken.docx", broken_xml, "错误：文件已损坏：word/document.xml 第 2 行第"),
        ("huge-picture.docx", huge_declared, "错误：文档中的图片 word/media/image1.png 有 200 MB，超过 100 MB 的上限"),
        ("bomb.docx", bomb, "错误：文件不完整或已损坏，无法打开（word/media/image1.png 无法解压"),
        ("many.docx", many, "错误：文件解压后超过 300 MB，不像是正常的 Word 文档"),
        ("xml-bomb.docx", zip_of(&[("word/document.xml", &zeros(40))]), "错误：文档中的 word/document.xml 解压后过大（超过 32 MB）"),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let run = import(site.path(), &[&path], &["--kind", "volunteer"]);
        assert_eq!(run.code, 1, "{name}: {}\n{}", run.stdout, run.stderr);
        assert_in(&run.stderr, &format!("{}: {message}", path.display()));
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        assert_in(
            &run.stderr,
            "导入结束：0 个文件已导入，1 个文件失败（失败的文件没有写入任何内容）",
        );
        assert_eq!(run.stdout, "", "{name}");
        assert_eq!(listing(&reports), before, "{name} wrote something");
    }

    let missing = dir.path().join("没有这个文件.docx");
    let run = import(site.path(), &[&missing], &[]);
    assert_eq!(run.code, 1);
    assert_in(
        &run.stderr,
        &format!(
            "{}: 错误：无法读取这个文件：文件或文件夹不存在",
            missing.display()
        ),
    );

    let run = import(
        site.path(),
        &[&fixture("libreoffice.docx")],
        &["--kind", "volunter"],
    );
    assert_eq!(run.code, 1);
    assert_in(
        &run.stderr,
        "错误：未知的活动类别 “volunter”，可选：volunteer（志愿服务）",
    );
    assert_eq!(listing(&reports), before);
}

#[test]
fn several_files_one_bad_the_good_one_is_imported_and_both_reported() {
    let site = copy_default_site();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("报道（旧版）.doc");
    let mut ole = OLE.to_vec();
    ole.resize(2048, 0);
    std::fs::write(&bad, ole).unwrap();
    let good = fixture("libreoffice.docx");
    let run = import(
        site.path(),
        &[&bad, &good],
        &["--kind", "volunteer", "--date", "2022-10-15"],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let rel = bundle_of(&run.stdout, "libreoffice.docx");
    assert!(site.path().join(&rel).join("index.md").is_file());
    assert!(site.path().join(&rel).join("photo2.jpg").is_file());
    assert_in(
        &run.stderr,
        &format!("{}: 错误：这是旧版 Word 文档格式（.doc）", bad.display()),
    );
    assert_in(&run.stderr, "导入结束：1 个文件已导入，1 个文件失败");
}

#[test]
fn a_panic_in_the_reader_is_the_files_error_not_a_crash() {
    let site = copy_default_site();
    let reports = site.path().join("content/reports");
    let before = listing(&reports);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wenming"))
        .args(["import", fixture("libreoffice.docx").to_str().unwrap()])
        .args([
            "--kind",
            "volunteer",
            "--root",
            site.path().to_str().unwrap(),
        ])
        .env("WENMING_TEST_IMPORT_PANIC", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_in(
        &stderr,
        "libreoffice.docx: 错误：读取这个文件时出错，文件可能已损坏（内部错误：WENMING_TEST_IMPORT_PANIC）",
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(listing(&reports), before);
}
