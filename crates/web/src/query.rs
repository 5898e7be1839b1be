//! Query strings: strict parsing with errors that name the parameter, like [`crate::json::ApiJson`]
//! does for bodies.

use axum::{extract::FromRequestParts, http::request::Parts};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::extract::Query`, but a query string that does not fit `T` (unknown parameter, wrong
/// type, number out of range, missing parameter) is a 422 `invalid` naming the parameter, never a
/// bare 400 or a 500.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

/// Parses a query string (without the `?`) into `T`.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize::<_, T>(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let field = if path == "." || path.is_empty() {
            // serde names unknown and missing parameters in its message, between backticks.
            crate::json::missing_or_unknown_field(&message).unwrap_or_else(|| "query".into())
        } else {
            path
        };
        let message = format!("query parameter {field}: {message}");
        ApiError::invalid(field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Params {
        start: u64,
        page: Option<u32>,
        from: Option<chrono::NaiveDate>,
    }

    #[test]
    fn every_bad_parameter_is_a_422_naming_it() {
        for (q, field) in [
            ("start=x", "start"),
            ("start=1&page=4294967296", "page"),
            ("start=1&page=-1", "page"),
            ("start=1&from=yesterday", "from"),
            ("start=1&bogus=1", "bogus"),
            ("page=1", "start"),
            ("", "start"),
        ] {
            let e = parse::<Params>(q).unwrap_err();
            assert_eq!(
                (e.status, e.field.as_deref()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{q}: {e:?}"
            );
        }
        let p: Params = parse("start=3&page=2&from=2026-01-31").unwrap();
        assert_eq!((p.start, p.page), (3, Some(2)));
    }
}
