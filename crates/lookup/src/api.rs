//! The read API on the REST API (`GET` routes beside `POST /logs`, same
//! authorisation): each route is one lookup, one DynamoDB Query per page.
//!
//! | route | lookup |
//! |---|---|
//! | `GET /conferences/{name}/sessions` | [`Lookup::Conference`] |
//! | `GET /sessions/{id}` | [`Lookup::Session`] (`Accept: text/html`: the picture) |
//! | `GET /calls/{call_id}` | [`Lookup::Call`] |
//! | `GET /participants/{alias}/calls` | [`Lookup::Participant`] |
//! | `GET /conferences/active` | [`Lookup::Active`] |
//! | `GET /apps/{source}/events` | [`Lookup::App`] |
//!
//! Query parameters `since`, `until` (ISO 8601 or `30m`/`6h`/`7d`), `limit`
//! (1 to 1000, default 50) and `cursor` (the `next` of the previous page).
//! Answers `200 {"items": [...], "count": n, "next": cursor|null}`, `400` on
//! a bad parameter, `404` when nothing is found, `405` for other methods.

use std::collections::BTreeMap;

use logwrangler::Pseudonymiser;
use logwrangler::pseudonym::Kind;
use logwrangler::time::Millis;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::LookupError;
use crate::pattern::{Lookup, Window};
use crate::query::{Query, fetch, fetch_all};

/// Items per page when the request names no `limit`.
pub const DEFAULT_LIMIT: i32 = 50;

/// An HTTP answer of the read API.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// `application/json`, or `text/html; charset=utf-8` for the picture.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl Response {
    fn json(status: u16, body: Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            body: body.to_string(),
        }
    }

    fn error(status: u16, message: impl Into<String>) -> Response {
        Response::json(status, json!({"error": message.into()}))
    }
}

/// A GET request as API Gateway hands it over.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// HTTP method (only `GET` is served).
    pub method: &'a str,
    /// The resource path, e.g. `/conferences/meet.alice/sessions` (segments percent-encoded or not).
    pub path: &'a str,
    /// Query string parameters.
    pub params: BTreeMap<String, String>,
    /// The `Accept` header.
    pub accept: Option<&'a str>,
}

/// The lookup a route names; `alias` arguments turned into their token when
/// `pseudonymiser` is on (the table holds tokens then).
pub fn route(path: &str, pseudonymiser: Option<&Pseudonymiser>) -> Option<Lookup> {
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let nonempty = |s: &str| !s.is_empty();
    Some(match parts.as_slice() {
        ["conferences", "active"] => Lookup::Active,
        ["conferences", name, "sessions"] if nonempty(name) => Lookup::Conference(name.to_string()),
        ["sessions", id] if nonempty(id) => Lookup::Session(id.to_string()),
        ["calls", id] if nonempty(id) => Lookup::Call(id.to_string()),
        ["participants", alias, "calls"] if nonempty(alias) => {
            Lookup::Participant(participant_key(alias, pseudonymiser))
        }
        ["apps", source, "events"] if nonempty(source) => Lookup::App(source.to_string()),
        _ => return None,
    })
}

/// An alias as the table holds it: its token when pseudonymisation is on.
pub fn participant_key(alias: &str, pseudonymiser: Option<&Pseudonymiser>) -> String {
    match pseudonymiser {
        Some(p) => p.pseudonymise(Kind::Alias, alias),
        None => alias.to_string(),
    }
}

fn wants_html(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',')
            .any(|part| part.split(';').next().map(str::trim) == Some("text/html"))
    })
}

/// Answers one request (`now_ms` anchors relative `since`/`until`).
pub async fn handle(
    client: &impl Query,
    pseudonymiser: Option<&Pseudonymiser>,
    request: &Request<'_>,
    now_ms: Millis,
) -> Response {
    let Some(lookup) = route(request.path, pseudonymiser) else {
        return Response::error(404, format!("no such route: {}", request.path));
    };
    if request.method != "GET" {
        return Response::error(
            405,
            format!(
                "{} {} is not allowed: use GET",
                request.method, request.path
            ),
        );
    }
    if let Some(name) = request
        .params
        .keys()
        .find(|k| !["since", "until", "limit", "cursor"].contains(&k.as_str()))
    {
        return Response::error(
            400,
            format!("unknown parameter {name:?}: use since, until, limit or cursor"),
        );
    }
    let param = |name: &str| request.params.get(name).map(String::as_str);
    let window = match Window::parse(param("since"), param("until"), now_ms) {
        Ok(w) => w,
        Err(e) => return Response::error(400, e.to_string()),
    };
    let limit = match param("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => match text.trim().parse() {
            Ok(n) => n,
            Err(_) => {
                return Response::error(
                    400,
                    format!("limit {text:?} is not a number: give 1 to 1000"),
                );
            }
        },
    };
    if matches!(lookup, Lookup::Session(_)) && wants_html(request.accept) {
        return match fetch_all(client, &lookup, &window, None).await {
            Ok(items) if items.is_empty() => Response::error(404, "no such session"),
            Ok(items) => Response {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: crate::html::session_page(&items),
            },
            Err(e) => failure(e),
        };
    }
    match fetch(client, &lookup, &window, limit, param("cursor")).await {
        Ok(answer)
            if answer.items.is_empty() && answer.next.is_none() && param("cursor").is_none() =>
        {
            Response::error(404, "nothing found")
        }
        Ok(answer) => Response::json(
            200,
            json!({"items": answer.items, "count": answer.items.len(), "next": answer.next}),
        ),
        Err(e) => failure(e),
    }
}

fn failure(e: LookupError) -> Response {
    match e {
        LookupError::BadParameter(why) => Response::error(400, why),
        LookupError::Dynamo(_) => Response::error(502, "the summary table could not be read"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_name_the_lookups() {
        assert_eq!(route("/conferences/active", None), Some(Lookup::Active));
        assert_eq!(
            route("/conferences/meet%2Ealice/sessions", None),
            Some(Lookup::Conference("meet.alice".into()))
        );
        assert_eq!(
            route("/sessions/s-1", None),
            Some(Lookup::Session("s-1".into()))
        );
        assert_eq!(route("/calls/c", None), Some(Lookup::Call("c".into())));
        assert_eq!(
            route("/participants/sip%3Abob%40x/calls", None),
            Some(Lookup::Participant("sip:bob@x".into()))
        );
        assert_eq!(
            route("/apps/billing/events", None),
            Some(Lookup::App("billing".into()))
        );
        assert_eq!(route("/logs", None), None);
        assert_eq!(route("/sessions/", None), None);
        assert!(wants_html(Some("text/html,application/xhtml+xml;q=0.9")));
        assert!(!wants_html(Some("application/json")));
    }
}
