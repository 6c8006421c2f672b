//! Photos straight from a phone: turned upright, resized, stripped of EXIF
//! and GPS, cached between builds; pages carry their dimensions.

mod common;
use common::*;
use std::path::Path;

#[path = "../examples/support/phone_jpeg.rs"]
mod phone;
use phone::phone_jpeg;

/// The bundle of the test report (a visit, 2022-11-20).
const VISIT: &str = "content/reports/2022-11-20-visit";

/// The test report's `index.md`: its front matter, `more_front` (whole
/// lines), then `body`.
fn write_visit(site: &Path, more_front: &str, body: &str) {
    write(
        site,
        &format!("{VISIT}/index.md"),
        &format!("---\ntitle: 走访慰问\ndate: 2022-11-20\nkind: volunteer\ncriteria: [1]\n{more_front}---\n{body}"),
    );
}

fn site_with_photo(photo: &[u8], name: &str) -> tempfile::TempDir {
    let site = minimal_site();
    let dir = site.path().join(VISIT);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), photo).unwrap();
    write_visit(
        site.path(),
        &format!("cover: {name}\n"),
        &format!("活动现场（示例）。\n\n![志愿者为老人送去慰问品（示例）]({name})\n"),
    );
    site
}

/// A site with one 2000×1500 phone photo (`seed` picks its pixels),
/// built once: the site, its output and its photo cache folder.
fn built_with_photo(seed: u8) -> (tempfile::TempDir, tempfile::TempDir, std::path::PathBuf) {
    let site = site_with_photo(&phone_jpeg(2000, 1500, seed), "a.jpg");
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    let cache = site.path().join(".wenming-cache/images");
    (site, out, cache)
}

/// The photo index of the site at `site`.
fn photo_index(site: &Path) -> std::path::PathBuf {
    site.join(".wenming-cache/photo-index-v5.tsv")
}

/// The processed photos in a cache folder (not the index of what was
/// processed), by name, with their modification times.
fn processed(cache: &Path) -> Vec<(String, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_name().to_string_lossy().starts_with("index"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn dims(path: &Path) -> (u32, u32) {
    image::image_dimensions(path).unwrap()
}

#[test]
fn phone_photo_is_upright_resized_and_stripped() {
    let photo = phone_jpeg(3000, 2000, 1);
    assert!(photo.windows(6).any(|w| w == b"Exif\0\0"));
    let site = site_with_photo(&photo, "IMG_0001.jpg");
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dir = out.path().join("reports/visit");
    // Stored 3000×2000 sideways: upright it is 2000×3000.
    assert_eq!(dims(&dir.join("IMG_0001.jpg")), (1920, 2880));
    assert_eq!(dims(&dir.join("IMG_0001.w960.jpg")), (960, 1440));
    assert_eq!(dims(&dir.join("IMG_0001.w400.jpg")), (400, 600));
    for f in ["IMG_0001.jpg", "IMG_0001.w960.jpg", "IMG_0001.w400.jpg"] {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{f} carries EXIF");
        assert!(
            !bytes.windows(4).any(|w| w == b"MM\x00\x2a"),
            "{f} carries a TIFF block"
        );
    }
    let page = read(out.path(), "reports/visit/index.html");
    assert!(
        page.contains("<a class=\"photo-link\" href=\"/sub/path/reports/visit/IMG_0001.jpg\"><img src=\"/sub/path/reports/visit/IMG_0001.w960.jpg\" alt=\"志愿者为老人送去慰问品（示例）\" width=\"960\" height=\"1440\" loading=\"lazy\"></a>"),
        "{page}"
    );
    assert!(page.contains("<figcaption>志愿者为老人送去慰问品（示例）</figcaption>"));
    // The card uses the thumbnail as cover.
    assert!(read(out.path(), "reports/index.html")
        .contains("/sub/path/reports/visit/IMG_0001.w400.jpg"));
    // Published size is a fraction of the original's.
    let published: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(published < 2_000_000, "{published}");
}

#[test]
fn large_png_is_resized_and_stays_png() {
    let img = image::RgbaImage::from_fn(2400, 1600, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 128, 255])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_with_encoder(image::codecs::png::PngEncoder::new(&mut png))
        .unwrap();
    let site = site_with_photo(&png, "展板.png");
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    assert_eq!(
        dims(&out.path().join("reports/visit/展板.png")),
        (1920, 1280)
    );
    assert_eq!(
        dims(&out.path().join("reports/visit/展板.w960.png")),
        (960, 640)
    );
}

#[test]
fn small_images_and_svg_pass_through_untouched() {
    let img = image::RgbImage::from_fn(300, 200, |x, _| image::Rgb([x as u8, 0, 0]));
    let mut small = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut small, 80,
        ))
        .unwrap();
    let site = site_with_photo(&small, "small.jpg");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>";
    std::fs::write(
        site.path()
            .join("content/reports/2022-11-20-visit/logo.svg"),
        svg,
    )
    .unwrap();
    let md = site
        .path()
        .join("content/reports/2022-11-20-visit/index.md");
    let text = std::fs::read_to_string(&md).unwrap() + "\n![单位标志（示例）](logo.svg)\n";
    std::fs::write(&md, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    assert_eq!(
        std::fs::read(out.path().join("reports/visit/small.jpg")).unwrap(),
        small
    );
    assert_eq!(
        std::fs::read(out.path().join("reports/visit/logo.svg")).unwrap(),
        svg
    );
    assert!(!out.path().join("reports/visit/small.w960.jpg").exists());
}

#[test]
fn second_build_reuses_the_cache_and_a_changed_photo_is_processed_again() {
    let (site, out, cache) = built_with_photo(1);
    let first = processed(&cache);
    assert_eq!(first.len(), 3);
    let first_output = std::fs::read(out.path().join("reports/visit/a.jpg")).unwrap();
    let published = |rel: &str| {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(out.path().join(rel)).unwrap();
        (m.ino(), m.mtime_nsec())
    };
    let variants = [
        "reports/visit/a.jpg",
        "reports/visit/a.w960.jpg",
        "reports/visit/a.w400.jpg",
    ];
    let first_published: Vec<_> = variants.iter().map(|v| published(v)).collect();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = build(site.path(), out.path(), &[]);
    assert_eq!(again.code, 0);
    assert_eq!(processed(&cache), first, "cache files rewritten");
    // The published photos are recognised as they are, not linked again.
    assert!(again.stderr.contains("都与上次相同"), "{}", again.stderr);
    assert_eq!(
        variants.iter().map(|v| published(v)).collect::<Vec<_>>(),
        first_published
    );
    // A different photo under the same name gives a different output.
    std::fs::write(
        site.path().join("content/reports/2022-11-20-visit/a.jpg"),
        phone_jpeg(2000, 1500, 77),
    )
    .unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    assert_ne!(
        std::fs::read(out.path().join("reports/visit/a.jpg")).unwrap(),
        first_output
    );
    assert_eq!(processed(&cache).len(), 6);
}

#[test]
fn a_site_moved_to_another_folder_keeps_its_photo_index() {
    let holder = tempfile::tempdir().unwrap();
    let site = site_with_photo(&phone_jpeg(2000, 1500, 3), "a.jpg");
    let before = holder.path().join("before");
    copy_tree(site.path(), &before);
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(&before, out.path(), &[]).code, 0);
    let written = std::fs::read_to_string(photo_index(&before)).unwrap();
    assert!(
        written.contains("\ncontent/reports/2022-11-20-visit/a.jpg\t")
            && !written.contains(&*before.to_string_lossy()),
        "index records site-relative paths: {written}"
    );
    let modified = std::fs::metadata(photo_index(&before))
        .unwrap()
        .modified()
        .unwrap();
    // The office copies its site folder to a new computer or drive.
    let after = holder.path().join("after");
    std::fs::rename(&before, &after).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let run = build(&after, out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // An index entry that no longer matched would mean the photo was read
    // and hashed again, and the index rewritten.
    assert_eq!(
        std::fs::metadata(photo_index(&after))
            .unwrap()
            .modified()
            .unwrap(),
        modified,
        "photo index rewritten after the move"
    );
    assert!(out.path().join("reports/visit/a.w960.jpg").is_file());
}

#[test]
fn gallery_lists_every_photo_linked_to_its_report() {
    let site = copy_default_site();
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let gallery = read(out.path(), "gallery/index.html");
    // Seven photos in the example bundles, newest report first.
    assert_eq!(
        gallery.matches("<figure class=\"photo\">").count(),
        7,
        "{gallery}"
    );
    let first = gallery.find("reports/riverside-cleanup/").unwrap();
    let last = gallery.find("reports/community-service/").unwrap();
    assert!(first < last);
    assert!(gallery.contains("alt=\"委机关志愿者在社区开展义诊服务（示例图片）\""));
    assert!(
        read(out.path(), "index.html").contains("href=\"/wmcj/gallery/\""),
        "in the navigation"
    );
}

#[test]
fn a_report_without_photos_is_warned_where_its_kind_usually_has_them() {
    let site = minimal_site();
    for i in 1..=3 {
        let dir = format!("content/reports/2022-11-1{i}-p{i}");
        std::fs::create_dir_all(site.path().join(&dir)).unwrap();
        std::fs::write(
            site.path().join(format!("{dir}/a.jpg")),
            phone_jpeg(64, 48, i as u8),
        )
        .unwrap();
        write(site.path(), &format!("{dir}/index.md"), &format!("---\ntitle: 活动{i}\ndate: 2022-11-1{i}\nkind: volunteer\ncriteria: [1]\n---\n![现场照片{i}（示例）](a.jpg)\n"));
    }
    write(
        site.path(),
        "content/reports/2022-11-19-none.md",
        "---\ntitle: 无照片\ndate: 2022-11-19\nkind: volunteer\ncriteria: [1]\n---\n正文。\n",
    );
    let run = wenming(&["check", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("content/reports/2022-11-19-none.md:1:1: 警告：这篇志愿服务报道没有照片（同类报道 3/4 篇配有照片）"), "{}", run.stderr);
    // Nothing is said about what was fixed (rotation, size, metadata).
    assert!(!run.stderr.contains("a.jpg"), "{}", run.stderr);
}

#[test]
fn check_processes_nothing_and_writes_nothing() {
    let site = site_with_photo(&phone_jpeg(1200, 900, 3), "a.jpg");
    let run = wenming(&["check", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !site.path().join(".wenming-cache").exists(),
        "check wrote the photo cache"
    );
    assert!(!site.path().join("public").exists());
    // A missing photo is still an error in check.
    std::fs::remove_file(site.path().join("content/reports/2022-11-20-visit/a.jpg")).unwrap();
    let run = wenming(&["check", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("找不到 “a.jpg”"), "{}", run.stderr);
}

/// An index written by the previous version (v4: the same lines with the
/// cache files' inodes after them, the cache folder's stamp in the header)
/// is still used, then replaced by the current one: upgrading does not read
/// every photo again.
#[test]
fn an_index_of_an_earlier_version_is_used_and_upgraded() {
    let (site, out, cache) = built_with_photo(3);
    let index = photo_index(site.path());
    let v5 = std::fs::read_to_string(&index).unwrap();
    let line = v5.lines().nth(1).unwrap().to_string();
    assert_eq!(line.split('\t').count(), 17, "{v5}");
    let v4 = format!("wenming photo index v4\t64768\t4242\t1700000000\t5\n{line}\t11\t12\t13\n");
    // Same size and time, other bytes: only a photo read again would show it.
    let photo = site.path().join("content/reports/2022-11-20-visit/a.jpg");
    let modified = std::fs::metadata(&photo).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&photo).unwrap();
    let at = bytes.len() - 10;
    bytes[at] ^= 0x55;
    std::fs::write(&photo, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&photo)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert_eq!(processed(&cache).len(), 3);

    std::fs::remove_file(&index).unwrap();
    let old = index.with_file_name("photo-index-v4.tsv");
    std::fs::write(&old, v4).unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(processed(&cache).len(), 3, "photo processed again");
    assert!(!old.exists());
    let rewritten = std::fs::read_to_string(&index).unwrap();
    assert_eq!(rewritten.lines().nth(1), Some(line.as_str()));
}

/// The index's photos count only while their cache files are in the cache
/// folder's listing. A cache file removed by hand is made again, and a new
/// output folder gets every photo.
#[test]
fn a_cache_file_removed_by_hand_is_made_again() {
    let (site, out, cache) = built_with_photo(5);
    let index = photo_index(site.path());
    let written = std::fs::metadata(&index).unwrap().modified().unwrap();
    // Unchanged: the index holds, and is not written again.
    let again = build(site.path(), out.path(), &[]);
    assert!(again.stderr.contains("都与上次相同"), "{}", again.stderr);
    assert_eq!(
        std::fs::metadata(&index).unwrap().modified().unwrap(),
        written
    );

    let thumb = processed(&cache)
        .into_iter()
        .map(|(name, _)| name)
        .find(|name| name.contains(".w400."))
        .expect("a thumbnail in the cache");
    std::fs::remove_file(cache.join(&thumb)).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let run = build(site.path(), fresh.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(cache.join(&thumb).is_file(), "thumbnail made again");
    for variant in ["a.jpg", "a.w960.jpg", "a.w400.jpg"] {
        assert!(
            fresh.path().join("reports/visit").join(variant).is_file(),
            "{variant}"
        );
    }
}

#[test]
fn the_photo_index_keeps_the_photos_a_build_shows_and_drops_the_others() {
    // a.jpg stays, b.jpg is taken out of the report, c.jpg is new.
    let site = site_with_photo(&phone_jpeg(2000, 1500, 11), "a.jpg");
    let dir = VISIT;
    std::fs::write(
        site.path().join(dir).join("b.jpg"),
        phone_jpeg(1800, 1200, 12),
    )
    .unwrap();
    let page = |site: &Path, photos: &str| {
        write_visit(
            site,
            "cover: a.jpg\n",
            &format!("活动现场（示例）。\n\n{photos}\n"),
        );
    };
    page(site.path(), "![甲](a.jpg)\n![乙](b.jpg)");
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    let index = photo_index(site.path());
    let line_of = |text: &str, name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{dir}/{name}\t")))
            .map(str::to_string)
    };
    let first = std::fs::read_to_string(&index).unwrap();
    let a_line = line_of(&first, "a.jpg").expect("a.jpg recorded");
    assert!(line_of(&first, "b.jpg").is_some(), "{first}");

    std::fs::write(
        site.path().join(dir).join("c.jpg"),
        phone_jpeg(1600, 1200, 13),
    )
    .unwrap();
    page(site.path(), "![甲](a.jpg)\n![丙](c.jpg)");
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let second = std::fs::read_to_string(&index).unwrap();
    // Written anew for c.jpg: a.jpg, still shown, is kept as it was;
    // b.jpg, no longer shown, is dropped.
    assert_eq!(line_of(&second, "a.jpg"), Some(a_line), "{second}");
    assert_eq!(line_of(&second, "b.jpg"), None, "{second}");
    assert!(line_of(&second, "c.jpg").is_some(), "{second}");
    assert!(out.path().join("reports/visit/c.w960.jpg").is_file());
    assert!(!out.path().join("reports/visit/b.w960.jpg").exists());
}

#[cfg(unix)]
#[test]
fn a_known_photo_replaced_by_a_link_out_of_the_site_is_refused() {
    // The photo index knows a.jpg from the first build; the next build
    // looks at it ahead of the pages and must still see the link.
    let (site, out, _cache) = built_with_photo(21);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.jpg"), phone_jpeg(1200, 900, 22)).unwrap();
    let photo = site.path().join("content/reports/2022-11-20-visit/a.jpg");
    std::fs::remove_file(&photo).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.jpg"), &photo).unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("content/reports/2022-11-20-visit/index.md")
            && run.stderr.contains("“a.jpg” 指向站点文件夹以外"),
        "{}",
        run.stderr
    );
    // Nothing was published: the first build's photo is still there.
    assert!(out.path().join("reports/visit/a.w960.jpg").is_file());
}

#[test]
fn links_to_later_gallery_pages_are_checked_once_the_pages_are_counted() {
    // Five photos at four a page (per_page 2 × 2): two gallery pages.
    let site = minimal_site();
    let mut body = String::from("活动现场（示例）。\n\n");
    std::fs::create_dir_all(site.path().join(VISIT)).unwrap();
    for i in 1..=5u8 {
        std::fs::write(
            site.path().join(VISIT).join(format!("p{i}.jpg")),
            phone_jpeg(64, 48, 30 + i),
        )
        .unwrap();
        body.push_str(&format!("![照片{i}](p{i}.jpg)\n"));
    }
    write_visit(site.path(), "", &body);
    let about =
        |target: &str| format!("---\ntitle: 关于\n---\n更多照片见[文明风采第二页]({target})。\n");
    write(
        site.path(),
        "content/pages/about.md",
        &about("/gallery/page/2/"),
    );
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(out.path().join("gallery/page/2/index.html").is_file());
    assert!(
        read(out.path(), "about/index.html").contains("href=\"/sub/path/gallery/page/2/\""),
        "the link is published with the base path"
    );

    write(
        site.path(),
        "content/pages/about.md",
        &about("/gallery/page/3/"),
    );
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "content/pages/about.md:4:6: 错误：找不到 “/gallery/page/3/”（站点中没有 /gallery/page/3/ 这个页面，文明风采共 2 页）"
        ),
        "{}",
        run.stderr
    );
}

/// A JPEG of 16×16 pixels whose frame header is patched to declare
/// `width`×`height`: a few hundred bytes that once decoded into gigabytes.
fn jpeg_declaring(width: u16, height: u16) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(16, 16, image::Rgb([200, 30, 30]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut jpeg, 80,
        ))
        .unwrap();
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline frame header");
    // FF C0, length (2), precision (1), height (2), width (2).
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

/// A PNG of 16×16 pixels whose IHDR is patched (CRC fixed) to declare
/// `width`×`height`.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(16, 16, image::Rgb([30, 30, 200]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::png::PngEncoder::new(&mut png))
        .unwrap();
    // Signature (8), IHDR length (4), "IHDR" (4), width, height, …, CRC.
    assert_eq!(&png[12..16], b"IHDR");
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&png[12..29]);
    png[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    png
}

/// A build of `site` by the real binary, with its peak memory (resident
/// set, in bytes) where the system tells it. A build that passes 1 GB or
/// two minutes is stopped there, so a regression fails instead of taking
/// the machine.
fn build_with_peak_memory(site: &Path, out: &Path) -> (Run, Option<u64>) {
    let logs = tempfile::tempdir().unwrap();
    let (stdout, stderr) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wenming"))
        .args(["build", "--root"])
        .arg(site)
        .arg("--output")
        .arg(out)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let (code, peak) = wait_measuring(&mut child);
    let run = Run {
        code,
        stdout: std::fs::read_to_string(stdout).unwrap(),
        stderr: std::fs::read_to_string(stderr).unwrap(),
    };
    (run, peak)
}

const GB: u64 = 1024 * 1024 * 1024;

#[cfg(target_os = "linux")]
fn wait_measuring(child: &mut std::process::Child) -> (i32, Option<u64>) {
    let pid = child.id() as libc::pid_t;
    let started = std::time::Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: plain out-parameters for wait4 on our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            let code = if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                -1
            };
            // ru_maxrss is in kilobytes on Linux.
            return (code, Some(usage.ru_maxrss as u64 * 1024));
        }
        assert_eq!(reaped, 0, "wait4: {}", std::io::Error::last_os_error());
        let high_water = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            })
            .map_or(0, |kb| kb * 1024);
        if high_water > GB || started.elapsed() > std::time::Duration::from_secs(120) {
            child.kill().unwrap();
            let _ = child.wait();
            panic!(
                "build stopped after {:?} at {} MB",
                started.elapsed(),
                high_water >> 20
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[cfg(not(target_os = "linux"))]
fn wait_measuring(child: &mut std::process::Child) -> (i32, Option<u64>) {
    (child.wait().unwrap().code().unwrap_or(-1), None)
}

#[test]
fn photos_declaring_huge_sizes_are_warned_and_published_as_they_are() {
    let bomb_jpeg = jpeg_declaring(65000, 65000);
    let bomb_png = png_declaring(20000, 20000);
    assert!(bomb_jpeg.len() < 1000, "{}", bomb_jpeg.len());
    let site = minimal_site();
    let dir = site.path().join(VISIT);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("巨幅.jpg"), &bomb_jpeg).unwrap();
    std::fs::write(dir.join("巨幅.png"), &bomb_png).unwrap();
    // One also as the cover only, one in a photo row, one alone.
    write_visit(
        site.path(),
        "cover: 巨幅.png\n",
        "活动现场。\n\n![展板（示例）](巨幅.jpg)\n\n文字 ![合影（示例）](巨幅.png) 文字\n",
    );
    let out = tempfile::tempdir().unwrap();
    let (run, peak) = build_with_peak_memory(site.path(), out.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    if let Some(peak) = peak {
        assert!(peak < GB, "peak memory {} MB", peak >> 20);
    }
    let report = "content/reports/2022-11-20-visit/index.md";
    for want in [
        format!(
            "{report}:10:1: 警告：图片 “巨幅.jpg” 有 65000×65000 像素，太大，无法处理，按原样发布"
        ),
        format!(
            "{report}:12:4: 警告：图片 “巨幅.png” 有 20000×20000 像素，太大，无法处理，按原样发布"
        ),
    ] {
        assert!(run.stderr.contains(&want), "{want}\n{}", run.stderr);
    }
    assert!(run.stderr.contains("缩小"), "{}", run.stderr);
    // Published as they are: the originals, and the page shows those.
    let published = out.path().join("reports/visit");
    assert_eq!(
        std::fs::read(published.join("巨幅.jpg")).unwrap(),
        bomb_jpeg
    );
    assert_eq!(std::fs::read(published.join("巨幅.png")).unwrap(), bomb_png);
    assert!(!published.join("巨幅.w960.jpg").exists());
    let page = read(out.path(), "reports/visit/index.html");
    assert!(
        page.contains(
            "<img src=\"/sub/path/reports/visit/巨幅.jpg\" alt=\"展板（示例）\" loading=\"lazy\">"
        ),
        "{page}"
    );
    assert!(
        page.contains("<img src=\"/sub/path/reports/visit/巨幅.png\""),
        "{page}"
    );
    // The card shows no cover it would have to scale in the browser.
    let list = read(out.path(), "reports/index.html");
    assert!(!list.contains("巨幅"), "{list}");
}

#[test]
fn a_photo_used_only_as_cover_that_cannot_be_processed_is_warned_at_its_cover_line() {
    let site = minimal_site();
    let dir = site.path().join(VISIT);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cover.jpg"), jpeg_declaring(60000, 40000)).unwrap();
    write_visit(site.path(), "cover: cover.jpg\n", "活动现场。\n");
    let out = tempfile::tempdir().unwrap();
    let (run, _) = build_with_peak_memory(site.path(), out.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("content/reports/2022-11-20-visit/index.md:6:8: 警告：封面图 cover：图片 “cover.jpg” 有 60000×40000 像素"),
        "{}",
        run.stderr
    );
    // Covers are published only as processed copies: none here, and no card
    // points at a file that is not there.
    assert!(!out.path().join("reports/visit/cover.jpg").exists());
    assert!(!read(out.path(), "reports/index.html").contains("cover.jpg"));
}

#[test]
fn a_cut_off_photo_is_warned_and_published_from_what_is_there() {
    let whole = phone_jpeg(2000, 1500, 5);
    let cut = &whole[..whole.len() * 6 / 10];
    let site = site_with_photo(cut, "a.jpg");
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let want = "content/reports/2022-11-20-visit/index.md:10:1: 警告：照片 “a.jpg” 不完整（文件在中途被截断），缺少的部分显示为灰色";
    assert!(run.stderr.contains(want), "{}", run.stderr);
    assert!(run.stderr.contains("请重新拷贝原图"), "{}", run.stderr);
    // What decodes is published as a processed photo (upright, no GPS).
    let dir = out.path().join("reports/visit");
    assert_eq!(dims(&dir.join("a.jpg")), (1500, 2000));
    let bytes = std::fs::read(dir.join("a.jpg")).unwrap();
    assert!(!bytes.windows(4).any(|w| w == b"Exif"));
    // The next build warns again, from the cache: nothing decoded anew.
    let cache = site.path().join(".wenming-cache/images");
    let before = processed(&cache);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = build(site.path(), out.path(), &[]);
    assert!(again.stderr.contains(want), "{}", again.stderr);
    assert_eq!(processed(&cache), before);
    // The photo copied again, whole: no warning, processed anew.
    std::fs::write(site.path().join(VISIT).join("a.jpg"), &whole).unwrap();
    let fixed = build(site.path(), out.path(), &[]);
    assert_eq!(fixed.code, 0, "{}", fixed.stderr);
    assert!(!fixed.stderr.contains("不完整"), "{}", fixed.stderr);
    assert_eq!(processed(&cache).len(), 6);
}

#[test]
fn a_cut_off_png_is_warned_and_published_as_it_is() {
    let img = image::RgbImage::from_fn(1600, 1200, |x, y| {
        image::Rgb([(x * y % 251) as u8, (x % 256) as u8, (y % 256) as u8])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::png::PngEncoder::new(&mut png))
        .unwrap();
    let cut = png[..png.len() / 2].to_vec();
    let site = site_with_photo(&cut, "展板.png");
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("content/reports/2022-11-20-visit/index.md:10:1: 警告：照片 “展板.png” 不完整（文件在中途被截断），无法处理，按原样发布"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read(out.path().join("reports/visit/展板.png")).unwrap(),
        cut
    );
    let page = read(out.path(), "reports/visit/index.html");
    assert!(
        page.contains("<img src=\"/sub/path/reports/visit/展板.png\""),
        "{page}"
    );
    // Not decoded again while it is the same file: the cache keeps a note.
    let cache = site.path().join(".wenming-cache/images");
    let notes: Vec<_> = processed(&cache)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".failed"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let again = build(site.path(), out.path(), &[]);
    assert!(again.stderr.contains("不完整"), "{}", again.stderr);
}
