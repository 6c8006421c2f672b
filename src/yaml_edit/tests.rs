//! Edits of small documents, each compared to the text a person would
//! write; the real data files are in `prop_tests.rs`.

use super::*;
use Key::{Index as I, Map as K};

fn s(v: &str) -> NewValue {
    NewValue::str(v)
}

fn date(y: i32, m: u32, d: u32) -> NewValue {
    NewValue::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

#[track_caller]
fn check_set(text: &str, path: &[Key], value: NewValue, want: &str) {
    let got = set(text, path, &value).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got, want);
}

#[test]
fn replaces_scalars_in_block_and_flow_mappings() {
    check_set(
        "a: 1 # c\nb: x\n",
        &[K("a")],
        NewValue::Int(2),
        "a: 2 # c\nb: x\n",
    );
    check_set(
        "\"1.1\": { status: done, score: 2, note: x }\n",
        &[K("1.1"), K("score")],
        NewValue::Float(1.5),
        "\"1.1\": { status: done, score: 1.5, note: x }\n",
    );
    check_set("a: 'old'\n", &[K("a")], s("新"), "a: 新\n");
    check_set("a: \"x\"  # c\n", &[K("a")], s("y"), "a: y  # c\n");
    check_set("a: b\n", &[K("a")], NewValue::Bool(true), "a: true\n");
    check_set("a: b\n", &[K("a")], NewValue::Null, "a: null\n");
    check_set("a: b\n", &[K("a")], date(2022, 10, 31), "a: 2022-10-31\n");
}

#[test]
fn fills_an_empty_value() {
    check_set("a:\nb: 1\n", &[K("a")], s("x"), "a: x\nb: 1\n");
    check_set("a:   # c\n", &[K("a")], s("x"), "a: x   # c\n");
    check_set(
        "{ a: , b: 1 }\n",
        &[K("a")],
        NewValue::Int(3),
        "{ a: 3, b: 1 }\n",
    );
    check_set("- \n- y\n", &[I(0)], s("x"), "- x\n- y\n");
    check_set("-\n- y\n", &[I(0)], s("x"), "- x\n- y\n");
}

#[test]
fn keeps_lined_up_columns() {
    let text = "\
\"3.1\": { status: doing, score: 1.5, note: a }
\"4.1\": { status: done,  score: 2,   note: b }
";
    check_set(
        text,
        &[K("3.1"), K("score")],
        NewValue::Int(2),
        "\
\"3.1\": { status: doing, score: 2,   note: a }
\"4.1\": { status: done,  score: 2,   note: b }
",
    );
    check_set(
        text,
        &[K("4.1"), K("status")],
        s("doing"),
        "\
\"3.1\": { status: doing, score: 1.5, note: a }
\"4.1\": { status: doing, score: 2,   note: b }
",
    );
    let indicators = "staff: 120      # 员工总数\nparty: 85       # 党员\n";
    check_set(
        indicators,
        &[K("staff")],
        NewValue::Int(1200),
        "staff: 1200     # 员工总数\nparty: 85       # 党员\n",
    );
    // Nothing lined up: nothing padded.
    check_set(
        "{a: 100, b: 2}\n",
        &[K("a")],
        NewValue::Int(1),
        "{a: 1, b: 2}\n",
    );
}

#[test]
fn inserts_keys() {
    check_set(
        "\"4.3\": { status: todo, note: 职业 }   # x\n",
        &[K("4.3"), K("score")],
        NewValue::Int(2),
        "\"4.3\": { status: todo, note: 职业, score: 2 }   # x\n",
    );
    check_set("a: 1\n", &[K("b")], s("x"), "a: 1\nb: x\n");
    check_set("a: 1", &[K("b")], s("x"), "a: 1\nb: x");
    check_set(
        "a:\n  x: 1 # c\n  y:\n    - 1\n# end\n",
        &[K("a"), K("z")],
        NewValue::Int(2),
        "a:\n  x: 1 # c\n  y:\n    - 1\n  z: 2\n# end\n",
    );
    check_set(
        "a: {}\n",
        &[K("a"), K("b")],
        NewValue::Int(1),
        "a: { b: 1 }\n",
    );
    check_set(
        "- a: 1\n- a: 2\n",
        &[I(0), K("b")],
        NewValue::Int(3),
        "- a: 1\n  b: 3\n- a: 2\n",
    );
}

#[test]
fn inserts_parents_and_fills_nulls() {
    check_set(
        "title: x\n",
        &[K("extra"), K("主办")],
        s("机关党委"),
        "title: x\nextra: { 主办: 机关党委 }\n",
    );
    check_set(
        "extra:\ntitle: x\n",
        &[K("extra"), K("主办")],
        s("机关党委"),
        "extra: { 主办: 机关党委 }\ntitle: x\n",
    );
    check_set(
        "# only a comment\n",
        &[K("a")],
        NewValue::Int(1),
        "# only a comment\na: 1\n",
    );
    check_set("", &[K("a")], NewValue::Int(1), "a: 1\n");
}

#[test]
fn lines_up_a_new_key_with_the_others() {
    let text = "\"1.1\":  { a: 1 }\n\"10.1\": { a: 2 }\n";
    check_set(
        text,
        &[K("24.1")],
        NewValue::Map(vec![("status".into(), s("todo"))]),
        "\"1.1\":  { a: 1 }\n\"10.1\": { a: 2 }\n\"24.1\": { status: todo }\n",
    );
    check_set(
        text,
        &[K("9")],
        NewValue::Map(vec![("a".into(), NewValue::Int(3))]),
        "\"1.1\":  { a: 1 }\n\"10.1\": { a: 2 }\n\"9\":    { a: 3 }\n",
    );
}

#[test]
fn block_lists_stay_block_lists() {
    check_set(
        "tags:\n  - a   # c\n  - b\ntitle: t\n",
        &[K("tags")],
        NewValue::str_list(["x", "1.1"]),
        "tags:\n  - x\n  - \"1.1\"\ntitle: t\n",
    );
    check_set(
        "tags:\n  - a\ntitle: t\n",
        &[K("tags")],
        NewValue::List(vec![]),
        "tags: []\ntitle: t\n",
    );
    check_set(
        "criteria: [16, \"23.2\"]\n",
        &[K("criteria")],
        NewValue::List(vec![NewValue::Int(16), s("1.1")]),
        "criteria: [16, \"1.1\"]\n",
    );
}

#[test]
fn replaces_block_values_after_the_colon() {
    check_set(
        "summary: |\n  多行\n  文字\n\ntitle: t\n",
        &[K("summary")],
        s("一行"),
        "summary: 一行\n\ntitle: t\n",
    );
    check_set(
        "extra:\n  a: 1\nb: 2\n",
        &[K("extra")],
        NewValue::Map(vec![("c".into(), NewValue::Int(3))]),
        "extra: { c: 3 }\nb: 2\n",
    );
    check_set("- |\n  x\n- y\n", &[I(0)], s("z"), "- z\n- y\n");
}

#[test]
fn quotes_what_would_read_otherwise() {
    for (value, written) in [
        ("yes", "\"yes\""),
        ("No", "\"No\""),
        ("on", "\"on\""),
        ("null", "\"null\""),
        ("~", "\"~\""),
        ("1.1", "\"1.1\""),
        ("16", "\"16\""),
        ("1e3", "\"1e3\""),
        ("0x1F", "\"0x1F\""),
        ("2022-10-31", "\"2022-10-31\""),
        (" 前后有空格 ", "\" 前后有空格 \""),
        ("a: b", "\"a: b\""),
        ("学习 #二十大", "\"学习 #二十大\""),
        ("[x]", "\"[x]\""),
        ("a, b", "\"a, b\""),
        ("-x", "\"-x\""),
        ("? x", "\"? x\""),
        ("&a", "\"&a\""),
        ("*a", "\"*a\""),
        ("!t", "\"!t\""),
        ("|", "\"|\""),
        ("'q'", "\"'q'\""),
        ("\"q\"", "\"\\\"q\\\"\""),
        ("%x", "\"%x\""),
        ("@x", "\"@x\""),
        ("`x`", "\"`x`\""),
        ("end:", "\"end:\""),
        ("", "\"\""),
        ("a\nb", "\"a\\nb\""),
        ("tab\there", "\"tab\\there\""),
        ("bell\u{7}", "\"bell\\a\""),
        ("del\u{7f}", "\"del\\x7F\""),
        ("全角\u{3000}空格", "\"全角\u{3000}空格\""),
        ("back\\slash", "back\\slash"),
        (
            "党委（示例）：第一阶段，完成",
            "党委（示例）：第一阶段，完成",
        ),
        ("12月完成", "12月完成"),
        ("it's", "it's"),
        ("a#b", "a#b"),
        ("http://x.cn/a", "http://x.cn/a"),
    ] {
        let got = set("k: v\n", &[K("k")], &s(value)).unwrap();
        assert_eq!(got, format!("k: {written}\n"), "{value:?}");
    }
}

#[test]
fn removes_entries_with_their_lines() {
    let r = |text: &str, path: &[Key]| remove(text, path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        r("a: 1 # c\nb:\n  - x\nc: 3\n", &[K("b")]),
        "a: 1 # c\nc: 3\n"
    );
    assert_eq!(r("a: 1\nb: 2", &[K("b")]), "a: 1\n");
    assert_eq!(
        r("x: { a: 1, b: 2, c: 3 }\n", &[K("x"), K("b")]),
        "x: { a: 1, c: 3 }\n"
    );
    assert_eq!(r("x: { a: 1, b: 2 }\n", &[K("x"), K("b")]), "x: { a: 1 }\n");
    assert_eq!(r("x: { a: 1 }\n", &[K("x"), K("a")]), "x: {}\n");
    assert_eq!(r("x:\n  a: 1\ny: 2\n", &[K("x"), K("a")]), "x: {}\ny: 2\n");
    assert_eq!(r("- a: 1\n  b: 2\n", &[I(0), K("a")]), "- b: 2\n");
    assert_eq!(r("- x\n- y  # c\n- z\n", &[I(1)]), "- x\n- z\n");
    assert_eq!(r("t: [a, b, c]\n", &[K("t"), I(0)]), "t: [b, c]\n");
    // Not there: no change.
    assert_eq!(r("a: 1\n", &[K("b")]), "a: 1\n");
    assert_eq!(r("a: 1\n", &[K("b"), K("c")]), "a: 1\n");
    assert_eq!(r("a: [1]\n", &[K("a"), I(3)]), "a: [1]\n");
}

#[test]
fn appends_to_lists() {
    let a = |text: &str, path: &[Key], v: NewValue| {
        append(text, path, &v).unwrap_or_else(|e| panic!("{e}"))
    };
    let honor = NewValue::Map(vec![
        ("name".into(), s("荣誉（示例）")),
        ("level".into(), s("provincial")),
        ("date".into(), date(2022, 5, 4)),
    ]);
    assert_eq!(
        a("# c\n- { name: a }   # x\n", &[], honor.clone()),
        "# c\n- { name: a }   # x\n- { name: 荣誉（示例）, level: provincial, date: 2022-05-04 }\n"
    );
    assert_eq!(a("# 荣誉\n", &[], s("x")), "# 荣誉\n- x\n");
    assert_eq!(a("t: [a]\n", &[K("t")], s("b")), "t: [a, b]\n");
    assert_eq!(a("t: []\n", &[K("t")], s("b")), "t: [b]\n");
    assert_eq!(a("t:\n", &[K("t")], s("b")), "t: [b]\n");
    assert_eq!(a("x: 1\n", &[K("t")], s("b")), "x: 1\nt: [b]\n");
    assert_eq!(
        a("t:\n  - a\nx: 1\n", &[K("t")], s("b")),
        "t:\n  - a\n  - b\nx: 1\n"
    );
    assert_eq!(a("t:\n- a\n", &[K("t")], s("b")), "t:\n- a\n- b\n");
}

#[test]
fn keeps_crlf_and_bom() {
    let text = "\u{feff}# c\r\na: 1\r\nb: { x: 1 }\r\n";
    assert_eq!(
        set(text, &[K("c")], &NewValue::Int(2)).unwrap(),
        "\u{feff}# c\r\na: 1\r\nb: { x: 1 }\r\nc: 2\r\n"
    );
    assert_eq!(
        set(text, &[K("b"), K("x")], &NewValue::Int(2)).unwrap(),
        "\u{feff}# c\r\na: 1\r\nb: { x: 2 }\r\n"
    );
    assert_eq!(
        remove(text, &[K("a")]).unwrap(),
        "\u{feff}# c\r\nb: { x: 1 }\r\n"
    );
    assert_eq!(
        append("t:\r\n  - a\r\n", &[K("t")], &s("b")).unwrap(),
        "t:\r\n  - a\r\n  - b\r\n"
    );
}

#[test]
fn odd_indentation_is_followed() {
    check_set(
        "a:\n   x: 1\nb: 2\n",
        &[K("a"), K("y")],
        NewValue::Int(2),
        "a:\n   x: 1\n   y: 2\nb: 2\n",
    );
}

#[test]
fn errors_are_chinese_and_located() {
    let e = set("a: 1\nb: [1\nc: 2\n", &[K("a")], &NewValue::Int(2)).unwrap_err();
    let EditError::Syntax { line, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(*line >= 2, "{e:?}");
    assert!(e.to_string().contains("YAML 格式有误"), "{e}");
    assert!(e.to_string().contains("记事本"), "{e}");

    let e = set("a:\n\tb: 1\n", &[K("a")], &NewValue::Int(2)).unwrap_err();
    assert!(matches!(e, EditError::Syntax { line: 2, .. }), "{e:?}");

    let e = set("a: 1\n", &[K("a"), K("b")], &NewValue::Int(2)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "“a” 是单个值，不是“名称: 内容”形式的键值表，无法在其下设置内容；请用记事本检查这一项"
    );
    let e = set("a: [1]\n", &[K("a"), I(4)], &NewValue::Int(2)).unwrap_err();
    assert!(
        e.to_string()
            .contains("“a → 第 5 项” 不存在：这个列表只有 1 项"),
        "{e}"
    );
    let e = append("a: 1\n", &[K("a")], &NewValue::Int(2)).unwrap_err();
    assert!(e.to_string().contains("不是列表"), "{e}");
    let e = set("a: 1\n", &[K("a")], &NewValue::Float(f64::NAN)).unwrap_err();
    assert_eq!(e, EditError::NotFinite);
    let e = set("a: &x 1\nb: *x\n", &[K("a")], &NewValue::Int(2)).unwrap_err();
    assert!(e.to_string().contains("锚点"), "{e}");
    let e = set("a: 1\n---\nb: 2\n", &[K("a")], &NewValue::Int(2)).unwrap_err();
    assert_eq!(e, EditError::MultipleDocuments);
    let e = set("a: 1\na: 2\n", &[K("a")], &NewValue::Int(2)).unwrap_err();
    assert!(e.to_string().contains("重复"), "{e}");
    assert_eq!(
        set("a: 1\n", &[], &NewValue::Int(2)).unwrap_err(),
        EditError::EmptyPath
    );
}

#[test]
fn front_matter_edits_leave_the_body() {
    let md = "\u{feff}---\r\ntitle: 旧标题   # 必填\r\ndate: 2022-09-15\r\ncriteria: [16, \"23.2\"]\r\n---\r\n正文 title: 不是这里\r\n";
    let out = edit_front_matter(md, |y| set(y, &[K("title")], &s("新标题：学习"))).unwrap();
    assert_eq!(
        out,
        "\u{feff}---\r\ntitle: 新标题：学习   # 必填\r\ndate: 2022-09-15\r\ncriteria: [16, \"23.2\"]\r\n---\r\n正文 title: 不是这里\r\n"
    );
    let out = edit_front_matter(md, |y| set(y, &[K("title")], &s("动员会: 部署"))).unwrap();
    assert!(
        out.contains("title: \"动员会: 部署\"   # 必填\r\n"),
        "{out}"
    );
    let out = edit_front_matter(md, |y| {
        set(y, &[K("criteria")], &NewValue::str_list(["1.1", "1.2"]))
    })
    .unwrap();
    assert!(
        out.contains("criteria: [\"1.1\", \"1.2\"]\r\n---\r\n"),
        "{out}"
    );
    let out = edit_front_matter(md, |y| set(y, &[K("draft")], &NewValue::Bool(true))).unwrap();
    assert!(
        out.contains("criteria: [16, \"23.2\"]\r\ndraft: true\r\n---\r\n"),
        "{out}"
    );
    assert_eq!(front_matter("no front matter\n"), None);
    assert_eq!(
        edit_front_matter("x", |y| Ok(y.to_string())).unwrap_err(),
        EditError::NoFrontMatter
    );
    let empty = edit_front_matter("---\n---\nbody\n", |y| set(y, &[K("title")], &s("t")));
    assert_eq!(empty.unwrap(), "---\ntitle: t\n---\nbody\n");
}
