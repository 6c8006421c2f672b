//! The names a request may give for this server (#19): a request must name
//! the server in its Host header (no DNS rebinding), and anything but a
//! plain read must come from one of the server's own pages (Origin).

use axum::extract::Request;
use axum::http::header::{HOST, ORIGIN};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The names a request may give for this server.
#[derive(Clone, Copy)]
pub(super) struct Names {
    pub(super) port: u16,
    /// Bound beyond loopback (`--bind 0.0.0.0`, a LAN address): any IP
    /// address may name the server, as it is reached through several.
    pub(super) any_ip: bool,
}

impl Names {
    /// Whether `authority` (`host[:port]`, as in Host or Origin) names this
    /// server: `localhost` or a loopback address (or, bound beyond
    /// loopback, any IP address), with our port. Never another DNS name,
    /// whatever it resolves to: that is how DNS rebinding lets a page of
    /// another site read ours. A missing port means 80, as in HTTP.
    fn name_us(&self, authority: &str) -> bool {
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (host, Some(port)),
            _ => (authority, None),
        };
        let port_ok = match port {
            Some(p) => p.parse::<u16>() == Ok(self.port),
            None => self.port == 80,
        };
        let ip = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(v6) => v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
            None => host.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
        };
        let host_ok = match ip {
            Some(ip) => self.any_ip || ip.is_loopback(),
            None => host.eq_ignore_ascii_case("localhost"),
        };
        port_ok && host_ok
    }

    /// Whether the request names this server. A browser always sends Host
    /// (HTTP/1.1 requires it); a request without one (hand-made HTTP/1.0)
    /// names nothing and is refused like any other, which keeps the rule
    /// one rule. An absolute request target names a host of its own, which
    /// must be ours too.
    pub(super) fn request_names_us(&self, req: &Request) -> bool {
        let mut hosts = req.headers().get_all(HOST).iter();
        let (Some(host), None) = (hosts.next(), hosts.next()) else {
            return false;
        };
        host.to_str().is_ok_and(|h| self.name_us(h))
            && req
                .uri()
                .authority()
                .is_none_or(|a| self.name_us(a.as_str()))
    }

    /// Whether the request comes from a page of this server: its Origin is
    /// `http://` and a name of ours. Browsers send Origin on every request
    /// that is not a plain read.
    pub(super) fn request_from_our_page(&self, req: &Request) -> bool {
        req.headers()
            .get(ORIGIN)
            .and_then(|o| o.to_str().ok())
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|a| !a.contains('/') && self.name_us(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_this_server_are_answered() {
        let local = Names {
            port: 1111,
            any_ip: false,
        };
        for ok in [
            "127.0.0.1:1111",
            "localhost:1111",
            "LocalHost:1111",
            "[::1]:1111",
        ] {
            assert!(local.name_us(ok), "{ok}");
        }
        for bad in [
            "127.0.0.1",
            "127.0.0.1:2222",
            "127.0.0.1:",
            "evil.example:1111",
            "localhost.evil.example:1111",
            "192.168.1.10:1111",
            "[::ffff:192.168.1.10]:1111",
            "::1:1111",
            "[::1]",
            "",
        ] {
            assert!(!local.name_us(bad), "{bad}");
        }
        let lan = Names {
            port: 1111,
            any_ip: true,
        };
        assert!(lan.name_us("192.168.1.10:1111"));
        assert!(lan.name_us("[fe80::1]:1111"));
        assert!(!lan.name_us("192.168.1.10:2222"));
        assert!(!lan.name_us("printer.lan:1111"));
        assert!(!lan.name_us("2130706433:1111"));
        let web = Names {
            port: 80,
            any_ip: false,
        };
        assert!(web.name_us("localhost") && web.name_us("[::1]"));
    }
}
