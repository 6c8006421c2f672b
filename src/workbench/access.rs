//! Who may use the workbench: the browser the program opened. It arrives
//! with `?token=` (made at each start, printed on the console), gets it
//! back as a cookie only this server's pages send (`SameSite=Strict`,
//! `HttpOnly`), and is sent on to the same page without the token in the
//! address bar. Every write must also carry the CSRF secret, which only the
//! workbench's own pages hold, in a header no cross-site form can set.

use super::Workbench;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

const COOKIE_NAME: &str = "wenming_workbench";
pub(super) const CSRF_HEADER: &str = "x-wenming-csrf";

pub(super) struct Secrets {
    pub(super) token: String,
    pub(super) csrf: String,
}

impl Secrets {
    pub(super) fn new() -> anyhow::Result<Secrets> {
        Ok(Secrets {
            token: random_hex()?,
            csrf: random_hex()?,
        })
    }
}

/// 128 bits from the system's random source, as hex.
fn random_hex() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("无法生成工作台的访问密钥：{e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compare without an early exit, so timing tells nothing of the secret.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn cookie_token(req: &Request) -> Option<&str> {
    req.headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v)
}

fn query_token(req: &Request) -> Option<&str> {
    req.uri()
        .query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
}

pub(super) async fn only_with_token(
    State(wb): State<Arc<Workbench>>,
    req: Request,
    next: Next,
) -> Response {
    if !wb.is_open() {
        return refuse("工作台已关闭：预览服务监听的不是本机地址。请在这台电脑上用默认地址启动 wenming serve；确需在局域网内使用，启动时加 --lan-workbench。");
    }
    let secrets = &wb.access;
    if let Some(given) = query_token(&req) {
        if !same(given, &secrets.token) {
            return refuse("这个工作台网址已失效（每次启动 wenming 都会换一个新网址）。请使用 wenming 窗口里显示的“工作台”网址。");
        }
        // The same page without the token, with the cookie set.
        let rest: Vec<&str> = req
            .uri()
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.starts_with("token=") && !kv.is_empty())
            .collect();
        let mut to = req.uri().path().to_string();
        if !rest.is_empty() {
            to = format!("{to}?{}", rest.join("&"));
        }
        let cookie = format!(
            "{COOKIE_NAME}={}; Path=/__wenming/; HttpOnly; SameSite=Strict",
            secrets.token
        );
        return (
            StatusCode::SEE_OTHER,
            [(LOCATION, to), (SET_COOKIE, cookie)],
        )
            .into_response();
    }
    if !cookie_token(&req).is_some_and(|t| same(t, &secrets.token)) {
        return refuse("工作台只能从 wenming 打开的网址进入。请使用 wenming 窗口里显示的“工作台”网址（以 ?token= 结尾）。");
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let csrf_ok = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| same(v, &secrets.csrf));
        if !csrf_ok {
            return refuse("这个修改请求没有来自工作台的页面，已拒绝。请刷新工作台页面后再试。");
        }
    }
    next.run(req).await
}

fn refuse(message: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_compared_whole() {
        let a = Secrets::new().unwrap();
        let b = Secrets::new().unwrap();
        assert_eq!(a.token.len(), 32);
        assert_ne!(a.token, b.token);
        assert_ne!(a.token, a.csrf);
        assert!(same(&a.token, &a.token.clone()));
        assert!(!same(&a.token, &b.token));
        assert!(!same(&a.token, &a.token[..31]));
        assert!(!same("", &a.token));
    }
}
