//! The site's addresses, made in one place: its path on the portal's host
//! (`/wmcj/`), absolute URLs for the feed, the sitemap and the portal's
//! meta tags, and the one way a route is written into a URL. Every page,
//! the feed, the sitemap, the search index and `wenming serve` use it.

/// Where the column lives, from `base_url` in `site.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Urls {
    /// As configured, ending in `/`: `https://example.gov.cn/wmcj/`, or
    /// `/wmcj/` for a site published without a host.
    base_url: String,
    /// Where the path begins in `base_url`.
    path_start: usize,
}

impl Urls {
    /// `base_url` as `site.yaml` gives it (a missing final `/` is added).
    pub fn new(base_url: &str) -> Urls {
        let base_url = normalize_base_url(base_url);
        let after_scheme = base_url.find("://").map_or(0, |i| i + 3);
        let path_start = base_url[after_scheme..]
            .find('/')
            .map_or(base_url.len(), |i| after_scheme + i);
        Urls {
            base_url,
            path_start,
        }
    }

    /// `https://example.gov.cn/wmcj/` (or `/wmcj/`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `/wmcj/`: the path every link of the site starts with.
    pub fn base_path(&self) -> &str {
        match &self.base_url[self.path_start..] {
            "" => "/",
            path => path,
        }
    }

    /// `example.gov.cn`, or empty for a site given without a host.
    pub(crate) fn domain(&self) -> &str {
        let after_scheme = self.base_url.find("://").map_or(0, |i| i + 3);
        &self.base_url[after_scheme.min(self.path_start)..self.path_start]
    }

    /// The link to a route: `reports/a/` → `/wmcj/reports/a/`.
    pub fn path(&self, route: &str) -> String {
        let base = self.base_path();
        let mut url = String::with_capacity(base.len() + route.len());
        url.push_str(base);
        push_encoded(&mut url, route);
        url
    }

    /// The absolute address of a route, with the host where one is set:
    /// `reports/a/` → `https://example.gov.cn/wmcj/reports/a/`.
    pub fn absolute(&self, route: &str) -> String {
        let mut url = String::with_capacity(self.base_url.len() + route.len());
        url.push_str(&self.base_url);
        push_encoded(&mut url, route);
        url
    }

    /// The link to the page in an output file: `reports/a/index.html` →
    /// `/wmcj/reports/a/` (a page is asked for by its folder).
    pub(crate) fn of_file(&self, path: &str) -> String {
        self.path(path.strip_suffix("index.html").unwrap_or(path))
    }
}

/// `url` with the `/` every base URL ends in.
pub(crate) fn normalize_base_url(url: &str) -> String {
    let url = url.trim();
    if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    }
}

/// A route as written into a link: what would end or break an href
/// (space, quote, `#`, `?`) percent-encoded, the rest as it is (a browser
/// encodes non-ASCII itself, and shows it readably).
pub fn encode(route: &str) -> String {
    let mut out = String::with_capacity(route.len());
    push_encoded(&mut out, route);
    out
}

/// [`encode`], appended to `out`.
pub(crate) fn push_encoded(out: &mut String, route: &str) {
    // Nearly every route needs nothing: a byte scan is exact here, as UTF-8
    // never uses ASCII bytes inside a multi-byte character.
    if !route
        .bytes()
        .any(|b| matches!(b, b' ' | b'"' | b'#' | b'?'))
    {
        out.push_str(route);
        return;
    }
    for c in route.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '"' => out.push_str("%22"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_under_a_path_of_a_portal() {
        let u = Urls::new("https://example.gov.cn/wmcj");
        assert_eq!(u.base_url(), "https://example.gov.cn/wmcj/");
        assert_eq!(u.base_path(), "/wmcj/");
        assert_eq!(u.domain(), "example.gov.cn");
        assert_eq!(u.path("reports/a/"), "/wmcj/reports/a/");
        assert_eq!(
            u.absolute("reports/a/"),
            "https://example.gov.cn/wmcj/reports/a/"
        );
        assert_eq!(u.of_file("reports/a/index.html"), "/wmcj/reports/a/");
        assert_eq!(u.of_file("index.html"), "/wmcj/");
        assert_eq!(u.of_file("ledger.csv"), "/wmcj/ledger.csv");
    }

    #[test]
    fn a_site_at_the_root_of_its_host_or_without_one() {
        let u = Urls::new("https://example.gov.cn");
        assert_eq!(u.base_path(), "/");
        assert_eq!(u.domain(), "example.gov.cn");
        assert_eq!(u.path(""), "/");
        let u = Urls::new("/wmcj/");
        assert_eq!(u.base_path(), "/wmcj/");
        assert_eq!(u.domain(), "");
        assert_eq!(u.absolute("feed.xml"), "/wmcj/feed.xml");
    }

    #[test]
    fn only_what_breaks_an_href_is_encoded() {
        assert_eq!(encode("reports/a b/"), "reports/a%20b/");
        assert_eq!(encode("a\"#?.pdf"), "a%22%23%3F.pdf");
        assert_eq!(encode("创建/照片.jpg"), "创建/照片.jpg");
        let u = Urls::new("/");
        assert_eq!(u.of_file("创建 图/index.html"), "/创建%20图/");
    }
}
