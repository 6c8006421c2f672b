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
