//! A sandbox on a free port, and a client that sends the core's requests.
#![allow(dead_code)]

use ghl_bridge::ghl::{build_request, Call, GhlTarget};
use ghl_bridge::http::{HttpRequest, HttpResponse, Method};
use ghl_bridge_sandbox::{spawn, Settings, Shared};
use serde_json::Value;

pub struct Sandbox {
    pub url: String,
    pub shared: Shared,
    _rt: tokio::runtime::Runtime,
}

pub const TOKEN: &str = "sandbox-location-token";
pub const READONLY: &str = "sandbox-readonly-token";
pub const LOCATION: &str = "dev-location";

impl Sandbox {
    pub fn start() -> Sandbox {
        Sandbox::with(Settings::default())
    }

    pub fn with(settings: Settings) -> Sandbox {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (addr, shared) = rt
            .block_on(spawn("127.0.0.1:0".parse().unwrap(), settings))
            .unwrap();
        Sandbox {
            url: format!("http://{addr}"),
            shared,
            _rt: rt,
        }
    }

    pub fn target(&self, token: &str) -> GhlTarget {
        GhlTarget {
            base_url: format!("{}/ghl", self.url),
            token: token.to_string(),
        }
    }

    /// Builds the call with the core, sends it, parses the answer with the core.
    pub fn call<C: Call>(
        &self,
        call: &C,
        token: &str,
    ) -> (Result<C::Response, ghl_bridge::ghl::GhlError>, HttpResponse) {
        let request = build_request(call, &self.target(token)).unwrap();
        let response = send(&request);
        (call.parse(&response), response)
    }

    pub fn get_json(&self, path: &str) -> Value {
        let r = raw(&self.url, "GET", path, &[], None);
        serde_json::from_str(&r.body).unwrap()
    }

    pub fn post_json(&self, path: &str, body: Value) -> HttpResponse {
        raw(
            &self.url,
            "POST",
            path,
            &[("content-type", "application/json")],
            Some(body.to_string()),
        )
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

pub fn send(request: &HttpRequest) -> HttpResponse {
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let method = match request.method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
    };
    raw("", method, &request.url, &headers, request.body.clone())
}

/// Any request; `base` is prefixed to `path`.
pub fn raw(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> HttpResponse {
    let url = format!("{base}{path}");
    let agent = agent();
    let result = match (method, body) {
        ("GET", _) => headers
            .iter()
            .fold(agent.get(&url), |r, (k, v)| r.header(*k, *v))
            .call(),
        ("DELETE", None) => headers
            .iter()
            .fold(agent.delete(&url), |r, (k, v)| r.header(*k, *v))
            .call(),
        ("DELETE", Some(b)) => headers
            .iter()
            .fold(agent.delete(&url), |r, (k, v)| r.header(*k, *v))
            .force_send_body()
            .send(b.as_bytes()),
        ("POST", b) => headers
            .iter()
            .fold(agent.post(&url), |r, (k, v)| r.header(*k, *v))
            .send(b.unwrap_or_default().as_bytes()),
        ("PUT", b) => headers
            .iter()
            .fold(agent.put(&url), |r, (k, v)| r.header(*k, *v))
            .send(b.unwrap_or_default().as_bytes()),
        ("PATCH", b) => headers
            .iter()
            .fold(agent.patch(&url), |r, (k, v)| r.header(*k, *v))
            .send(b.unwrap_or_default().as_bytes()),
        (m, _) => panic!("method {m}"),
    };
    let mut response = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let hs: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    HttpResponse {
        status,
        headers: hs,
        body,
    }
}
