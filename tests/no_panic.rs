//! Property tests: arbitrary bytes fed to every loader a user's file goes
//! through never panic, and anything rejected comes with a located message.
//! `PROPTEST_CASES=200000 cargo test --release --test no_panic` for a long run.

mod common;
use proptest::prelude::*;
use std::path::Path;
use wenming::diagnostic::Diagnostics;
use wenming::source::{self, SourceText};

/// Text that looks like what office staff type: front matter keys, Chinese,
/// full-width punctuation, YAML syntax characters, broken lines.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("---\n".to_string()),
        Just("title: ".to_string()),
        Just("title：".to_string()),
        Just("date: 2022-09-15\n".to_string()),
        Just("date: 2022-02-30\n".to_string()),
        Just("kind: volunteer\n".to_string()),
        Just("criteria: [16, \"23.2\"，32]\n".to_string()),
        Just("offices:\n  - 机关党委\n".to_string()),
        Just("extra: { a: [1, {b: c}] }\n".to_string()),
        Just("\"16.1\": { status: done, score: 3 }\n".to_string()),
        Just("  - { points: 2, text: x }\n".to_string()),
        Just("![图](a.jpg)".to_string()),
        Just("[链接](../b.md#x)".to_string()),
        Just("```yaml\n".to_string()),
        Just("\t".to_string()),
        Just("&anchor *anchor !!binary |\n>".to_string()),
        "[\\u{0}-\\u{ffff}]{0,12}",
        "[一-龥：，。“”]{0,8}",
        "[a-z:\\[\\]{}\"',# \n-]{0,16}",
    ];
    prop::collection::vec(token, 0..24).prop_map(|v| v.concat())
}

fn site_for_reports() -> &'static (wenming::config::Config, wenming::data::Table) {
    static SITE: std::sync::OnceLock<(wenming::config::Config, wenming::data::Table)> =
        std::sync::OnceLock::new();
    SITE.get_or_init(load_site)
}

fn load_site() -> (wenming::config::Config, wenming::data::Table) {
    let root = common::repo_root();
    let mut d = Diagnostics::new();
    let cfg_src = source::read_source(&root, &root.join("site.yaml"), &mut d).unwrap();
    let config = wenming::config::parse(&cfg_src, &Default::default(), &mut d).unwrap();
    let table_src = source::read_source(&root, &root.join("data/criteria.yaml"), &mut d).unwrap();
    let table = wenming::data::parse_table(&table_src, &mut d).unwrap();
    (config, table)
}

fn check_all_loaders(bytes: &[u8], config: &wenming::config::Config, table: &wenming::data::Table) {
    let mut d = Diagnostics::new();
    let Some(text) = source::decode("x.md", bytes, &mut d) else {
        assert!(d.has_errors());
        return;
    };
    let src = SourceText {
        path: "content/reports/x.md".into(),
        text,
    };
    let before = d.error_count();
    let report = wenming::content::parse_report(
        &src,
        Path::new("/site/content/reports/x.md"),
        false,
        config,
        Some(table),
        &mut d,
    );
    if report.is_none() {
        assert!(
            d.error_count() > before,
            "rejected without a message: {:?}",
            src.text
        );
    }
    let _ = wenming::data::parse_ledger(&src, table, &mut d);
    let _ = wenming::data::parse_table(&src, &mut d);
    let _ = wenming::data::parse_indicators(&src, table, &mut d);
    let _ = wenming::data::parse_honors(&src, table, &mut d);
    let _ = wenming::config::parse(&src, &Default::default(), &mut d);
    for diag in d.sorted().into_iter().filter(|x| x.path == src.path) {
        // Every message is printable and points inside the text (or at the whole file).
        let lines = src.text.lines().count().max(1) + 1;
        assert!(
            diag.line <= lines + 1,
            "line {} beyond {lines}: {diag}",
            diag.line
        );
    }
}

proptest! {
    // PROPTEST_CASES raises the count for a long run; 1000 keeps `cargo test` quick.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let (config, table) = site_for_reports();
        check_all_loaders(&bytes, config, table);
    }

    #[test]
    fn yaml_like_text_never_panics(text in yamlish()) {
        let (config, table) = site_for_reports();
        check_all_loaders(text.as_bytes(), config, table);
        let mut with_fm = String::from("---\n");
        with_fm.push_str(&text);
        with_fm.push_str("\n---\n正文");
        check_all_loaders(with_fm.as_bytes(), config, table);
    }
}

/// Values that have made loaders or the scoring misbehave, or could.
const ODD_VALUES: &[&str] = &[
    "-1",
    "-2",
    ".nan",
    ".NaN",
    ".inf",
    "-.inf",
    "1e308",
    "1e999",
    "-0",
    "0",
    "0.0000001",
    "99999999999999999999",
    "4294967296",
    "\"x\"",
    "",
    "[]",
    "{}",
    "~",
    "true",
    "二",
    "2022-02-30",
];

/// The spans of the numbers in `text` (digits, with a sign or point).
fn number_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
            let mut end = i;
            while end < b.len() && (b[end].is_ascii_digit() || b[end] == b'.') {
                end += 1;
            }
            spans.push(start..end);
            i = end;
        } else {
            i += 1;
        }
    }
    spans
}

/// The default site's `file` with some of its numbers replaced by odd
/// values, and maybe one line dropped or written twice.
fn mutated(text: &str, picks: &[(usize, usize)], line_op: Option<(usize, bool)>) -> String {
    let spans = number_spans(text);
    let mut chosen: Vec<(std::ops::Range<usize>, &str)> = picks
        .iter()
        .map(|(n, v)| {
            (
                spans[n % spans.len()].clone(),
                ODD_VALUES[v % ODD_VALUES.len()],
            )
        })
        .collect();
    chosen.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    chosen.dedup_by_key(|(r, _)| r.start);
    let mut out = text.to_string();
    for (range, value) in chosen {
        out.replace_range(range, value);
    }
    if let Some((line, twice)) = line_op {
        let mut lines: Vec<&str> = out.lines().collect();
        let at = line % lines.len().max(1);
        if twice {
            lines.insert(at, lines[at]);
        } else {
            lines.remove(at);
        }
        out = lines.join("\n");
    }
    out
}

/// A copy of the default site to mutate, made once per test thread.
fn scratch_site() -> &'static Path {
    static SITE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    SITE.get_or_init(common::copy_default_site).path()
}

const DATA_FILES: &[&str] = &[
    "site.yaml",
    "data/criteria.yaml",
    "data/ledger.yaml",
    "data/indicators.yaml",
    "data/honors.yaml",
];

/// `wenming check` of the default site with `file` replaced: never a panic,
/// and a site refused is refused with a message.
fn check_with(file: &str, text: &str) {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let root = scratch_site();
    let original = std::fs::read_to_string(common::repo_root().join(file)).unwrap();
    std::fs::write(root.join(file), text).unwrap();
    let opts = wenming::BuildOptions {
        root: root.to_path_buf(),
        output: root.join("public"),
        overrides: Default::default(),
        drafts: false,
        write: false,
        search: false,
        process_images: false,
    };
    let report = std::panic::catch_unwind(|| wenming::build(&opts));
    std::fs::write(root.join(file), original).unwrap();
    let report = report.unwrap_or_else(|_| panic!("panicked on {file}:\n{text}"));
    if !report.ok() {
        assert!(
            report.diagnostics.has_errors() || report.fatal.is_some(),
            "refused without a message"
        );
    }
    let summary = report.summary();
    assert!(
        !summary.contains("NaN") && !summary.contains("inf"),
        "{summary}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(120),
        ..ProptestConfig::default()
    })]

    /// Numbers of all four data files and of site.yaml replaced by odd
    /// values (negative, NaN, infinite, huge, not numbers), lines dropped
    /// or doubled: the whole check runs, scoring included, without a panic.
    #[test]
    fn odd_numbers_in_any_data_file_never_panic(
        file in 0..DATA_FILES.len(),
        picks in prop::collection::vec((any::<usize>(), any::<usize>()), 1..4),
        line_op in prop::option::of((any::<usize>(), any::<bool>())),
    ) {
        let file = DATA_FILES[file];
        let text = std::fs::read_to_string(common::repo_root().join(file)).unwrap();
        check_with(file, &mutated(&text, &picks, line_op));
    }
}

#[test]
fn each_odd_value_in_each_amount_of_the_table_never_panics() {
    let file = "data/criteria.yaml";
    let text = std::fs::read_to_string(common::repo_root().join(file)).unwrap();
    // The first item's points, the first category's, the total, the cap.
    for (from, key) in [
        ("{ points: ", "first item"),
        ("points: ", "category"),
        ("total: ", "total"),
        ("cap: ", "cap"),
    ] {
        let at = text.find(from).unwrap_or_else(|| panic!("{key}")) + from.len();
        let end = at + text[at..].find([',', '\n', ' ']).unwrap();
        for value in ODD_VALUES {
            let mut t = text.clone();
            t.replace_range(at..end, value);
            check_with(file, &t);
        }
    }
}
