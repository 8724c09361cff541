//! The media types `POST /logs` accepts.
//!
//! API Gateway validates a body against the model bound to its content type; a type without a
//! model used to pass unvalidated, so the Lambda refuses every type but JSON itself (415) rather
//! than read, say, a form body as events.

use serde_json::json;

/// The media type the API takes.
pub const JSON: &str = "application/json";

/// Whether a request with this `Content-Type` header may carry app log events: JSON
/// (`application/json` or a `+json` type, with parameters such as `charset`), or no header at
/// all (the body is then read as JSON, as API Gateway's `$default` model checked it).
pub fn accepts(content_type: Option<&str>) -> bool {
    let Some(value) = content_type else {
        return true;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == JSON || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The body of the 415 answer: what came and what is expected.
pub fn unsupported_body(content_type: &str) -> String {
    json!({"error": "unsupported_media_type", "content_type": content_type, "expected": JSON})
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_no_header_are_accepted() {
        for ok in [
            None,
            Some("application/json"),
            Some("Application/JSON; charset=utf-8"),
            Some("application/vnd.api+json"),
        ] {
            assert!(accepts(ok), "{ok:?}");
        }
    }

    #[test]
    fn other_types_are_refused_with_a_clear_body() {
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/xml",
            "",
        ] {
            assert!(!accepts(Some(bad)), "{bad:?}");
        }
        let body: serde_json::Value =
            serde_json::from_str(&unsupported_body("text/plain")).unwrap();
        assert_eq!(
            body,
            json!({"error": "unsupported_media_type", "content_type": "text/plain", "expected": "application/json"})
        );
    }
}
