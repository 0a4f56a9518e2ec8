//! Transport-neutral HTTP values: what the core hands to a transport and gets back.

use serde::Serialize;
use std::fmt;

/// The HTTP methods the GHL API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Header names whose values are credentials: masked whenever a request is shown.
const SECRET_HEADERS: &[&str] = &["authorization", "x-api-key", "cookie"];

/// Form fields whose values are credentials (Spot-Hit's `key`, OAuth's secrets).
const SECRET_FORM_FIELDS: &[&str] = &["key", "client_secret", "refresh_token", "code"];

/// One request, ready for any transport. `Debug` and [`HttpRequest::redacted`] mask
/// credentials, so a request can be logged or previewed without leaking a token.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// JSON or form-encoded text, when the endpoint takes a body.
    pub body: Option<String>,
}

impl HttpRequest {
    /// The value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// A copy safe to show: credential headers keep only their scheme (`Bearer ****`).
    pub fn redacted(&self) -> HttpRequest {
        let headers = self
            .headers
            .iter()
            .map(|(name, value)| {
                if SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                    (name.clone(), mask_secret(value))
                } else {
                    (name.clone(), value.clone())
                }
            })
            .collect();
        let form = self
            .header("content-type")
            .is_some_and(|t| t.contains("x-www-form-urlencoded"));
        let body = match &self.body {
            Some(b) if form => Some(mask_form_secrets(b)),
            other => other.clone(),
        };
        HttpRequest {
            headers,
            body,
            ..self.clone()
        }
    }
}

fn mask_form_secrets(body: &str) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap_or_default();
    let masked: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| {
            if SECRET_FORM_FIELDS.contains(&k.as_str()) {
                (k, "****".to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    serde_urlencoded::to_string(masked).unwrap_or_else(|_| "****".into())
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.redacted();
        f.debug_struct("HttpRequest")
            .field("method", &shown.method)
            .field("url", &shown.url)
            .field("headers", &shown.headers)
            .field("body", &shown.body)
            .finish()
    }
}

/// `Bearer abc123` becomes `Bearer ****`; a bare secret becomes `****`.
fn mask_secret(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} ****"),
        None => "****".to_string(),
    }
}

/// One response as a transport received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `scheme://host[:port]` of an absolute URL, as a browser writes an origin.
/// The URL is one a runtime normalised already (a request's own URL).
pub fn url_origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |at| after_scheme + at);
    &url[..end]
}

/// A URL without its origin: `https://host/a/b?c` -> `/a/b?c` (`/` when it
/// has no path), as logs and the admin view show a request.
pub fn url_path_and_query(url: &str) -> &str {
    match &url[url_origin(url).len()..] {
        rest if rest.starts_with('/') => rest,
        _ => "/",
    }
}

/// The raw query of a URL (after `?`, before `#`), empty when there is none.
pub fn url_query(url: &str) -> &str {
    let Some(start) = url.find('?') else {
        return "";
    };
    let query = &url[start + 1..];
    query.split('#').next().unwrap_or_default()
}

/// The first value of the parameter `name` in a raw query, form-decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Characters escaped inside one path segment: everything but unreserved ones.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `value` as one URL path segment (a `/` in it cannot split the path).
pub fn encode_path_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, PATH_SEGMENT).to_string()
}

/// A path segment as it was before [`encode_path_segment`].
pub fn decode_path_segment(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts_as_a_browser_reads_them() {
        let url = "https://bridge.example.com:8443/oauth/start?a=1&b=x+y%21#frag";
        assert_eq!(url_origin(url), "https://bridge.example.com:8443");
        assert_eq!(url_origin("http://127.0.0.1:8787"), "http://127.0.0.1:8787");
        assert_eq!(url_origin("http://h?q=1"), "http://h");
        assert_eq!(url_path_and_query(url), "/oauth/start?a=1&b=x+y%21#frag");
        assert_eq!(url_path_and_query("http://h"), "/");
        assert_eq!(url_query(url), "a=1&b=x+y%21");
        assert_eq!(url_query("http://h/p"), "");
        assert_eq!(url_query("http://h/p?#x"), "");
        assert_eq!(query_param(url_query(url), "b").as_deref(), Some("x y!"));
        assert_eq!(query_param("a=1&a=2", "a").as_deref(), Some("1"));
        assert_eq!(query_param("a=1", "b"), None);
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let request = HttpRequest {
            method: Method::Get,
            url: "https://x/contacts/1".into(),
            headers: vec![("Authorization".into(), "Bearer pit-secret-123".into())],
            body: None,
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("pit-secret-123"), "{shown}");
        assert!(shown.contains("Bearer ****"), "{shown}");
        assert_eq!(
            request.header("authorization"),
            Some("Bearer pit-secret-123")
        );
    }

    #[test]
    fn form_bodies_hide_keys_and_oauth_secrets() {
        let request = HttpRequest {
            method: Method::Post,
            url: "https://www.spot-hit.fr/api/envoyer/sms".into(),
            headers: vec![(
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: Some("key=sh-secret&message=Bonjour&client_secret=cs-1".into()),
        };
        let shown = format!("{request:?}");
        assert!(
            !shown.contains("sh-secret") && !shown.contains("cs-1"),
            "{shown}"
        );
        assert!(shown.contains("message=Bonjour"), "{shown}");
    }
}
