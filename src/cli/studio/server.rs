//! The studio's HTTP side: the embedded page, the JSON API and the event channel, on
//! loopback only. Every request passes [`guard`] first: the session's token, and Host and
//! Origin naming this server (so another site, or a DNS name rebound to 127.0.0.1, cannot
//! drive it). Requests that touch the engine run as jobs on the desk thread.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::mpsc;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use include_dir::{Dir, include_dir};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::{oneshot, watch};

use super::data::Bench;
use super::data::{self, ApiError};
use super::desk::{Desk, Job, StatusJson};
use super::profile_json::ProfileJson;
use crate::session::Input;

/// The page: HTML, CSS and JavaScript modules, built into the binary.
static PAGE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/cli/studio/page");

/// Largest request body taken (a profile, a preset file dropped on the page).
pub(super) const BODY_LIMIT: usize = 1 << 20;

/// What every handler shares.
#[derive(Clone)]
pub(super) struct Shared {
    pub token: Arc<str>,
    pub port: u16,
    pub jobs: mpsc::Sender<Job>,
    pub status: watch::Receiver<StatusJson>,
    pub shutdown: watch::Receiver<bool>,
    pub bench: Arc<Bench>,
    /// The user's own IEM (`--iem`), the page's first pick.
    pub iem: Option<Arc<str>>,
}

impl Shared {
    /// Runs `f` on the desk thread and waits for its answer.
    async fn desk<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Desk) -> R + Send + 'static,
    ) -> Result<R, ApiError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |desk| {
            let _ = tx.send(f(desk));
        });
        self.jobs.send(job).map_err(|_| stopping())?;
        rx.await.map_err(|_| stopping())
    }

    /// The cookie the page load sets: one per port, so two studios do not share one.
    fn cookie_name(&self) -> String {
        format!("iemlab-{}", self.port)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Json(serde_json::json!({ "error": self.message }))).into_response()
    }
}

/// A JSON body, with a malformed one answered as `{"error"}` 400 (or 413 when too large).
struct Body_<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Body_<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body_(v)),
            Err(e) => Err(rejection(e)),
        }
    }
}

fn rejection(e: JsonRejection) -> ApiError {
    let status = e.status().as_u16();
    let status = if status == 415 || status == 413 {
        status
    } else {
        400
    };
    ApiError {
        status,
        message: e.body_text(),
    }
}

fn stopping() -> ApiError {
    ApiError {
        status: 503,
        message: "the studio is stopping".into(),
    }
}

/// The router: assets, API and events, all behind [`guard`].
pub(super) fn router(shared: Shared) -> Router {
    Router::new()
        .route("/api/state", get(state))
        .route("/api/events", get(events))
        .route("/api/outputs", get(outputs))
        .route("/api/search", get(search))
        .route("/api/curve", get(curve))
        .route("/api/target", get(target))
        .route("/api/profile/{slot}", post(profile))
        .route("/api/fit", post(fit))
        .route("/api/export", post(export))
        .route("/api/import", post(import))
        .route("/api/input", post(input))
        .route("/api/goto", post(goto))
        .route("/api/note", post(note))
        .route("/api/rate", post(rate))
        .route("/api/blind", post(blind))
        .route("/api/report", post(report))
        .route("/api/output", post(output))
        .route("/api/quit", post(quit))
        .fallback(asset)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// Refuses a request without the token, or whose Host or Origin is not this server.
async fn guard(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let allowed_host = |h: &str| {
        h == format!("127.0.0.1:{}", shared.port) || h == format!("localhost:{}", shared.port)
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(allowed_host) {
        return forbidden("this page is served for 127.0.0.1 only (Host refused)");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let ok = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(allowed_host);
        if !ok {
            return forbidden("requests from other sites are refused (Origin)");
        }
    }
    let from_query = req.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("token="))
            .map(str::to_string)
    });
    let from_header = headers
        .get("x-iemlab-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let cookie_name = shared.cookie_name();
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == cookie_name).then(|| v.to_string())
        });
    let given = [&from_query, &from_header, &from_cookie];
    if !given
        .iter()
        .any(|t| t.as_deref().is_some_and(|t| same(t, &shared.token)))
    {
        return forbidden("a valid token is required: open the address iemlab studio printed");
    }
    let set_cookie = from_query.is_some() && from_cookie.as_deref() != Some(&*shared.token);
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    if set_cookie
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{cookie_name}={}; Path=/; HttpOnly; SameSite=Strict",
            shared.token
        ))
    {
        h.insert(header::SET_COOKIE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Token comparison in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn forbidden(why: &str) -> Response {
    ApiError {
        status: 403,
        message: why.into(),
    }
    .into_response()
}

/// An embedded asset by its exact name (`/` is the page); anything else is 404.
async fn asset(req: Request) -> Response {
    let path = req.uri().path();
    let name = match path {
        "/" => "index.html",
        p => p.trim_start_matches('/'),
    };
    let file = (!name.contains("..") && !name.contains('\\') && !name.contains("//"))
        .then(|| PAGE.get_file(name))
        .flatten();
    let Some(file) = file else {
        return ApiError::not_found(format!("{path}: no such page")).into_response();
    };
    let kind = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, kind)], Body::from(file.contents())).into_response()
}

async fn state(State(shared): State<Shared>) -> Result<Json<serde_json::Value>, ApiError> {
    let bench = Arc::clone(&shared.bench);
    let iem = shared.iem.clone();
    shared
        .desk(move |desk| super::state::state_json(desk, &bench, iem.as_deref()))
        .await
        .map(Json)
}

/// The status every 50 ms, with the lines each client has not seen yet; ends when the
/// studio stops.
async fn events(
    State(shared): State<Shared>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let start = (shared.status.clone(), shared.shutdown.clone(), 0u64);
    let stream =
        futures_util::stream::unfold(start, |(mut status, mut shutdown, seen)| async move {
            if *shutdown.borrow() {
                return None;
            }
            tokio::select! {
                changed = status.changed() => changed.ok()?,
                _ = shutdown.changed() => return None,
            }
            let now = status.borrow_and_update().clone();
            let mut json = serde_json::to_value(&now).unwrap_or_default();
            let new: Vec<&str> = now
                .lines
                .iter()
                .filter(|(n, _)| *n > seen)
                .map(|(_, l)| l.as_str())
                .collect();
            let seen = now.lines.back().map_or(seen, |(n, _)| *n.max(&seen));
            json["lines"] = serde_json::json!(new);
            let event = Event::default().event("status").data(json.to_string());
            Some((Ok(event), (status, shutdown, seen)))
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The audio outputs (asking the hosts takes a moment: off the server's thread).
async fn outputs() -> Result<Json<serde_json::Value>, ApiError> {
    blocking(|| {
        let list: Vec<serde_json::Value> = crate::engine::device::list(false)
            .into_iter()
            .map(|d| serde_json::json!({ "index": d.index, "name": d.name, "default": d.is_default }))
            .collect();
        Ok(serde_json::json!(list))
    })
    .await
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn search(
    State(shared): State<Shared>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(serde_json::json!(shared.bench.search(&q.q))))
}

#[derive(Deserialize)]
struct CurveQuery {
    name: String,
}

async fn curve(
    State(shared): State<Shared>,
    Query(q): Query<CurveQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let bench = Arc::clone(&shared.bench);
    blocking(move || bench.curve(&q.name).map(|c| serde_json::json!(c))).await
}

async fn target(
    State(shared): State<Shared>,
    Query(q): Query<super::data::TargetReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let bench = Arc::clone(&shared.bench);
    blocking(move || bench.target(&q).map(|c| serde_json::json!(c))).await
}

async fn fit(
    State(shared): State<Shared>,
    Body_(req): Body_<super::data::FitReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let bench = Arc::clone(&shared.bench);
    blocking(move || bench.fit(&req).map(|c| serde_json::json!(c))).await
}

async fn export(Body_(req): Body_<data::ExportReq>) -> Result<Json<serde_json::Value>, ApiError> {
    blocking(move || data::export(&req).map(|c| serde_json::json!(c))).await
}

async fn import(Body_(req): Body_<data::ImportReq>) -> Result<Json<serde_json::Value>, ApiError> {
    blocking(move || data::import(&req.name, &req.text).map(|c| serde_json::json!(c))).await
}

/// CPU work (fits, curves) off the server's thread.
async fn blocking(
    f: impl FnOnce() -> Result<serde_json::Value, ApiError> + Send + 'static,
) -> Result<Json<serde_json::Value>, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::failed(e.to_string()))?
        .map(Json)
}

async fn profile(
    State(shared): State<Shared>,
    UrlPath(slot): UrlPath<usize>,
    Body_(profile): Body_<Option<ProfileJson>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let profile = profile
        .map(|p| p.to_profile())
        .transpose()
        .map_err(ApiError::bad)?;
    shared
        .desk(move |desk| desk.set_profile(slot, profile))
        .await?
        .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputReq {
    #[serde(rename = "do")]
    action: String,
    value: Option<f64>,
}

async fn input(
    State(shared): State<Shared>,
    Body_(req): Body_<InputReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let value = req.value.filter(|v| v.is_finite());
    let need = |what: &str| {
        value.ok_or_else(|| ApiError::bad(format!("\"{what}\" needs a numeric \"value\"")))
    };
    let index = |what: &str, limit: usize| -> Result<usize, ApiError> {
        let v = need(what)?;
        if v < 0.0 || v.fract() != 0.0 || v >= limit as f64 {
            return Err(ApiError::bad(format!(
                "\"{what}\" takes 0 to {}, not {v}",
                limit - 1
            )));
        }
        Ok(v as usize)
    };
    let input = match req.action.as_str() {
        "pause" => Input::Pause,
        "next" => Input::Next,
        "previous" => Input::Previous,
        "loop" => Input::Loop,
        "toggle" => Input::Toggle,
        "seek" => Input::Seek(need("seek")?),
        "volume" => Input::Volume(need("volume")?),
        "cue" => Input::Cue(index("cue", 100)?),
        "profile" => Input::Profile(index("profile", super::desk::SLOTS)?),
        "crossfade" => {
            let ms = need("crossfade")?;
            if !(0.0..=500.0).contains(&ms) {
                return Err(ApiError::bad(format!(
                    "a crossfade of {ms} ms: give 0 to 500 ms"
                )));
            }
            shared.desk(move |desk| desk.set_crossfade(ms)).await?;
            return Ok(Json(serde_json::json!({})));
        }
        other => {
            return Err(ApiError::bad(format!(
                "unknown input {other:?}: pause, next, previous, seek, cue, loop, profile, toggle, volume or crossfade"
            )));
        }
    };
    shared.desk(move |desk| desk.input(input)).await?;
    Ok(Json(serde_json::json!({})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GotoReq {
    track: usize,
    seconds: f64,
}

async fn goto(
    State(shared): State<Shared>,
    Body_(req): Body_<GotoReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    shared
        .desk(move |desk| desk.goto(req.track, req.seconds))
        .await??;
    Ok(Json(serde_json::json!({})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteReq {
    text: String,
}

async fn note(
    State(shared): State<Shared>,
    Body_(req): Body_<NoteReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let text = req.text.trim().to_string();
    if text.is_empty() {
        return Err(ApiError::bad("an empty note is not saved"));
    }
    let path = shared.desk(move |desk| desk.note(text)).await?;
    Ok(Json(serde_json::json!({ "saved": path })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateReq {
    section: String,
    score: f64,
    #[serde(default)]
    words: String,
}

async fn rate(
    State(shared): State<Shared>,
    Body_(req): Body_<RateReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let rating =
        crate::ab::rating::Rating::parse(&format!("{} {} {}", req.section, req.score, req.words))
            .map_err(ApiError::bad)?;
    let path = shared
        .desk(move |desk| desk.note(rating.note_text()))
        .await?;
    Ok(Json(serde_json::json!({ "saved": path })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlindReq {
    mode: String,
    trials: Option<u32>,
}

async fn blind(
    State(shared): State<Shared>,
    Body_(req): Body_<BlindReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    shared
        .desk(move |desk| desk.set_blind(&req.mode, req.trials.unwrap_or(16)))
        .await??;
    Ok(Json(serde_json::json!({})))
}

async fn report(State(shared): State<Shared>) -> Result<Json<serde_json::Value>, ApiError> {
    shared.desk(Desk::report).await?.map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputReq {
    device: String,
}

async fn output(
    State(shared): State<Shared>,
    Body_(req): Body_<OutputReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let name = shared
        .desk(move |desk| desk.set_output(&req.device))
        .await??;
    Ok(Json(serde_json::json!({ "output": name })))
}

async fn quit(State(shared): State<Shared>) -> Json<serde_json::Value> {
    let _ = shared.desk(Desk::quit).await;
    Json(serde_json::json!({}))
}
