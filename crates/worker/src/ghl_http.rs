//! Sends the core's `HttpRequest` values with the Workers `fetch`, and brings the
//! answer back as the core's `HttpResponse`: every outgoing call (GHL, its
//! OAuth token endpoint, Spot-Hit, Specter) goes through here.

use ghl_bridge::http::{HttpRequest, HttpResponse};
use worker::{Fetch, Headers, Method, Request, RequestInit};

pub async fn send(request: &HttpRequest) -> worker::Result<HttpResponse> {
    let headers = Headers::new();
    for (k, v) in &request.headers {
        headers.set(k, v)?;
    }
    let method = match request.method {
        ghl_bridge::http::Method::Get => Method::Get,
        ghl_bridge::http::Method::Post => Method::Post,
        ghl_bridge::http::Method::Put => Method::Put,
        ghl_bridge::http::Method::Patch => Method::Patch,
        ghl_bridge::http::Method::Delete => Method::Delete,
    };
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(body) = &request.body {
        init.with_body(Some(body.clone().into()));
    }
    let req = Request::new_with_init(&request.url, &init)?;
    let mut res = Fetch::Request(req).send().await?;
    let headers = res.headers().entries().collect();
    let body = res.text().await.unwrap_or_default();
    Ok(HttpResponse {
        status: res.status_code(),
        headers,
        body,
    })
}
