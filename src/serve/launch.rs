//! The double-click start: `wenming` with no arguments, as Explorer starts
//! it (issue #21). An office user has no command line to type, so this
//! finds the site itself, runs what `wenming serve` runs, opens the
//! browser on it, and says in Chinese what is running and how to stop.
//! Explorer closes the console window the moment the program ends, so an
//! error here waits for Enter before it does.
//!
//! The site is the first folder holding a `site.yaml` of: the current
//! folder; the folder the program sits in; its `站点` subfolder (where the
//! release packages put the example site), or the only subfolder holding
//! a site (a renamed `站点`); else the folder the user types or pastes.

use super::{serve, ServeOptions};
use crate::session::BuildOptions;
use anyhow::{anyhow, Result};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The site folder beside the program in the release packages.
pub const SITE_FOLDER: &str = "站点";

/// `WENMING_NO_BROWSER=1` starts no browser (tests, and machines where
/// one would be in the way).
const NO_BROWSER: &str = "WENMING_NO_BROWSER";

/// Run the double-click start; returns only when the preview stops or on
/// an error (exit status 1, as for `wenming serve`).
pub fn run() -> ExitCode {
    eprintln!(
        "wenming {} 文明创建专题专栏生成器",
        env!("CARGO_PKG_VERSION")
    );
    let message = match std::panic::catch_unwind(start) {
        Ok(Ok(())) => return ExitCode::SUCCESS,
        Ok(Err(e)) => format!("错误：{}", crate::fs::explain(&e)),
        // The panic's own text is above; this says what to do with it.
        Err(_) => "错误：程序意外出错。请把这个窗口里的文字截图发给技术人员。".to_string(),
    };
    eprintln!("{message}");
    if crate::fs::console_closes_on_exit() {
        eprintln!("按回车键关闭窗口");
        let mut line = Vec::new();
        let _ = std::io::stdin().lock().read_until(b'\n', &mut line);
    }
    ExitCode::from(1)
}

fn start() -> Result<()> {
    let cwd = std::env::current_dir().ok();
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let root = match find_site(cwd.as_deref(), exe_dir.as_deref()) {
        Some(root) => root,
        None => {
            eprintln!("没有在当前文件夹和程序所在的文件夹找到站点（放有 site.yaml 的文件夹）。");
            if exe_dir.as_deref().is_some_and(in_temp_folder) {
                // Explorer runs a program double-clicked inside a zip from
                // a temporary folder, without the files beside it.
                eprintln!("如果是在压缩包里直接双击的 wenming.exe，请先关闭这个窗口，把压缩包全部解压（右键压缩包 → 全部解压缩），再双击解压出来的 wenming.exe。");
            }
            let mut stderr = std::io::stderr();
            ask_for_site(&mut std::io::stdin().lock(), &mut stderr)
                .ok_or_else(|| anyhow!("没有得到站点文件夹，预览没有启动"))?
        }
    };
    eprintln!("站点文件夹：{}", crate::fs::display(&root));
    eprintln!("正在生成预览……");
    let build = BuildOptions::preview(root, Default::default(), false, true);
    serve(ServeOptions {
        build,
        bind: "127.0.0.1".to_string(),
        port: 1111,
        next_free_port: true,
        lan_workbench: false,
        on_listening: Some(Box::new(announce)),
    })
}

/// Once the preview answers: the browser on the workbench (which links to
/// the preview), and what the window is for.
fn announce(_preview: &str, workbench: &str) {
    let wanted = std::env::var_os(NO_BROWSER).is_none_or(|v| v.is_empty() || v == "0");
    if wanted && crate::fs::open_browser(workbench) {
        eprintln!("已在浏览器中打开工作台；如果没有打开，请把上面“工作台”后面的网址复制到浏览器的地址栏。");
    } else {
        eprintln!("请在浏览器中打开上面的网址。");
    }
    eprintln!("wenming 正在运行本机预览（只有这台电脑能打开）。要停止，关闭这个窗口或按 Ctrl+C。");
}

/// The first folder that holds a site: `cwd`, `exe_dir`, its `站点`
/// subfolder, or its only subfolder holding a site.
pub fn find_site(cwd: Option<&Path>, exe_dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(cwd) = cwd.filter(|d| is_site(d)) {
        return Some(cwd.to_path_buf());
    }
    let exe_dir = exe_dir?;
    if is_site(exe_dir) {
        return Some(exe_dir.to_path_buf());
    }
    let named = exe_dir.join(SITE_FOLDER);
    if is_site(&named) {
        return Some(named);
    }
    let mut sites = std::fs::read_dir(exe_dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_site(p));
    match (sites.next(), sites.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

fn is_site(dir: &Path) -> bool {
    dir.join("site.yaml").is_file()
}

fn in_temp_folder(dir: &Path) -> bool {
    let temp = std::env::temp_dir();
    let temp = temp.canonicalize().unwrap_or(temp);
    dir.canonicalize().is_ok_and(|d| d.starts_with(&temp))
}

/// Ask for the site folder until one is given (`None` at the end of the
/// input). Takes a path as Explorer's "复制文件地址" pastes it (in quotes),
/// as dragging the folder into the window types it, or the site.yaml
/// file's own path.
pub fn ask_for_site(input: &mut impl BufRead, out: &mut impl Write) -> Option<PathBuf> {
    let _ = writeln!(
        out,
        "请输入站点文件夹的位置后按回车。可以把站点文件夹从资源管理器拖进这个窗口，\n或在资源管理器里右键站点文件夹，选“复制文件地址”，再在这里右键粘贴。"
    );
    loop {
        let _ = write!(out, "站点文件夹：");
        let _ = out.flush();
        let mut line = Vec::new();
        match input.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => {
                let _ = writeln!(out);
                return None;
            }
            Ok(_) => {}
        }
        let line = String::from_utf8_lossy(&line);
        let given = unquote(&line);
        if given.is_empty() {
            continue;
        }
        let path = PathBuf::from(given);
        let path = match path.file_name() {
            Some(name) if name == "site.yaml" && path.is_file() => {
                path.parent().map(Path::to_path_buf).unwrap_or(path)
            }
            _ => path,
        };
        if is_site(&path) {
            return Some(path);
        }
        let why = if !path.exists() {
            "没有这个文件夹"
        } else if !path.is_dir() {
            "这不是文件夹"
        } else {
            "这个文件夹里没有 site.yaml，不是站点文件夹"
        };
        let _ = writeln!(out, "“{given}”：{why}。请重新输入。");
    }
}

/// A pasted path without its spaces, line end and quotes (straight or
/// Chinese, as a path copied from a document may carry).
fn unquote(line: &str) -> &str {
    line.trim().trim_matches(['"', '\'', '“', '”']).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("site.yaml"), "title: 测试\n").unwrap();
    }

    #[test]
    fn finds_the_site_where_a_double_click_puts_it() {
        let tmp = tempfile::tempdir().unwrap();
        let (cwd, exe) = (tmp.path().join("cwd"), tmp.path().join("包"));
        std::fs::create_dir_all(&cwd).unwrap();
        std::fs::create_dir_all(exe.join("其他")).unwrap();
        assert_eq!(find_site(Some(&cwd), Some(&exe)), None);
        assert_eq!(find_site(None, None), None);

        // The only subfolder with a site (a renamed 站点) …
        site(&exe.join("我单位专栏"));
        assert_eq!(
            find_site(Some(&cwd), Some(&exe)),
            Some(exe.join("我单位专栏"))
        );
        // … unless there are two: which one is for the user to say.
        site(&exe.join("另一个"));
        assert_eq!(find_site(Some(&cwd), Some(&exe)), None);
        // 站点 wins among several, the program's own folder over 站点,
        // and the current folder over all.
        site(&exe.join(SITE_FOLDER));
        assert_eq!(
            find_site(Some(&cwd), Some(&exe)),
            Some(exe.join(SITE_FOLDER))
        );
        site(&exe);
        assert_eq!(find_site(Some(&cwd), Some(&exe)), Some(exe.clone()));
        site(&cwd);
        assert_eq!(find_site(Some(&cwd), Some(&exe)), Some(cwd.clone()));
    }

    #[test]
    fn asks_until_a_site_folder_is_given() {
        let tmp = tempfile::tempdir().unwrap();
        let good = tmp.path().join("专栏 站点");
        site(&good);
        let file = tmp.path().join("a.txt");
        std::fs::write(&file, "").unwrap();
        let input = format!(
            "\n{}\n  {}\r\n{}\n\"{}\"\r\n",
            tmp.path().join("没有").display(),
            file.display(),
            tmp.path().display(),
            good.display()
        );
        let mut out = Vec::new();
        let got = ask_for_site(&mut input.as_bytes(), &mut out);
        assert_eq!(got, Some(good.clone()));
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("请输入站点文件夹的位置"), "{out}");
        assert!(out.contains("没有这个文件夹。请重新输入"), "{out}");
        assert!(out.contains("这不是文件夹"), "{out}");
        assert!(out.contains("不是站点文件夹"), "{out}");
        assert_eq!(out.matches("站点文件夹：").count(), 5, "{out}");

        // Its site.yaml, dragged in, stands for the folder.
        let input = format!("'{}'\n", good.join("site.yaml").display());
        assert_eq!(
            ask_for_site(&mut input.as_bytes(), &mut Vec::new()),
            Some(good)
        );
        // The end of the input (a closed window, stdin at its end) is no answer.
        assert_eq!(
            ask_for_site(&mut "nowhere\n".as_bytes(), &mut Vec::new()),
            None
        );
    }

    #[test]
    fn pasted_paths_lose_quotes_and_spaces() {
        assert_eq!(unquote("  \"D:\\专栏\\站点\"\r\n"), "D:\\专栏\\站点");
        assert_eq!(unquote("'/home/u/我的 站点'\n"), "/home/u/我的 站点");
        assert_eq!(unquote("“D:\\专栏”"), "D:\\专栏");
        assert_eq!(unquote(" \n"), "");
    }
}
