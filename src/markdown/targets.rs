//! Where links and images point: targets that leave the site, schemes
//! that may not be published (with the messages that say so), and local
//! links rewritten to the published URLs.

use super::{PageContext, Rendered};
use crate::diagnostic::Pos;
use pulldown_cmark::LinkType;

/// Whether `url` leaves the site (`https://…`, `mailto:…`, `//host/…`),
/// rather than naming a file or page in it.
pub(super) fn is_external(url: &str) -> bool {
    url.starts_with("//") || crate::links::scheme_of(url).is_some()
}

/// A link or image target as a message shows it: control characters made
/// visible (they could drive the terminal) and a long `data:` URL cut.
fn shown(url: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = url
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if url.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// Schemes whose links run code in the reader's browser, named as such in
/// the message (any other unknown scheme is refused all the same).
fn runs_code(scheme: &str) -> bool {
    matches!(
        scheme,
        "javascript" | "vbscript" | "data" | "livescript" | "mocha"
    )
}

/// The error for a link whose scheme may not be published.
pub(super) fn refused_link(url: &str, scheme: &str) -> (String, String) {
    let why = if runs_code(scheme) {
        "，这类链接会在读者的浏览器里运行代码"
    } else {
        ""
    };
    (
        format!(
            "链接 “{}” 不能发布：不支持 “{scheme}:” 开头的地址{why}",
            shown(url)
        ),
        "只能链接到网址（http/https）、邮箱（mailto）、电话（tel）或站内文件".into(),
    )
}

/// The error for an image whose scheme may not be published. Pictures
/// written into the page as `data:` URLs are refused too, even raster
/// ones: they would bypass photo processing, so a phone photo's GPS
/// position and device data would be published, and no thumbnail or
/// gallery entry is made; the file belongs in the report's folder.
pub(super) fn refused_image(url: &str, scheme: &str) -> (String, String) {
    let message = format!(
        "图片 “{}” 不能发布：不支持 “{scheme}:” 开头的地址",
        shown(url)
    );
    let hint = if scheme == "data" {
        "把图片文件放到报道所在文件夹，再写 ![图片说明](文件名.jpg)：照片会自动缩小，并去掉拍摄位置等信息"
    } else {
        "图片只能引用站内文件（写相对路径）或网址（http/https）"
    };
    (message, hint.into())
}

pub(super) fn rewrite_link(
    link_type: LinkType,
    dest: &str,
    ctx: &PageContext,
    out: &mut Rendered,
    pos: &dyn Fn() -> Pos,
) -> Result<String, (String, String)> {
    if dest.starts_with("//")
        || crate::links::scheme_of(dest).is_some_and(|s| s == "http" || s == "https")
    {
        out.external.push(dest.to_string());
    }
    if matches!(link_type, LinkType::Email | LinkType::Autolink)
        || is_external(dest)
        || dest.starts_with('#')
        || dest.is_empty()
    {
        return Ok(dest.to_string());
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    let with_fragment = |url: String| match fragment {
        Some(f) => format!("{url}#{f}"),
        None => url,
    };
    if let Some(n) = crate::links::later_gallery_page(path) {
        // Checked once the number of gallery pages is known.
        out.gallery_links.push((n, dest.to_string(), pos()));
        let route = crate::links::page_route(crate::links::GALLERY, n);
        return Ok(with_fragment(ctx.routes.url(&route)));
    }
    if path.starts_with('/') {
        return ctx
            .routes
            .absolute_link(path)
            .map(with_fragment)
            .map_err(|e| e.describe(dest));
    }
    if path.to_ascii_lowercase().ends_with(".md") {
        return ctx
            .routes
            .markdown_link(ctx.dir, path)
            .map(with_fragment)
            .map_err(|e| e.describe(dest));
    }
    match ctx.routes.asset(ctx.dir, ctx.route, path) {
        Ok((url, asset)) => {
            if let Some(a) = asset {
                out.assets.push(a);
            }
            Ok(with_fragment(url))
        }
        Err(e) => Err(e.describe(dest)),
    }
}
