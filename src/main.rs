//! The `wenming` command: parse arguments, call the library, print
//! diagnostics once, pick the exit code (0 ok, 1 site errors, 2 usage).

mod cli;

use cli::{Command, NewWhat, Parsed};
use std::process::ExitCode;
use wenming::{build, config, BuildOptions};

fn main() -> ExitCode {
    // No arguments at all: a double-click in Explorer (see launch.rs).
    if std::env::args_os().len() <= 1 {
        return wenming::serve::launch::run();
    }
    let cli = match cli::parse(std::env::args_os()) {
        Parsed::Run(cli) => cli,
        Parsed::Exit { text, code } => {
            if code == 0 {
                println!("{}", text.trim_end());
            } else {
                eprintln!("{text}");
            }
            return ExitCode::from(code);
        }
    };
    let mut list_external = false;
    let opts = match cli.command {
        Command::Serve {
            root,
            bind,
            port,
            site,
            no_search,
            lan_workbench,
        } => {
            let build = BuildOptions::preview(root, site.overrides(), site.drafts, !no_search);
            let opts = wenming::serve::ServeOptions {
                build,
                bind,
                port,
                next_free_port: false,
                lan_workbench,
                on_listening: None,
            };
            return match wenming::serve::serve(opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("错误：{}", wenming::explain(&e));
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
                    eprintln!("错误：{}", wenming::explain(&e));
                    ExitCode::from(1)
                }
            };
        }
        Command::Import {
            files,
            kind,
            date,
            root,
        } => {
            let opts = wenming::import::ImportOptions {
                root,
                files,
                kind,
                date,
            };
            return ExitCode::from(wenming::import::run(&opts));
        }
        Command::Publish {
            root,
            to,
            base_url,
            as_of,
        } => {
            let opts = wenming::publish::PublishOptions {
                root,
                to,
                overrides: config::Overrides { base_url, as_of },
            };
            return ExitCode::from(wenming::publish::run(&opts));
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
                    eprintln!("错误：{}", wenming::explain(&e));
                    ExitCode::from(1)
                }
            };
        }
        Command::Build {
            root,
            output,
            site,
            no_search,
        } => BuildOptions {
            search: !no_search,
            process_images: true,
            output: output.unwrap_or_else(|| root.join("public")),
            root,
            overrides: site.overrides(),
            drafts: site.drafts,
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
    for line in report.message_lines() {
        eprintln!("{line}");
    }
    eprintln!("{}", report.summary());
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

// glibc's allocator spends a large share of a big build freeing template
// contexts across threads and holds on to fragmented memory; mimalloc does
// neither.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
