//! The 工作台 over HTTP as the browser uses it: who gets in, what a save
//! writes to the site's files, and what it refuses.

mod common;
use common::server::*;
use common::*;
use std::path::Path;

/// A started preview with the workbench's token and the cookie it sets.
struct Bench {
    server: Server,
    token: String,
    cookie: String,
    csrf: String,
}

fn start_bench(root: &Path) -> Bench {
    start_bench_with(root, &[])
}

fn start_bench_with(root: &Path, extra: &[&str]) -> Bench {
    let server = start_with(root, extra);
    wait_until(|| server.log().contains("工作台："), "workbench address");
    let log = server.log();
    let token = log
        .split("?token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("token in the workbench address")
        .to_string();
    let port = server.port;
    let (status, head, _) = request(
        port,
        &format!("GET /__wenming/?token={token} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
    );
    assert_eq!(status, 303, "{head}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("Set-Cookie: "))
        .expect("cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(
        head.contains("HttpOnly") && head.contains("SameSite=Strict"),
        "{head}"
    );
    let mut bench = Bench {
        server,
        token,
        cookie,
        csrf: String::new(),
    };
    let page = bench.page("/__wenming/").1;
    bench.csrf = page
        .split("name=\"wenming-csrf\" content=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf in the page")
        .to_string();
    bench
}

impl Bench {
    fn page(&self, path: &str) -> (u16, String) {
        let (status, _, body) = self.get_raw(path);
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// A GET with the cookie: status, head and body as sent.
    fn get_raw(&self, path: &str) -> (u16, String, Vec<u8>) {
        let port = self.server.port;
        request(
            port,
            &format!(
                "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nCookie: {}\r\n\r\n",
                self.cookie
            ),
        )
    }

    /// A write as the workbench's page sends it; `tweak` may change the
    /// headers (a foreign Origin, no CSRF secret …).
    fn post_with(&self, api: &str, body: &[u8], tweak: impl Fn(String) -> String) -> (u16, String) {
        let port = self.server.port;
        let head = format!(
            "POST /__wenming/api/{api} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\nCookie: {}\r\nX-Wenming-Csrf: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.cookie,
            self.csrf,
            body.len()
        );
        let mut raw = tweak(head).into_bytes();
        raw.extend_from_slice(body);
        let (status, _, answer) = request_bytes(port, &raw);
        (status, String::from_utf8_lossy(&answer).into_owned())
    }

    fn post(&self, api: &str, json: &serde_json::Value) -> (u16, serde_json::Value) {
        let (status, body) = self.post_with(api, json.to_string().as_bytes(), |h| h);
        let value = serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body));
        (status, value)
    }
}

fn version_in(page: &str, id: &str) -> String {
    page.split(&format!("id=\"{id}\" data-version=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("version in the page")
        .to_string()
}

#[test]
fn only_the_browser_with_the_token_gets_in() {
    let site = copy_default_site();
    let bench = start_bench(site.path());
    let port = bench.server.port;
    let get = |extra: &str, path: &str| {
        request(
            port,
            &format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n"),
        )
    };
    // No cookie, a wrong token, a wrong cookie: refused, in Chinese.
    for (extra, path) in [
        ("", "/__wenming/"),
        ("", "/__wenming/ledger"),
        ("", "/__wenming/?token=00000000000000000000000000000000"),
        ("Cookie: wenming_workbench=nope\r\n", "/__wenming/reports"),
    ] {
        let (status, _, body) = get(extra, path);
        assert_eq!(status, 403, "{path} {extra}");
        assert!(String::from_utf8_lossy(&body).contains("工作台"), "{path}");
    }
    let (status, page) = bench.page("/__wenming/");
    assert_eq!(status, 200);
    assert!(
        page.contains("<h1>总览</h1>") && page.contains("自评得分"),
        "{page}"
    );
    // A foreign Host (DNS rebinding) is refused even with the cookie.
    let (status, _, _) = request(
        port,
        &format!(
            "GET /__wenming/ HTTP/1.0\r\nHost: evil.example:{port}\r\nCookie: {}\r\n\r\n",
            bench.cookie
        ),
    );
    assert_eq!(status, 403);
    // The preview's own pages need no token.
    assert_eq!(get("", "/wmcj/").0, 200);
    assert!(!bench.token.is_empty());
}

#[test]
fn writes_need_the_csrf_secret_our_origin_and_a_path_inside_the_site() {
    let site = copy_default_site();
    let bench = start_bench(site.path());
    let report = "content/reports/2022-09-08-zhongxinzu-study.md";
    let before = std::fs::read(site.path().join(report)).unwrap();
    let form = serde_json::json!({
        "path": report, "version": "whatever", "title": "改过", "date": "2022-09-08", "kind": "study",
    });
    let body = form.to_string();
    let no_csrf = bench.post_with("report/save", body.as_bytes(), |h| {
        h.replace(&format!("X-Wenming-Csrf: {}\r\n", bench.csrf), "")
    });
    assert_eq!(no_csrf.0, 403, "{}", no_csrf.1);
    let wrong_csrf = bench.post_with("report/save", body.as_bytes(), |h| {
        h.replace(&bench.csrf, "0123")
    });
    assert_eq!(wrong_csrf.0, 403);
    let foreign = bench.post_with("report/save", body.as_bytes(), |h| {
        h.replace(
            &format!("Origin: http://127.0.0.1:{}", bench.server.port),
            "Origin: http://evil.example",
        )
    });
    assert_eq!(foreign.0, 403);
    assert_eq!(std::fs::read(site.path().join(report)).unwrap(), before);
    // Paths out of the site or outside content/: refused, nothing written.
    for path in [
        "../outside.md",
        "content/../../outside.md",
        "site.yaml",
        "/tmp/x.md",
        "content/reports/../../site.md",
    ] {
        let (status, answer) = bench.post(
            "report/save",
            &serde_json::json!({
                "path": path, "version": "new", "title": "x", "date": "2022-09-08", "kind": "study",
            }),
        );
        assert_eq!(status, 400, "{path}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains("已拒绝")
                || answer["message"].as_str().unwrap().contains("不是一篇报道"),
            "{answer}"
        );
    }
    assert!(!site.path().parent().unwrap().join("outside.md").exists());
    let (status, answer) = bench.post(
        "restore",
        &serde_json::json!({ "id": "20260101-000000.000/../../site.yaml" }),
    );
    assert_eq!(status, 400, "{answer}");
    let upload = bench.post_with(
        "report/upload?path=../../x.md&name=a.jpg&kind=photo",
        &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0],
        |h| h,
    );
    assert_eq!(upload.0, 400, "{}", upload.1);
}

#[test]
fn a_ledger_edit_changes_only_that_value_and_a_score_above_the_points_is_refused() {
    let site = copy_default_site();
    let ledger = site.path().join("data/ledger.yaml");
    let original = std::fs::read_to_string(&ledger).unwrap();
    assert!(
        original.starts_with("# "),
        "the default ledger has comments"
    );
    let bench = start_bench(site.path());
    let version = version_in(&bench.page("/__wenming/ledger").1, "ledger");
    let row = |score: &str| {
        serde_json::json!({
            "version": version, "key": "3.1", "status": "doing", "deadline": "2022-12-20",
            "score": score, "note": "意识形态形势研判会已召开3次，年底开展责任制落实检查",
        })
    };
    let (status, answer) = bench.post("ledger/save", &row("2.5"));
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("超出该项分值"),
        "{answer}"
    );
    assert_eq!(
        std::fs::read_to_string(&ledger).unwrap(),
        original,
        "refused: file unchanged"
    );

    let (status, answer) = bench.post("ledger/save", &row("2"));
    assert_eq!(status, 200, "{answer}");
    let edited = std::fs::read_to_string(&ledger).unwrap();
    let changed: Vec<(&str, &str)> = original
        .lines()
        .zip(edited.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(original.lines().count(), edited.lines().count());
    assert_eq!(changed.len(), 1, "{changed:?}");
    // Only the score changed; the padding after it keeps the next column
    // (note:) where it was, as the rows are lined up by hand.
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        collapse(changed[0].1),
        collapse(&changed[0].0.replace("score: 1.5", "score: 2")),
        "only the score changed"
    );
    assert_eq!(
        changed[0].0.find("note:"),
        changed[0].1.find("note:"),
        "{changed:?}"
    );
    // The old version is kept, and 恢复 puts it back.
    let backups = bench.page("/__wenming/backups").1;
    let id = backups
        .split("data-restore=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a backup")
        .replace("&#x2F;", "/"); // tera escapes '/' in attributes
    assert!(id.ends_with("/data/ledger.yaml"), "{id}");
    let (status, answer) = bench.post("restore", &serde_json::json!({ "id": id }));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), original);
}

#[test]
fn a_scan_uploaded_for_a_ledger_row_is_listed_there_and_published() {
    let site = copy_default_site();
    let bench = start_bench(site.path());
    let version = version_in(&bench.page("/__wenming/ledger").1, "ledger");
    let pdf = b"%PDF-1.4\n% a scanned plan\n";
    let upload = |name: &str, version: &str, body: &[u8]| {
        let (status, answer) = bench.post_with(
            &format!("ledger/upload?key=3.1&name={name}&version={version}"),
            body,
            |h| h.replace("application/json", "application/pdf"),
        );
        (
            status,
            serde_json::from_str::<serde_json::Value>(&answer).unwrap(),
        )
    };
    // Not a document: refused, nothing stored.
    let (status, answer) = upload("run.exe", &version, b"MZ");
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("只能是"),
        "{answer}"
    );
    assert!(!site.path().join("static/ledger/run.exe").exists());

    let (status, answer) = upload(
        "%E7%A0%94%E5%88%A4%E4%BC%9A%20%E6%96%B9%E6%A1%88.pdf",
        &version,
        pdf,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["file"], "static/ledger/研判会-方案.pdf");
    assert_eq!(
        std::fs::read(site.path().join("static/ledger/研判会-方案.pdf")).unwrap(),
        pdf
    );
    let ledger = std::fs::read_to_string(site.path().join("data/ledger.yaml")).unwrap();
    let map: serde_yaml::Mapping = serde_yaml::from_str(&ledger).unwrap();
    assert_eq!(
        map["3.1"]["files"],
        serde_yaml::from_str::<serde_yaml::Value>("[static/ledger/研判会-方案.pdf]").unwrap()
    );

    // With the version from before that save: a conflict, and the second
    // file is not left behind.
    let (status, answer) = upload("second.pdf", &version, pdf);
    assert_eq!(status, 409, "{answer}");
    assert!(!site.path().join("static/ledger/second.pdf").exists());

    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), &out.path().join("public"), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = read(&out.path().join("public"), "progress/3/index.html");
    assert!(page.contains("研判会-方案.pdf"), "{page}");
    assert!(page.contains("ledger/研判会-方案.pdf"), "linked: {page}");
    assert_eq!(
        std::fs::read(out.path().join("public/ledger/研判会-方案.pdf")).unwrap(),
        pdf,
        "published"
    );
}

#[test]
fn the_upload_build_leaves_drafts_out_and_the_package_downloads() {
    let site = copy_default_site();
    report(
        site.path(),
        "2022-12-03-draft.md",
        "title: 还没写完的草稿\ndate: 2022-12-03\nkind: news\ncriteria: [16]\ndraft: true",
        "\n草稿正文。\n",
    );
    // The preview shows drafts; the site to upload never does.
    let bench = start_bench_with(site.path(), &["--drafts"]);
    let (status, answer) = bench.post("build", &serde_json::json!({}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["ok"], true, "{answer}");
    let public = site.path().join("public");
    assert!(public.join("reports/index.html").exists());
    assert!(
        !public.join("reports/draft/index.html").exists(),
        "no draft in the upload"
    );

    let (status, answer) = bench.post("publish", &serde_json::json!({}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["ok"], true, "{answer}");
    let said = answer["published"].to_string();
    assert!(
        said.contains("全量包：") && said.contains("这是第一次发布"),
        "{said}"
    );
    let page = bench.page("/__wenming/build").1;
    let name = page
        .split("<td>")
        .nth(1)
        .and_then(|r| r.split("</td>").next())
        .unwrap_or_else(|| panic!("the package listed: {page}"))
        .to_string();
    assert!(
        name.starts_with("湖南省国资委-专栏-") && name.ends_with(".zip"),
        "{name}"
    );
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let (status, head, body) = bench.get_raw(&format!("/__wenming/package/{encoded}"));
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("filename*=UTF-8''"), "{head}");
    assert_eq!(
        body,
        std::fs::read(site.path().join("发布包").join(&name)).unwrap()
    );
    // Only the packages there: not the record, not a path out.
    for path in [
        "/__wenming/package/%E5%8F%91%E5%B8%83%E8%AE%B0%E5%BD%95.json",
        "/__wenming/package/..%2Fsite.yaml",
        "/__wenming/package/..%2F..%2Fetc%2Fpasswd.zip",
    ] {
        assert_eq!(bench.get_raw(path).0, 404, "{path}");
    }
}

#[test]
fn importing_a_word_file_makes_a_report_with_its_photos_and_a_doc_is_refused() {
    let site = copy_default_site();
    let bench = start_bench(site.path());
    let before = std::fs::read_dir(site.path().join("content/reports"))
        .unwrap()
        .count();
    // An old-format Word file (OLE): refused with the way out, nothing written.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    let (status, answer) =
        bench.post_with("report/import?name=%E6%8A%A5%E9%81%93.doc", &ole, |h| {
            h.replace("application/json", "application/msword")
        });
    assert_eq!(status, 422, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("没有导入 报道.doc"),
        "{answer}"
    );
    assert!(answer["messages"].to_string().contains(".docx"), "{answer}");
    assert_eq!(
        std::fs::read_dir(site.path().join("content/reports"))
            .unwrap()
            .count(),
        before
    );

    // A photo over the limit: refused in Chinese, nothing written.
    let huge = vec![0xFF; 31 * 1024 * 1024];
    let (status, answer) = bench.post_with(
        "report/upload?path=content/reports/2022-09-08-zhongxinzu-study.md&name=big.jpg&kind=photo",
        &huge,
        |h| h.replace("application/json", "image/jpeg"),
    );
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("文件太大，没有上传"), "{answer}");
    assert!(!site
        .path()
        .join("content/reports/2022-09-08-zhongxinzu-study")
        .exists());

    // A Word file bigger than a photo may be (30 MB) is read, not refused
    // at the door: this one is no docx, and says so.
    let big = vec![b'x'; 40 * 1024 * 1024];
    let (status, answer) = bench.post_with("report/import?name=big.docx", &big, |h| {
        h.replace("application/json", "application/octet-stream")
    });
    assert_eq!(status, 422, "{answer}");
    assert!(answer.contains("big.docx"), "{answer}");

    let docx = std::fs::read(repo_root().join("tests/fixtures/docx/python-docx.docx")).unwrap();
    let (status, answer) = bench.post_with(
        "report/import?name=C%3A%5CUsers%5C%E5%8A%9E%E5%85%AC%E5%AE%A4%5C%E6%B4%BB%E5%8A%A8.docx&kind=volunteer",
        &docx,
        |h| h.replace("application/json", "application/octet-stream"),
    );
    assert_eq!(status, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let rel = answer["path"].as_str().unwrap();
    assert!(
        rel.starts_with("content/reports/") && rel.ends_with("/index.md"),
        "{rel}"
    );
    assert_eq!(answer["photos"], 2);
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.starts_with("已导入 活动.docx → "),
        "only the file's own name: {message}"
    );
    assert!(
        answer["warnings"].to_string().contains("考评标准"),
        "{answer}"
    );
    let text = std::fs::read_to_string(site.path().join(rel)).unwrap();
    assert_eq!(text.matches("\n![").count(), 2, "{text}");
    assert!(
        text.contains("\nkind: volunteer"),
        "the kind chosen: {text}"
    );
    // The form opens on it.
    let (status, page) = bench.page(&format!("/__wenming/report?path={rel}"));
    assert_eq!(status, 200);
    assert!(page.contains("wb-data"), "{page}");
}

#[test]
fn a_save_after_a_hand_edit_is_refused_with_the_conflict_message() {
    let site = copy_default_site();
    let bench = start_bench(site.path());
    let rel = "content/reports/2022-09-08-zhongxinzu-study.md";
    let page = bench.page(&format!("/__wenming/report?path={rel}")).1;
    let data = page
        .split("<script type=\"application/json\" id=\"wb-data\">")
        .nth(1)
        .and_then(|r| r.split("</script>").next())
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(data).unwrap();
    let mut form = data["form"].clone();
    assert_eq!(form["criteria"], serde_json::json!(["1.1", "1.2"]));
    // Someone edits the file in Notepad meanwhile.
    let path = site.path().join(rel);
    let by_hand = std::fs::read_to_string(&path).unwrap().replace("28", "29");
    std::fs::write(&path, &by_hand).unwrap();
    form["participants"] = "30".into();
    let (status, answer) = bench.post("report/save", &form);
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("被修改过"),
        "{answer}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), by_hand);
}

#[test]
fn a_new_report_with_photos_becomes_a_bundle_and_is_built() {
    let site = copy_default_site();
    let bench = start_bench(site.path());
    let form = serde_json::json!({
        "version": "new", "title": "工作台测试：读书分享会", "date": "2022-11-03", "kind": "reading",
        "criteria": ["18", "18.2"], "offices": ["机关工会"], "participants": "21",
        "body": "本网讯 读书分享会在职工书屋举行。",
    });
    // An unknown criterion is an error next to its field, and nothing is written.
    let mut bad = form.clone();
    bad["criteria"] = serde_json::json!(["99"]);
    let (status, answer) = bench.post("report/save", &bad);
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["field"] == "criteria" && m["error"] == true),
        "{answer}"
    );
    let reports = site.path().join("content/reports");
    let count = || std::fs::read_dir(&reports).unwrap().count();
    let before = count();

    let (status, answer) = bench.post("report/save", &form);
    assert_eq!(status, 200, "{answer}");
    let rel = answer["path"].as_str().unwrap().to_string();
    assert_eq!(
        rel,
        "content/reports/2022-11-03-gong-zuo-tai-ce-shi-du-shu-fen-xiang-hui.md"
    );
    assert_eq!(count(), before + 1);
    let text = std::fs::read_to_string(site.path().join(&rel)).unwrap();
    assert!(text.contains("criteria: [18, \"18.2\"]\n"), "{text}");

    let jpeg = std::fs::read(
        site.path()
            .join("content/reports/2022-09-15-community-service/photo1.jpg"),
    )
    .unwrap();
    let (status, answer) = bench.post_with(
        &format!("report/upload?path={rel}&name=IMG%20001.jpg&kind=photo"),
        &jpeg,
        |h| h.replace("application/json", "image/jpeg"),
    );
    assert_eq!(status, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let bundle = "content/reports/2022-11-03-gong-zuo-tai-ce-shi-du-shu-fen-xiang-hui/index.md";
    assert_eq!(answer["path"], bundle);
    assert_eq!(answer["name"], "IMG-001.jpg");
    assert!(!site.path().join(&rel).exists());
    // Not a photo: refused.
    let (status, _) = bench.post_with(
        &format!("report/upload?path={bundle}&name=x.jpg&kind=photo"),
        b"MZ not a photo",
        |h| h,
    );
    assert_eq!(status, 400);

    let mut form = form.clone();
    form["path"] = bundle.into();
    form["version"] = answer["version"].clone();
    form["body"] = "本网讯 读书分享会在职工书屋举行。\n\n![读书分享会现场](IMG-001.jpg)".into();
    let (status, answer) = bench.post("report/save", &form);
    assert_eq!(status, 200, "{answer}");

    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), &out.path().join("public"), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = read(
        &out.path().join("public"),
        "reports/gong-zuo-tai-ce-shi-du-shu-fen-xiang-hui/index.html",
    );
    assert!(page.contains("工作台测试：读书分享会"), "{page}");
    assert!(page.contains("alt=\"读书分享会现场\""), "{page}");
    assert!(out
        .path()
        .join("public/reports/gong-zuo-tai-ce-shi-du-shu-fen-xiang-hui/IMG-001.jpg")
        .exists());
}

#[test]
fn beyond_loopback_the_workbench_is_closed_unless_asked_for() {
    let site = copy_default_site();
    let server = start_with(site.path(), &["--bind", "0.0.0.0"]);
    wait_until(|| server.log().contains("工作台："), "workbench line");
    let log = server.log();
    assert!(log.contains("工作台：已关闭"), "{log}");
    assert!(log.contains("--lan-workbench"), "{log}");
    assert!(!log.contains("?token="), "no address to hand out: {log}");
    let (status, _, body) = get(server.port, "/__wenming/");
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("工作台已关闭"));
    drop(server);

    let server = start_with(site.path(), &["--bind", "0.0.0.0", "--lan-workbench"]);
    wait_until(|| server.log().contains("工作台："), "workbench line");
    let log = server.log();
    assert!(log.contains("?token="), "{log}");
    assert!(log.contains("工作台也对局域网开放"), "{log}");
}
