//! The command line: clap definitions, with help and every error in
//! Chinese (clap writes English, and the office reads Chinese only).

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "wenming",
    version,
    about = "文明创建专题专栏生成器",
    disable_help_subcommand = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub struct Cli {
    #[arg(short = 'h', long = "help", action = ArgAction::Help, global = true, help = "显示帮助")]
    help: Option<bool>,
    #[arg(short = 'V', long = "version", action = ArgAction::Version, help = "显示版本")]
    version: Option<bool>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// 生成网站（默认写入站点文件夹下的 public）
    Build {
        /// 站点文件夹（默认为当前文件夹）
        #[arg(long, default_value = ".", value_name = "文件夹")]
        root: PathBuf,
        /// 输出文件夹（默认为站点文件夹下的 public）
        #[arg(long, value_name = "文件夹")]
        output: Option<PathBuf>,
        #[command(flatten)]
        site: SiteArgs,
        /// 不生成全文搜索索引（更快，搜索页只提供分类浏览）
        #[arg(long)]
        no_search: bool,
    },
    /// 只检查，不写任何文件
    Check {
        /// 站点文件夹（默认为当前文件夹）
        #[arg(long, default_value = ".", value_name = "文件夹")]
        root: PathBuf,
        /// 以哪一天判断进度和逾期（YYYY-MM-DD）
        #[arg(long, value_parser = parse_date_arg, value_name = "日期")]
        as_of: Option<chrono::NaiveDate>,
        /// 列出报道和页面中所有指向外部网站的链接（不影响检查结果）
        #[arg(long)]
        external: bool,
    },
    /// 本地预览：生成并在浏览器中查看，修改文件后自动刷新
    Serve {
        /// 站点文件夹（默认为当前文件夹）
        #[arg(long, default_value = ".", value_name = "文件夹")]
        root: PathBuf,
        /// 监听地址（默认 127.0.0.1，只允许本机访问）
        #[arg(long, default_value = "127.0.0.1", value_name = "地址")]
        bind: String,
        /// 端口（默认 1111）
        #[arg(long, default_value_t = 1111, value_name = "端口")]
        port: u16,
        #[command(flatten)]
        site: SiteArgs,
        /// 预览时不生成全文搜索索引（报道很多时启动和更新更快）
        #[arg(long)]
        no_search: bool,
        /// 监听地址不是本机时仍然开放工作台（局域网内知道网址的人都能修改站点，慎用）
        #[arg(long)]
        lan_workbench: bool,
    },
    /// 新建报道等内容
    New {
        #[command(subcommand)]
        what: NewWhat,
    },
    /// 把 Word 文档（.docx）导入为报道，照片一并取出
    Import {
        /// 要导入的 .docx 文件（可以一次写多个）
        #[arg(value_name = "文件", required = true)]
        files: Vec<PathBuf>,
        /// 活动类别编号（见 site.yaml 的 kinds）；不写时导入后再补
        #[arg(long, value_name = "类别")]
        kind: Option<String>,
        /// 活动日期；不写时从文档里找，找不到用今天并提示
        #[arg(long, value_parser = parse_date_arg, value_name = "日期")]
        date: Option<chrono::NaiveDate>,
        /// 站点文件夹（默认为当前文件夹）
        #[arg(long, default_value = ".", value_name = "文件夹")]
        root: PathBuf,
    },
    /// 生成网站并打成上传用的压缩包（全量包和增量包）
    Publish {
        /// 站点文件夹（默认为当前文件夹）
        #[arg(long, default_value = ".", value_name = "文件夹")]
        root: PathBuf,
        /// 另外把压缩包复制到这个文件夹（如 U 盘、共享文件夹）
        #[arg(long, value_name = "文件夹")]
        to: Option<PathBuf>,
        /// 覆盖 site.yaml 中的 base_url
        #[arg(long, value_name = "网址")]
        base_url: Option<String>,
        /// 以哪一天判断进度和逾期（YYYY-MM-DD）
        #[arg(long, value_parser = parse_date_arg, value_name = "日期")]
        as_of: Option<chrono::NaiveDate>,
    },
    /// 以默认示例新建一个站点
    Init {
        /// 新站点的文件夹（须不存在或为空）
        #[arg(value_name = "文件夹")]
        dir: PathBuf,
    },
}

// The options `build` and `serve` share, listed after each one's own
// first options. (Not a doc comment: clap takes those for help text.)
#[derive(Args)]
pub struct SiteArgs {
    /// 覆盖 site.yaml 中的 base_url
    #[arg(long, value_name = "网址")]
    pub base_url: Option<String>,
    /// 包含草稿（draft: true）
    #[arg(long)]
    pub drafts: bool,
    /// 以哪一天判断进度和逾期（YYYY-MM-DD）
    #[arg(long, value_parser = parse_date_arg, value_name = "日期")]
    pub as_of: Option<chrono::NaiveDate>,
}

impl SiteArgs {
    /// `--base-url` and `--as-of`, as the site's configuration takes them.
    pub fn overrides(&self) -> wenming::config::Overrides {
        wenming::config::Overrides {
            base_url: self.base_url.clone(),
            as_of: self.as_of,
        }
    }
}

#[derive(Subcommand)]
pub enum NewWhat {
    /// 新建一篇活动报道：wenming new report "标题" --kind volunteer
    Report {
        /// 报道标题
        #[arg(value_name = "标题")]
        title: String,
        /// 活动类别编号（见 site.yaml 的 kinds）
        #[arg(long, value_name = "类别")]
        kind: String,
        /// 活动日期，默认今天
        #[arg(long, value_parser = parse_date_arg, value_name = "日期")]
        date: Option<chrono::NaiveDate>,
        /// 站点文件夹（默认为当前文件夹）
        #[arg(long, default_value = ".", value_name = "文件夹")]
        root: PathBuf,
    },
}

fn parse_date_arg(s: &str) -> Result<chrono::NaiveDate, String> {
    wenming::config::parse_date(s)
        .ok_or_else(|| format!("日期 “{s}” 无效，请写成 2022-12-31 的格式"))
}

/// What parsing the command line gave: the command, or what to print and
/// the exit status (0 for help and version, 2 for a mistake).
pub enum Parsed {
    Run(Cli),
    Exit { text: String, code: u8 },
}

pub fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Parsed {
    let mut command = localize(Cli::command(), "wenming");
    let result = command
        .try_get_matches_from_mut(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    match result {
        Ok(cli) => Parsed::Run(cli),
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Parsed::Exit {
                text: e.render().to_string(),
                code: 0,
            },
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
                Parsed::Exit {
                    text: format!(
                        "请指定要做什么，例如 wenming build。\n\n{}",
                        command.render_help()
                    ),
                    code: 2,
                }
            }
            _ => Parsed::Exit {
                text: explain(&e, &mut command),
                code: 2,
            },
        },
    }
}

/// Chinese headings, usage lines and help for `cmd` and its subcommands.
fn localize(cmd: clap::Command, path: &str) -> clap::Command {
    let has_subcommands = cmd.get_subcommands().next().is_some();
    let positionals: Vec<String> = cmd
        .get_positionals()
        .map(|a| {
            let name = a
                .get_value_names()
                .and_then(|v| v.first())
                .map(|s| s.to_string())
                .unwrap_or_else(|| a.get_id().to_string());
            format!("<{name}>")
        })
        .collect();
    let mut usage = path.to_string();
    if has_subcommands {
        usage.push_str(" <命令>");
    }
    for p in &positionals {
        usage.push(' ');
        usage.push_str(p);
    }
    usage.push_str(" [选项]");
    let cmd = cmd
        .help_template("{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}")
        .override_usage(usage)
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .mut_args(|a| {
            let heading = if a.is_positional() {
                "参数"
            } else {
                "选项"
            };
            // (clap would say "[default: …]"; the help texts say it.)
            let takes_value = a.get_action().takes_values();
            a.help_heading(heading).hide_default_value(takes_value)
        });
    let path = path.to_string();
    cmd.mut_subcommands(|sub| {
        let name = format!("{path} {}", sub.get_name());
        localize(sub, &name)
    })
}

/// One Chinese message for a mistake on the command line, with a
/// suggestion where clap has one.
fn explain(e: &clap::Error, command: &mut clap::Command) -> String {
    let get = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join("、")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        Some(ContextValue::StyledStrs(v)) => Some(
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("、"),
        ),
        _ => None,
    };
    let arg = get(ContextKind::InvalidArg).unwrap_or_default();
    let value = get(ContextKind::InvalidValue).unwrap_or_default();
    let mut message = match e.kind() {
        ErrorKind::UnknownArgument => format!("没有 “{arg}” 这个选项"),
        ErrorKind::InvalidSubcommand => {
            let known: Vec<String> = command
                .get_subcommands()
                .map(|s| s.get_name().to_string())
                .collect();
            format!(
                "没有 “{}” 这个命令；可用的命令：{}",
                get(ContextKind::InvalidSubcommand).unwrap_or_default(),
                known.join("、")
            )
        }
        ErrorKind::InvalidValue => match get(ContextKind::ValidValue) {
            Some(valid) => format!("{arg} 的值 “{value}” 无效，可选：{valid}"),
            None if value.is_empty() => format!("{arg} 后面缺少值"),
            None => format!("{arg} 的值 “{value}” 无效"),
        },
        ErrorKind::ValueValidation => {
            let reason = std::error::Error::source(e)
                .map(|s| s.to_string())
                .unwrap_or_default();
            if value.is_empty() || reason.contains(&value) {
                format!("{arg}：{reason}")
            } else {
                format!("{arg} 的值 “{value}” 无效：{reason}")
            }
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必填的参数：{arg}"),
        ErrorKind::TooManyValues | ErrorKind::ArgumentConflict => {
            format!(
                "多余或冲突的参数：{}",
                if value.is_empty() { arg } else { value }
            )
        }
        ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("{arg} 的值的个数不对")
        }
        ErrorKind::InvalidUtf8 => "命令行中有无法识别的文字编码".to_string(),
        _ => "命令行参数有误".to_string(),
    };
    if let Some(suggested) = get(ContextKind::SuggestedArg)
        .or_else(|| get(ContextKind::SuggestedSubcommand))
        .or_else(|| get(ContextKind::SuggestedValue))
    {
        message.push_str(&format!("；是否想写 “{suggested}”？"));
    }
    let usage = get(ContextKind::Usage)
        .map(|u| u.trim().trim_start_matches("Usage:").trim().to_string())
        .unwrap_or_else(|| "wenming <命令> [选项]".to_string());
    format!("错误：{message}\n\n用法：{usage}\n运行时加上 --help 可查看全部命令和选项的说明")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit(args: &[&str]) -> (String, u8) {
        let args = std::iter::once("wenming").chain(args.iter().copied());
        match parse(args.map(std::ffi::OsString::from)) {
            Parsed::Exit { text, code } => (text, code),
            Parsed::Run(_) => panic!("parsed {args:?}", args = "…"),
        }
    }

    fn no_english(text: &str) {
        for word in [
            "error",
            "Usage",
            "Options",
            "Commands",
            "unexpected",
            "Print help",
            "tip",
            "default",
        ] {
            assert!(!text.contains(word), "{word} in:\n{text}");
        }
    }

    #[test]
    fn mistakes_are_explained_in_chinese() {
        let (text, code) = exit(&["biuld"]);
        assert_eq!(code, 2);
        assert!(text.contains("没有 “biuld” 这个命令"), "{text}");
        assert!(text.contains("是否想写 “build”"), "{text}");
        no_english(&text);

        let (text, code) = exit(&["build", "--ouput", "x"]);
        assert_eq!(code, 2);
        assert!(text.contains("没有 “--ouput” 这个选项"), "{text}");
        assert!(text.contains("--output"), "{text}");
        no_english(&text);

        let (text, _) = exit(&["build", "--as-of", "2022-02-30"]);
        assert!(text.contains("2022-02-30"), "{text}");
        assert!(text.contains("请写成 2022-12-31 的格式"), "{text}");
        no_english(&text);

        let (text, _) = exit(&["serve", "--port", "八十"]);
        assert!(text.contains("--port"), "{text}");
        no_english(&text);

        let (text, code) = exit(&["new", "report", "标题"]);
        assert_eq!(code, 2);
        assert!(text.contains("缺少必填的参数"), "{text}");
        assert!(text.contains("--kind"), "{text}");
        no_english(&text);
    }

    #[test]
    fn help_is_chinese() {
        let (text, code) = exit(&["--help"]);
        assert_eq!(code, 0);
        assert!(text.contains("用法：wenming <命令> [选项]"), "{text}");
        assert!(text.contains("生成网站"), "{text}");
        no_english(&text);
        let (text, code) = exit(&["build", "--help"]);
        assert_eq!(code, 0);
        assert!(text.contains("用法：wenming build [选项]"), "{text}");
        assert!(text.contains("--output <文件夹>"), "{text}");
        assert!(text.contains("显示帮助"), "{text}");
        no_english(&text);
    }
}
