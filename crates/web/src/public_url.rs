//! The public base URL of this site, used for every absolute URL the server writes (the Atom feed,
//! the record page's `oversight verify --url …`). It is configured (`oversight serve --public-url`),
//! never taken from the request: the `Host` header is chosen by the client.

use axum::{extract::FromRequestParts, http::request::Parts};
use std::{convert::Infallible, fmt, net::SocketAddr, str::FromStr};

use crate::AppState;

/// An origin (`scheme://host[:port]`, http or https), without a trailing slash. The pages link to
/// each other with root-relative paths, so the site must be served at the root of this origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Parses and checks a configured base URL: http or https, a host, no credentials, query,
    /// fragment or path (a single trailing `/` is allowed and dropped).
    pub fn parse(raw: &str) -> Result<PublicUrl, String> {
        let url = url::Url::parse(raw.trim()).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{raw:?}: the public URL must start with http:// or https://"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("{raw:?}: the public URL needs a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("{raw:?}: the public URL must not carry credentials"));
        }
        if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
            return Err(format!(
                "{raw:?}: the public URL must be an origin such as https://register.example.gov \
                 (no path, query or fragment)"
            ));
        }
        // `Url` normalises (lower-case scheme and host, default port dropped) and always ends the
        // origin with "/"; drop it so paths can be appended.
        Ok(PublicUrl(url.as_str().trim_end_matches('/').to_string()))
    }

    /// `http://<addr>`: the default when no public URL is configured.
    pub fn from_listen_addr(addr: SocketAddr) -> PublicUrl {
        PublicUrl(format!("http://{addr}"))
    }

    /// The base URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The absolute URL of a root-relative `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        debug_assert!(path.starts_with('/'), "{path}");
        format!("{}{path}", self.0)
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PublicUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PublicUrl::parse(s)
    }
}

/// The address the server listens on, added by [`crate::serve`] so that a router built without a
/// configured public URL still writes `http://<listen address>` and never the client's `Host`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListenAddr(pub SocketAddr);

/// The base URL for this request: the configured one, else `http://<listen address>`, else
/// `http://localhost` (a router driven without a listener, as in unit tests).
#[derive(Debug, Clone)]
pub struct PublicBase(pub PublicUrl);

impl FromRequestParts<AppState> for PublicBase {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let url = match (&state.public_url, parts.extensions.get::<ListenAddr>()) {
            (Some(url), _) => url.clone(),
            (None, Some(ListenAddr(addr))) => PublicUrl::from_listen_addr(*addr),
            (None, None) => PublicUrl("http://localhost".into()),
        };
        Ok(PublicBase(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_is_an_http_origin_without_a_trailing_slash() {
        assert_eq!(
            PublicUrl::parse("https://Register.Example.gov/").unwrap().as_str(),
            "https://register.example.gov"
        );
        assert_eq!(
            PublicUrl::parse("http://127.0.0.1:8080").unwrap().join("/register"),
            "http://127.0.0.1:8080/register"
        );
        assert_eq!(PublicUrl::parse("https://x.example:443").unwrap().as_str(), "https://x.example");
        for bad in [
            "register.example.gov",
            "ftp://x.example",
            "https://x.example/sub",
            "https://x.example/?a=1",
            "https://u:p@x.example",
            "https://x.example/#f",
            "http://",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
        let v6: SocketAddr = "[::1]:8080".parse().unwrap();
        assert_eq!(PublicUrl::from_listen_addr(v6).as_str(), "http://[::1]:8080");
    }
}
