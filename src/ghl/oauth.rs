//! GHL OAuth 2.0 (a Marketplace app): the tokens a location keeps, when they
//! are due for a refresh, the token endpoint's request, and what its answer
//! means. GHL's refresh tokens work once: whoever refreshes must store the new
//! pair before anyone uses it, one refresh at a time (the Durable Object's job).

use crate::http::{HttpRequest, HttpResponse, Method};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whom a token speaks for: one location, or an agency (a bulk install).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserType {
    #[default]
    Location,
    Company,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Location => "Location",
            UserType::Company => "Company",
        }
    }
}

/// What a location (or an agency) keeps for an OAuth install.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthTokens {
    pub access_token: String,
    /// Absent on a location token minted from a company token (GHL's v2
    /// `locationToken` gives none): a new one is minted instead.
    #[serde(default)]
    pub refresh_token: Option<String>,
    pub expires_at_ms: u64,
    #[serde(default)]
    pub issued_at_ms: u64,
    #[serde(default)]
    pub location_id: String,
    pub scope: String,
    #[serde(default)]
    pub user_type: UserType,
    /// The agency, for a company token or a location token minted from one.
    #[serde(default)]
    pub company_id: Option<String>,
}

impl OAuthTokens {
    /// Still good for a while: refreshed a minute before it expires (or a
    /// tenth of its life, for short-lived tokens), so no call races the expiry.
    pub fn fresh(&self, now_ms: u64) -> bool {
        let life = self.expires_at_ms.saturating_sub(self.issued_at_ms);
        let margin = (life / 10).min(60_000);
        self.expires_at_ms > now_ms + margin
    }

    /// From GHL's token answer (the token endpoint's or `locationToken`'s).
    pub fn from_answer(answer: &Value, now_ms: u64) -> Option<OAuthTokens> {
        let text = |k: &str| answer[k].as_str().map(String::from);
        Some(OAuthTokens {
            access_token: text("access_token")?,
            refresh_token: text("refresh_token"),
            expires_at_ms: now_ms + answer["expires_in"].as_u64().unwrap_or(3600) * 1000,
            issued_at_ms: now_ms,
            location_id: text("locationId").unwrap_or_default(),
            scope: text("scope").unwrap_or_default(),
            user_type: if answer["userType"] == "Company" {
                UserType::Company
            } else {
                UserType::Location
            },
            company_id: text("companyId"),
        })
    }

    /// A location token to mint again from its agency's token when it expires.
    pub fn minted_from_company(&self) -> Option<&str> {
        match (&self.refresh_token, self.user_type) {
            (None, UserType::Location) => self.company_id.as_deref(),
            _ => None,
        }
    }
}

/// The app's credentials at GHL.
#[derive(Clone)]
pub struct OAuthClient {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"****")
            .finish()
    }
}

impl OAuthClient {
    /// The form POST to GHL's token endpoint for `grant`.
    pub fn token_request(&self, grant: &[(&str, &str)]) -> HttpRequest {
        let mut fields = vec![
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
        ];
        fields.extend_from_slice(grant);
        HttpRequest {
            method: Method::Post,
            url: format!("{}/oauth/token", self.base_url.trim_end_matches('/')),
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("Accept".into(), "application/json".into()),
            ],
            body: Some(serde_urlencoded::to_string(&fields).unwrap_or_default()),
        }
    }

    /// `None` when the tokens have no refresh token.
    pub fn refresh_request(&self, tokens: &OAuthTokens) -> Option<HttpRequest> {
        Some(self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens.refresh_token.as_deref()?),
            ("user_type", tokens.user_type.as_str()),
        ]))
    }

    /// GHL's app id, as its SDK derives it from the client id.
    pub fn app_id(&self) -> &str {
        self.client_id.split('-').next().unwrap_or(&self.client_id)
    }

    fn agency_call(
        &self,
        method: Method,
        path_and_query: &str,
        company_token: &str,
    ) -> HttpRequest {
        HttpRequest {
            method,
            url: format!("{}{path_and_query}", self.base_url.trim_end_matches('/')),
            headers: vec![
                ("Authorization".into(), format!("Bearer {company_token}")),
                ("Version".into(), crate::ghl::CONTACTS_API_VERSION.into()),
                ("Accept".into(), "application/json".into()),
            ],
            body: None,
        }
    }

    /// `GET /oauth/installedLocations`: where the agency installed the app.
    pub fn installed_locations_request(
        &self,
        company_id: &str,
        company_token: &str,
    ) -> HttpRequest {
        let query = serde_urlencoded::to_string([
            ("companyId", company_id),
            ("appId", self.app_id()),
            ("isInstalled", "true"),
            ("limit", "500"),
        ])
        .unwrap_or_default();
        self.agency_call(
            Method::Get,
            &format!("/oauth/installedLocations?{query}"),
            company_token,
        )
    }

    /// `POST /oauth/locationToken`: a location token from the agency's token.
    pub fn location_token_request(
        &self,
        company_id: &str,
        location_id: &str,
        company_token: &str,
    ) -> HttpRequest {
        let mut request = self.agency_call(Method::Post, "/oauth/locationToken", company_token);
        request.headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        request.body =
            serde_urlencoded::to_string([("companyId", company_id), ("locationId", location_id)])
                .ok();
        request
    }
}

/// One location of an agency install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledLocation {
    pub id: String,
    pub name: String,
}

/// Reads `installedLocations`' answer.
pub fn installed_locations(response: &HttpResponse) -> Result<Vec<InstalledLocation>, String> {
    if response.status != 200 {
        return Err(format!(
            "GHL refused to list the installed locations (HTTP {}): {}",
            response.status, response.body
        ));
    }
    let answer: Value = serde_json::from_str(&response.body).map_err(|e| e.to_string())?;
    Ok(answer["locations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some(InstalledLocation {
                id: l["_id"].as_str()?.to_string(),
                name: l["name"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect())
}

/// Reads `locationToken`'s answer: the location's tokens, tied to the agency.
pub fn minted_location_token(response: &HttpResponse, company_id: &str, now_ms: u64) -> Refreshed {
    let answer: Value = serde_json::from_str(&response.body).unwrap_or_default();
    match OAuthTokens::from_answer(&answer, now_ms) {
        Some(mut t) if response.status == 200 => {
            t.company_id = Some(company_id.to_string());
            t.user_type = UserType::Location;
            Refreshed::Tokens(t)
        }
        _ if response.status >= 500 || response.status == 429 => Refreshed::Retry(format!(
            "minting a location token: GHL answered {}",
            response.status
        )),
        _ => Refreshed::Refused(format!(
            "GHL refused a location token (HTTP {}): {}; the app may have been uninstalled",
            response.status, response.body
        )),
    }
}

/// What a refresh came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Refreshed {
    /// The new pair: store it before using it.
    Tokens(OAuthTokens),
    /// GHL unreachable or busy: try later with the same refresh token.
    Retry(String),
    /// GHL refused the refresh token: the app must be installed again.
    Refused(String),
}

/// Reads the token endpoint's answer to a refresh of `old`.
pub fn refresh_outcome(
    response: Result<&HttpResponse, &str>,
    old: &OAuthTokens,
    now_ms: u64,
) -> Refreshed {
    let response = match response {
        Ok(r) => r,
        Err(e) => return Refreshed::Retry(format!("token refresh: GHL unreachable: {e}")),
    };
    let answer: Value = serde_json::from_str(&response.body).unwrap_or_default();
    match OAuthTokens::from_answer(&answer, now_ms) {
        Some(mut fresh) if response.status == 200 => {
            if fresh.location_id.is_empty() {
                fresh.location_id = old.location_id.clone();
            }
            Refreshed::Tokens(fresh)
        }
        _ if response.status >= 500 || response.status == 429 => {
            Refreshed::Retry(format!("token refresh: GHL answered {}", response.status))
        }
        _ => Refreshed::Refused(format!(
            "GHL refused the refresh token (HTTP {}: {}): reinstall the app through /oauth/start",
            response.status,
            answer["error_description"]
                .as_str()
                .unwrap_or("no reason given")
        )),
    }
}

/// Why a location without a token cannot call GHL, with the fix.
pub const NOT_CONNECTED: &str =
    "GHL is not connected: set GHL_TOKEN, or install the app through /oauth/start";

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(issued: u64, expires: u64) -> OAuthTokens {
        OAuthTokens {
            access_token: "a".into(),
            refresh_token: Some("r".into()),
            expires_at_ms: expires,
            issued_at_ms: issued,
            location_id: "loc".into(),
            scope: String::new(),
            user_type: UserType::Location,
            company_id: None,
        }
    }

    #[test]
    fn refreshed_before_expiry_with_a_margin() {
        let day = tokens(0, 86_400_000);
        assert!(day.fresh(86_400_000 - 61_000));
        assert!(!day.fresh(86_400_000 - 59_000), "a minute ahead");
        let short = tokens(0, 4_000);
        assert!(short.fresh(3_500));
        assert!(!short.fresh(3_700), "a tenth of a short life");
    }

    #[test]
    fn a_refresh_answer_is_tokens_a_retry_or_a_refusal() {
        let old = tokens(0, 1);
        let ok = HttpResponse {
            status: 200,
            headers: vec![],
            body: r#"{"access_token":"a2","refresh_token":"r2","expires_in":10}"#.into(),
        };
        let Refreshed::Tokens(t) = refresh_outcome(Ok(&ok), &old, 1_000) else {
            panic!()
        };
        assert_eq!((t.location_id.as_str(), t.expires_at_ms), ("loc", 11_000));
        let busy = HttpResponse {
            status: 503,
            ..ok.clone()
        };
        assert!(matches!(
            refresh_outcome(Ok(&busy), &old, 0),
            Refreshed::Retry(_)
        ));
        let used = HttpResponse {
            status: 400,
            headers: vec![],
            body: r#"{"error_description":"already used"}"#.into(),
        };
        let Refreshed::Refused(why) = refresh_outcome(Ok(&used), &old, 0) else {
            panic!()
        };
        assert!(why.contains("already used"));
        assert!(matches!(
            refresh_outcome(Err("down"), &old, 0),
            Refreshed::Retry(_)
        ));
    }
}
