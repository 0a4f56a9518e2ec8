//! GHL's side of an app's custom page: the user data GHL's parent window
//! hands the page on `REQUEST_USER_DATA`, encrypted with the app's shared
//! secret exactly as `CryptoJS.AES.encrypt(json, secret)` does (the core's
//! `sso::encrypt`), and a page that embeds the app's `/app/` in an iframe
//! and answers its messages, as GHL's sub-account or agency view would.

use crate::Shared;
use axum::extract::{Query, State as Extract};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::HashMap;

/// The sandbox app's shared secret (a development value, like the others).
pub const SSO_KEY: &str = "dev-sso-shared-secret";

fn payload(s: &Shared, q: &HashMap<String, String>) -> String {
    let kind = q.get("type").map_or("location", String::as_str).to_string();
    let location = q
        .get("locationId")
        .cloned()
        .unwrap_or_else(|| crate::state::DEV_LOCATION.into());
    let company = q
        .get("companyId")
        .cloned()
        .unwrap_or_else(|| crate::state::DEV_COMPANY.into());
    let role = q.get("role").cloned().unwrap_or_else(|| "admin".into());
    let mut user = json!({"userId": format!("usr_{role}_{kind}"), "companyId": company, "role": role,
        "type": kind, "userName": "Sandbox User", "email": "user@sandbox.example",
        "isAgencyOwner": kind == "agency", "versionId": "sandbox", "appStatus": "installed"});
    if kind == "location" {
        user["activeLocation"] = json!(location);
    }
    let salt: [u8; 8] = {
        let mut state = s.lock();
        std::array::from_fn(|_| (state.dice() * 256.0) as u8)
    };
    ghl_bridge::sso::encrypt(user.to_string().as_bytes(), SSO_KEY, salt)
}

/// `GET /__sandbox/ghl/sso?locationId=&role=&type=&companyId=`: the
/// encrypted user data, as the parent window would deliver it.
pub async fn user_data(
    Extract(s): Extract<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<serde_json::Value> {
    Json(json!({"message": "REQUEST_USER_DATA_RESPONSE", "payload": payload(&s, &q)}))
}

/// `GET /__sandbox/ghl/app?locationId=&role=&type=`: GHL's page around the
/// app's custom page, answering the frame's `REQUEST_USER_DATA`.
pub async fn frame(
    Extract(s): Extract<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(app) = s.lock().settings.app_url.clone() else {
        return Html("<p>The sandbox does not know the app's URL (--app-url).</p>").into_response();
    };
    let user = payload(&s, &q);
    let origin = app.trim_end_matches('/');
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>GHL (sandbox) · ghl-bridge</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{margin:0;font-family:system-ui,sans-serif;background:#f0f2f5}}header{{background:#155eef;color:#fff;padding:8px 14px;font-size:14px}}iframe{{border:0;width:100%;height:calc(100vh - 36px);background:#fff}}</style></head>
<body><header>GHL sandbox · sub-account view · custom page "ghl-bridge"</header>
<iframe id="app" src="{origin}/app/" title="ghl-bridge"></iframe>
<script>
const frame = document.getElementById("app");
window.addEventListener("message", (e) => {{
  if (e.source !== frame.contentWindow || e.data?.message !== "REQUEST_USER_DATA") return;
  frame.contentWindow.postMessage({{ message: "REQUEST_USER_DATA_RESPONSE", payload: {user:?} }}, "{origin}");
}});
</script></body></html>"#
    );
    Html(page).into_response()
}
