//! JSON request bodies: strict parsing with errors that name the field.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{StatusCode, header},
};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::Json`, but: requires `Content-Type: application/json`; malformed JSON is 400; a
/// well-formed body of the wrong shape (unknown field, wrong type, missing field) is 422 naming the
/// field's path; a body over the limit is 413.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
                ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is larger than {} bytes", crate::MAX_JSON_BYTES),
            )
        };
        let declared =
            req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        if declared.is_some_and(|n| n > crate::MAX_JSON_BYTES) {
            return Err(too_large());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the body is larger than {} bytes", crate::MAX_JSON_BYTES),
                )
            } else {
                ApiError::bad_request(e.body_text())
            }
        })?;
        // Routes with a larger limit for uploads still take JSON only up to the JSON limit.
        if bytes.len() > crate::MAX_JSON_BYTES {
            return Err(too_large());
        }
        parse(&bytes).map(ApiJson)
    }
}

/// Parses JSON, classifying errors as syntax (400) or shape (422, with the field path).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            use serde_json::error::Category;
            match inner.classify() {
                Category::Syntax | Category::Eof | Category::Io => {
                    Err(ApiError::bad_request(format!("malformed JSON: {inner}")))
                }
                Category::Data => {
                    let field = if path == "." { String::new() } else { path };
                    // serde's message names unknown and missing fields itself; keep it, minus position noise.
                    let msg = inner.to_string();
                    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                    let field = if field.is_empty() {
                        missing_or_unknown_field(&msg).unwrap_or_default()
                    } else {
                        field
                    };
                    Err(ApiError::invalid(field, msg))
                }
            }
        }
    }
}

pub(crate) fn missing_or_unknown_field(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = msg[start..].find('`')? + start;
    Some(msg[start..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: u32,
    }

    #[test]
    fn syntax_errors_are_400_and_shape_errors_are_422_naming_the_field() {
        assert_eq!(parse::<Body>(b"{not json").unwrap_err().status, StatusCode::BAD_REQUEST);
        let e = parse::<Body>(br#"{"name":"a","count":"x"}"#).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("count")));
        let e = parse::<Body>(br#"{"name":"a","count":1,"extra":2}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("extra"));
        let e = parse::<Body>(br#"{"name":"a"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("count"));
        assert!(parse::<Body>(br#"{"name":"a","count":1}"#).is_ok());
    }
}
