//! A local image in a body: processed into its variants when it is a
//! photo, shown at display size and linked to its full-size view, with the
//! warnings of a photo published as it is.

use super::escape::{img_tag, push_escaped, push_img_tag};
use super::{PageContext, Photo, Rendered};
use crate::diagnostic::{Diagnostics, Pos};

/// Originals above this size get a warning: they slow the office's builds
/// and uploads, although what is published is resized anyway.
const HUGE_ORIGINAL: u64 = 20 * 1024 * 1024;

/// A local image: processed into its variants when it is a photo, shown at
/// display size with its dimensions, linked to the full-size view.
#[allow(clippy::too_many_arguments)]
pub(super) fn image_html(
    ctx: &PageContext,
    target: &str,
    alt: &str,
    title: &str,
    in_photo_row: bool,
    out: &mut Rendered,
    diags: &mut Diagnostics,
    // Where the image is, worked out only for a warning (it scans the text).
    pos: &dyn Fn() -> Pos,
) -> Result<String, (String, String)> {
    let (path_part, _) = target.split_once('#').unwrap_or((target, ""));
    let looked_ahead = |file: &std::path::Path| ctx.images?.looked_ahead(file);
    let (url, asset) = ctx
        .routes
        .asset_with(ctx.dir, ctx.route, path_part, &looked_ahead)
        .map_err(|e| e.describe(target))?;
    let processed = match (&asset, ctx.images) {
        (Some(a), Some(images)) if crate::images::is_raster(&a.source) => {
            Some(images.process(&a.source, a.stamp))
        }
        _ => None,
    };
    let Some(processed) = processed else {
        // Not processed (`wenming check`): still a photo of this report.
        if asset
            .as_ref()
            .is_some_and(|a| crate::images::is_raster(&a.source))
        {
            out.images.push(Photo {
                written: path_part.to_string(),
                url: url.clone(),
                display: url.clone(),
                thumb: url.clone(),
                thumb_width: 0,
                thumb_height: 0,
                alt: alt.to_string(),
            });
        }
        out.assets.extend(asset);
        return Ok(img_tag(&url, alt, title, None));
    };
    let asset = asset.expect("processed implies a local asset");
    let p = match processed.as_ref() {
        Ok(p) => p,
        Err(why) => {
            // Published as it is: the page shows the original, copied whole.
            let (m, h) = why.describe(target);
            diags.warning_hint(ctx.path, pos(), m, h);
            out.assets.push(asset.clone());
            return Ok(img_tag(&url, alt, title, None));
        }
    };
    if p.incomplete {
        let (m, h) = crate::images::Processed::incomplete_warning(target);
        diags.warning_hint(ctx.path, pos(), m, h);
    }
    if p.original_bytes > HUGE_ORIGINAL {
        diags.warning_hint(
            ctx.path,
            pos(),
            format!("图片 “{target}” 原图有 {:.0} MB", p.original_bytes as f64 / 1024.0 / 1024.0),
            "网页上发布的是自动缩小的版本；原图过大会拖慢生成和上传，可用手机或电脑的“压缩图片”功能缩小后再放入",
        );
    }
    let mut publish = |v: &crate::images::Variant| -> String {
        let output = p.output_path(&asset.output, v);
        let url = ctx.routes.url(&output);
        out.assets.push(crate::links::Asset {
            source: v.file.clone(),
            output,
            stamp: None,
        });
        url
    };
    let large = publish(&p.large);
    let display = publish(&p.display);
    let thumb = publish(&p.thumb);
    let mut html = String::with_capacity(160 + large.len() + display.len() + 2 * alt.len());
    if in_photo_row {
        html.push_str("<figure class=\"photo\">");
    }
    html.push_str("<a class=\"photo-link\" href=\"");
    push_escaped(&mut html, &large);
    html.push_str("\">");
    push_img_tag(
        &mut html,
        &display,
        alt,
        title,
        Some((p.display.width, p.display.height)),
    );
    html.push_str("</a>");
    if in_photo_row {
        html.push_str("<figcaption>");
        push_escaped(&mut html, alt);
        html.push_str("</figcaption></figure>\n");
    }
    out.images.push(Photo {
        written: path_part.to_string(),
        url: large,
        display,
        thumb,
        thumb_width: p.thumb.width,
        thumb_height: p.thumb.height,
        alt: alt.to_string(),
    });
    Ok(html)
}
