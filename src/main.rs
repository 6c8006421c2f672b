//! The `wenming` command: parse arguments, call the library, print
//! diagnostics once, pick the exit code (0 ok, 1 site errors, 2 usage).

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use wenming::{build, config, BuildOptions};

#[derive(Parser)]
#[command(
    name = "wenming",
    version,
    about = "文明创建专题专栏生成器",
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 生成网站（默认写入 public/）
    Build {
        /// 站点文件夹
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// 输出文件夹（默认为站点文件夹下的 public）
        #[arg(long)]
        output: Option<PathBuf>,
        /// 覆盖 site.yaml 中的 base_url
        #[arg(long)]
        base_url: Option<String>,
        /// 包含草稿（draft: true）
        #[arg(long)]
        drafts: bool,
        /// 以哪一天判断进度和逾期（YYYY-MM-DD）
        #[arg(long, value_parser = parse_date_arg)]
        as_of: Option<chrono::NaiveDate>,
        /// 不生成全文搜索索引（更快，搜索页只提供分类浏览）
        #[arg(long)]
        no_search: bool,
    },
    /// 只检查，不写任何文件
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, value_parser = parse_date_arg)]
        as_of: Option<chrono::NaiveDate>,
        /// 列出报道和页面中所有指向外部网站的链接（不影响检查结果）
        #[arg(long)]
        external: bool,
    },
    /// 本地预览：生成并在浏览器中查看，修改文件后自动刷新
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// 监听地址（默认只允许本机访问）
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        #[arg(long, default_value_t = 1111)]
        port: u16,
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        drafts: bool,
        #[arg(long, value_parser = parse_date_arg)]
        as_of: Option<chrono::NaiveDate>,
        /// 预览时不生成全文搜索索引（报道很多时启动和更新更快）
        #[arg(long)]
        no_search: bool,
    },
    /// 新建报道等内容
    New {
        #[command(subcommand)]
        what: NewWhat,
    },
    /// 以默认示例新建一个站点
    Init {
        /// 新站点的文件夹（须不存在或为空）
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum NewWhat {
    /// 新建一篇活动报道：wenming new report "标题" --kind volunteer
    Report {
        title: String,
        /// 活动类别编号（见 site.yaml 的 kinds）
        #[arg(long)]
        kind: String,
        /// 活动日期，默认今天
        #[arg(long, value_parser = parse_date_arg)]
        date: Option<chrono::NaiveDate>,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

fn parse_date_arg(s: &str) -> Result<chrono::NaiveDate, String> {
    config::parse_date(s).ok_or_else(|| format!("日期 “{s}” 无效，请写成 2022-12-31 的格式"))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let mut list_external = false;
    let opts = match cli.command {
        Command::Serve {
            root,
            bind,
            port,
            base_url,
            drafts,
            as_of,
            no_search,
        } => {
            let build = BuildOptions {
                output: root.join("public"),
                root,
                overrides: config::Overrides { base_url, as_of },
                drafts,
                write: false,
                search: !no_search,
                process_images: true,
            };
            return match wenming::serve::serve(wenming::serve::ServeOptions { build, bind, port }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("错误：{e:#}");
                    ExitCode::from(1)
                }
            };
        }
        Command::New {
            what:
                NewWhat::Report {
                    title,
                    kind,
                    date,
                    root,
                },
        } => {
            let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
            return match wenming::scaffold::new_report(&root, &title, &kind, date) {
                Ok(path) => {
                    println!("{}", path.display());
                    eprintln!("已新建报道，请打开上面的文件填写正文");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("错误：{e:#}");
                    ExitCode::from(1)
                }
            };
        }
        Command::Init { dir } => {
            return match wenming::scaffold::init(&dir) {
                Ok(n) => {
                    eprintln!(
                        "已在 {} 新建站点（{n} 个文件）。下一步：cd {} 后运行 wenming serve 预览",
                        dir.display(),
                        dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("错误：{e:#}");
                    ExitCode::from(1)
                }
            };
        }
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            as_of,
            no_search,
        } => BuildOptions {
            search: !no_search,
            process_images: true,
            output: output.unwrap_or_else(|| root.join("public")),
            root,
            overrides: config::Overrides { base_url, as_of },
            drafts,
            write: true,
        },
        Command::Check {
            root,
            as_of,
            external,
        } => {
            list_external = external;
            BuildOptions {
                search: false,
                process_images: false,
                output: root.join("public"),
                root,
                overrides: config::Overrides {
                    base_url: None,
                    as_of,
                },
                drafts: false,
                write: false,
            }
        }
    };
    let report = build(&opts);
    if list_external {
        println!(
            "外部链接（{} 个；列出供人工核对，不会自动访问）：",
            report.external.len()
        );
        for (path, url) in &report.external {
            println!("{path}: {url}");
        }
    }
    for d in report.diagnostics.sorted() {
        eprintln!("{d}");
    }
    if let Some(fatal) = &report.fatal {
        eprintln!("错误：{fatal}");
    }
    eprintln!("{}", report.summary());
    exit_now(if report.ok() { 0 } else { 1 })
}

/// End the process without the allocator's tidy-up: at exit mimalloc hands
/// every freed page back to the system one `madvise` at a time (2–3 ms of a
/// 200 ms rebuild), which the exit itself does anyway. Everything the
/// build writes is closed by now; only the standard streams need flushing.
fn exit_now(code: u8) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(target_os = "linux")]
    // SAFETY: `_exit` ends the process at once; no Rust code runs after it,
    // so nothing can observe state the skipped destructors would have tidied.
    unsafe {
        libc::_exit(i32::from(code))
    }
    #[cfg(not(target_os = "linux"))]
    ExitCode::from(code)
}

// glibc's allocator spends a large share of a big build freeing template
// contexts across threads and holds on to fragmented memory; mimalloc does
// neither.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
