//! The HTTP side of the preview: one axum router behind the Host and
//! Origin checks, its handlers (site files, the reload script, the state
//! and its long poll), and our own accept loop, for its caps and timeouts.

use super::preview::{content_type, Preview, Reply};
use crate::workbench::Workbench;
use axum::extract::{RawQuery, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long a long poll is held when nothing changes.
const LONG_POLL: Duration = Duration::from_secs(25);
/// Long polls held at once (a few per open tab is normal); more are
/// answered at once, and the page asks again after a pause.
pub(super) const MAX_WAITING: usize = 64;
/// Connections served at once; more wait in the system's listen queue.
const MAX_CONNECTIONS: usize = 256;
/// A connection that sends no complete request head for this long is
/// closed: idle between requests, or a slowloris dripping its headers.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection is asked to close after this long (browsers reconnect
/// unnoticed), and closed this much later whatever it is doing, so a
/// client that never reads its answer cannot keep its slot either.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
const CLOSE_GRACE: Duration = Duration::from_secs(30);

const RELOAD_JS: &str = include_str!("reload.js");

/// The preview's routes. Every route, the site's files included, is behind
/// the Host and Origin checks: add new routes above the `layer` lines.
fn router(preview: Arc<Preview>, workbench: Arc<Workbench>) -> Router {
    Router::new()
        .merge(crate::workbench::router(workbench))
        .route("/__wenming/reload.js", get(reload_js))
        .route("/__wenming/state", get(state))
        .route("/__wenming/wait", get(wait))
        .fallback(get(site_file))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&preview),
            only_our_pages,
        ))
        .layer(middleware::map_response(no_store))
        .with_state(preview)
}

/// Refuse requests that do not name this server (DNS rebinding), and
/// anything but a plain read that does not come from one of its pages
/// (cross-site forms and scripts). No CORS headers are ever sent, so other
/// sites cannot read our answers either.
async fn only_our_pages(State(p): State<Arc<Preview>>, req: Request, next: Next) -> Response {
    if !p.names.request_names_us(&req) {
        let port = p.names.port;
        return forbidden(if p.names.any_ip {
            format!("预览服务只接受用本机地址或 IP 地址访问（不接受其他域名）：请打开 http://127.0.0.1:{port}/，在其他电脑上把 127.0.0.1 换成这台电脑的 IP 地址\n")
        } else {
            format!("预览服务只接受用本机地址访问：请在浏览器中打开 http://127.0.0.1:{port}/\n")
        });
    }
    let plain_read = matches!(*req.method(), Method::GET | Method::HEAD);
    if !plain_read && !p.names.request_from_our_page(&req) {
        return forbidden("预览服务只接受从它自己的页面发出的修改请求\n".into());
    }
    next.run(req).await
}

fn forbidden(message: String) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// A preview is always the latest build: nothing is cached.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Our endpoints answer under any prefix: pages ask at `<base>__wenming/…`,
/// and a page opened before the base path changed asks at its old one.
fn own_endpoints_under_any_base<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let path = req.uri().path();
    let Some(at) = path.find("/__wenming/").filter(|&at| at > 0) else {
        return req;
    };
    let target = match req.uri().query() {
        Some(q) => format!("{}?{q}", &path[at..]),
        None => path[at..].to_string(),
    };
    let mut parts = req.uri().clone().into_parts();
    parts.path_and_query = target.parse().ok();
    if let Ok(uri) = Uri::from_parts(parts) {
        *req.uri_mut() = uri;
    }
    req
}

async fn reload_js() -> Response {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
        RELOAD_JS,
    )
        .into_response()
}

fn json(body: String) -> Response {
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}

async fn state(State(p): State<Arc<Preview>>) -> Response {
    json(p.status_json())
}

/// Long poll: answers when the version differs from `?v=`, or after 25 s.
/// Beyond [`MAX_WAITING`] it answers at once with the state unchanged.
async fn wait(State(p): State<Arc<Preview>>, RawQuery(query): RawQuery) -> Response {
    let seen: u64 = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("v="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if let Ok(_slot) = p.waiting.try_acquire() {
        let mut version = p.version.subscribe();
        let _ = tokio::time::timeout(LONG_POLL, version.wait_for(|&v| v != seen)).await;
    }
    json(p.status_json())
}

async fn site_file(State(p): State<Arc<Preview>>, uri: Uri) -> Response {
    match p.lookup(uri.path()) {
        Reply::Found { path, body } => {
            ([(CONTENT_TYPE, content_type(&path))], body).into_response()
        }
        Reply::Redirect(to) => (StatusCode::FOUND, [(LOCATION, to)]).into_response(),
        Reply::NotFound(body) => (
            StatusCode::NOT_FOUND,
            [(CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
    }
}

/// Serve connections, at most [`MAX_CONNECTIONS`] at once.
pub(super) async fn accept_loop(
    listener: tokio::net::TcpListener,
    preview: Arc<Preview>,
    workbench: Arc<Workbench>,
) {
    use tower::ServiceExt as _;
    let app = router(preview, workbench)
        .map_request(own_endpoints_under_any_base::<hyper::body::Incoming>);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let slot = Arc::clone(&slots)
            .acquire_owned()
            .await
            .expect("never closed");
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file handles and the like: pass, then try again.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                // `Content-Type`, as browsers' tools and our tests show it.
                .title_case_headers(true);
            let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = tokio::time::sleep(CONNECTION_LIFETIME) => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(CLOSE_GRACE, connection).await;
                }
            }
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_endpoints_answer_under_any_base() {
        let rewrite = |uri: &str| {
            let req = axum::http::Request::builder().uri(uri).body(()).unwrap();
            own_endpoints_under_any_base(req).uri().to_string()
        };
        assert_eq!(rewrite("/wmcj/__wenming/wait?v=3"), "/__wenming/wait?v=3");
        assert_eq!(rewrite("/old/base/__wenming/state"), "/__wenming/state");
        assert_eq!(rewrite("/__wenming/state"), "/__wenming/state");
        assert_eq!(rewrite("/wmcj/reports/"), "/wmcj/reports/");
    }
}
