//! The parts of a request's URL the routes read: its origin and its query.
//!
//! Read from the URL string the runtime hands over, already normalised.
//! `worker::Request::url` would parse it again with the `url` crate, whose IDNA
//! and Unicode tables the wasm would carry only for that.

use ghl_bridge::http::{query_param, url_origin, url_query};
use worker::Request;

/// `scheme://host[:port]` of the request.
pub fn origin(req: &Request) -> String {
    url_origin(&req.inner().url()).to_string()
}

/// The raw query, empty when there is none.
pub fn query(req: &Request) -> String {
    url_query(&req.inner().url()).to_string()
}

/// The first value of the query parameter `name`, form-decoded.
pub fn param(req: &Request, name: &str) -> Option<String> {
    query_param(url_query(&req.inner().url()), name)
}
