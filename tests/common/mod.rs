//! Helpers for the integration tests: fixture sites in temp dirs, running
//! the real binary, reading the generated pages.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the default site (the repository root's site files).
pub fn copy_default_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for part in ["site.yaml", "data", "content", "static"] {
        copy_tree(&repo_root().join(part), &dir.path().join(part));
    }
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    if from.is_file() {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
        return;
    }
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A report file with front matter `front` (without the `---` lines).
pub fn report(root: &Path, name: &str, front: &str, body: &str) {
    write(
        root,
        &format!("content/reports/{name}"),
        &format!("---\n{front}\n---\n{body}\n"),
    );
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn wenming(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_wenming"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn build(root: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    wenming(&args)
}

pub fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A minimal valid site: two categories, three criteria, one kind.
pub fn minimal_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "site.yaml", "title: 文明创建专题专栏\nunit: 测试单位\nbase_url: https://t.example.gov.cn/sub/path/\nas_of: 2022-11-30\nper_page: 2\ncampaign: { start: 2022-08-01, end: 2022-12-31 }\nkinds:\n  - { id: volunteer, name: 志愿服务 }\n  - { id: news, name: 创建动态 }\n");
    write(
        root,
        "data/criteria.yaml",
        r#"name: 测试分解表
document: 测试〔2022〕1号
total: 10
offices: [办公室, 机关党委]
categories:
  - id: 1
    name: 第一类
    points: 6
    criteria:
      - id: 1
        offices: [办公室]
        items:
          - { points: 2, text: 甲项 }
          - { points: 2, text: 乙项 }
      - id: 2
        offices: [各处室]
        items:
          - { points: 2, text: 丙项 }
  - id: 2
    name: 第二类
    points: 4
    criteria:
      - id: 3
        offices: [机关党委]
        items:
          - { points: 2, text: 丁项 }
          - { points: 2, text: 戊项 }
        checks:
          - { name: 注册志愿者比例, numerator: volunteers, denominator: staff, min: 0.5 }
bonus:
  name: 特色加分项目
  cap: 3
  window: { from: 2021-01-01, to: 2022-12-31 }
  levels: { national: 2, provincial: 1 }
"#,
    );
    write(root, "data/ledger.yaml", "\"1.1\": { deadline: 2022-10-01, status: done, score: 2 }\n\"1.2\": { deadline: 2022-10-01, status: doing, score: 1 }\n3: { status: 已完成, score: 1.5 }\n");
    write(root, "data/indicators.yaml", "staff: 10\nvolunteers: 4\n");
    write(root, "data/honors.yaml", "- { name: 国家级荣誉, level: national, date: 2022-01-01 }\n- { name: 省级荣誉, level: provincial, date: 2022-02-01 }\n- { name: 省级荣誉二, level: provincial, date: 2022-03-01 }\n- { name: 过期荣誉, level: national, date: 2019-03-01 }\n");
    dir
}
