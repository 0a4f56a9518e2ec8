//! The deployment's configuration: every variable the Worker reads, parsed
//! into its type once, at start. A value that is set but wrong is a
//! [`ConfigProblem`] naming the variable and what is wrong: `/health` answers
//! 503 with it, and the routes refuse with the same words (a webhook 429, so
//! its sender retries once the setting is fixed). Nothing wrong is ignored.
//!
//! [`VARIABLES`] lists them all; `docs/configuration.md` is checked against it
//! (tests/configuration_doc.rs).

use crate::admin_api::AlertDestination;
use crate::ghl::oauth::OAuthClient;
use crate::secrets::SecretsKey;
use crate::specter::SpecterTarget;
use crate::spothit::SpotHitTarget;
use crate::sync::retention::DEFAULT_RETENTION_DAYS;
use crate::sync::LocationSettings;
use serde::Serialize;

/// One variable the Worker reads.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    pub name: &'static str,
    /// A secret (`wrangler secret put`), not a plain var.
    pub secret: bool,
}

const fn var(name: &'static str) -> Variable {
    Variable {
        name,
        secret: false,
    }
}

const fn secret(name: &'static str) -> Variable {
    Variable { name, secret: true }
}

/// Every variable the Worker reads, in the order of `docs/configuration.md`.
pub const VARIABLES: &[Variable] = &[
    secret("ADMIN_TOKEN"),
    secret("ADMIN_TOKEN_PREVIOUS"),
    secret("SECRETS_KEY"),
    secret("SECRETS_KEY_PREVIOUS"),
    var("GHL_BASE_URL"),
    secret("GHL_TOKEN"),
    var("GHL_LOCATION_ID"),
    secret("GHL_CLIENT_ID"),
    secret("GHL_CLIENT_SECRET"),
    var("GHL_OAUTH_AUTHORIZE_URL"),
    var("GHL_OAUTH_SCOPES"),
    var("GHL_WEBHOOK_PUBLIC_KEY"),
    secret("GHL_APP_HOOK_SECRET"),
    var("GHL_CONVERSATION_PROVIDER_ID"),
    secret("GHL_SSO_KEY"),
    var("APP_FRAME_ANCESTORS"),
    var("DEFAULT_PHONE_REGION"),
    var("FORM_SOURCE_ID"),
    secret("FORM_SIGNING_SECRET"),
    secret("SPOTHIT_PATH_TOKEN"),
    secret("SPOTHIT_API_KEY"),
    var("SPOTHIT_BASE_URL"),
    secret("SPECTER_API_KEY"),
    var("SPECTER_BASE_URL"),
    var("SYNC_RULES"),
    var("ECHO_WINDOW_SECONDS"),
    var("RETENTION_DAYS"),
    var("ALERT_WEBHOOK_URL"),
    secret("ALERT_SIGNING_SECRET"),
];

/// A variable set to something the Worker cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigProblem {
    pub variable: &'static str,
    pub problem: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

/// The deployment's settings, each in its type.
#[derive(Debug, Clone)]
pub struct Config {
    /// The operator's bearer, and the one it replaces while clients move.
    pub admin_tokens: Vec<String>,
    pub form_source_id: String,
    pub form_signing_secret: Option<String>,
    pub ghl_base_url: String,
    pub ghl_token: Option<String>,
    pub ghl_location_id: String,
    pub default_phone_region: Option<String>,
    pub spothit_path_token: Option<String>,
    /// Where alerts go for locations without their own destination.
    pub alerts: Option<AlertDestination>,
    pub ghl_webhook_public_key: Option<String>,
    /// The secret in the conversation provider's Delivery URL (GHL does not
    /// sign that call) and in the workflow actions' header.
    pub app_hook_secret: Option<String>,
    /// The Marketplace app's conversation provider id.
    pub conversation_provider_id: Option<String>,
    /// The app's SSO shared secret (GHL's user data for the custom page).
    pub ghl_sso_key: Option<String>,
    /// Origins besides GHL's own that may frame the app's page (an agency's
    /// white-label domains), checked.
    pub app_frame_ancestors: Vec<String>,
    /// GHL webhooks about a contact the bridge wrote this recently are echoes.
    pub echo_window_ms: u64,
    /// The sync-back rules when none were saved through the admin API (JSON).
    pub sync_rules: Option<String>,
    pub spothit_api_key: Option<String>,
    pub spothit_base_url: String,
    pub specter_api_key: Option<String>,
    pub specter_base_url: String,
    /// OAuth (a marketplace app) instead of `GHL_TOKEN`.
    pub ghl_client_id: Option<String>,
    pub ghl_client_secret: Option<String>,
    /// Where `/oauth/start` sends the installing user.
    pub ghl_oauth_authorize_url: String,
    pub ghl_oauth_scopes: String,
    /// Days event records are kept (`RETENTION_DAYS`).
    pub retention_days: u32,
    /// Seals tokens and signing secrets at rest (`SECRETS_KEY`, 32 bytes base64).
    pub secrets_key: Option<SecretsKey>,
    /// The key before a rotation: sealed values are still opened with it.
    pub previous_secrets_key: Option<SecretsKey>,
    /// What is wrong, if anything; empty on a sound deployment.
    pub problems: Vec<ConfigProblem>,
}

/// A loopback address: the sandbox, or a test, where plain HTTP is fine.
fn is_local(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    ["127.", "localhost", "[::1]"]
        .iter()
        .any(|host| rest.starts_with(host))
}

/// Reads variables with `lookup` (absent or empty: `None`), noting problems.
struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<ConfigProblem>,
}

impl Reader<'_> {
    fn text(&self, name: &'static str) -> Option<String> {
        debug_assert!(VARIABLES.iter().any(|v| v.name == name), "{name} is listed");
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    fn problem(&mut self, variable: &'static str, problem: impl Into<String>) {
        self.problems.push(ConfigProblem {
            variable,
            problem: problem.into(),
        });
    }

    /// Origins separated by spaces or commas (`https://crm.agence.fr`,
    /// `https://*.agence.fr`): https, or http on this machine; no path.
    fn origins(&mut self, name: &'static str) -> Vec<String> {
        let text = self.text(name).unwrap_or_default();
        let mut kept = Vec::new();
        for origin in text.split([' ', ',']).filter(|o| !o.is_empty()) {
            let origin = origin.trim_end_matches('/');
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://").filter(|_| is_local(origin)));
            let sound = host.is_some_and(|h| {
                let h = h.strip_prefix("*.").unwrap_or(h);
                !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
            });
            if sound {
                kept.push(origin.to_string());
            } else {
                self.problem(
                    name,
                    format!("`{origin}` is not an origin like https://crm.agence.fr or https://*.agence.fr (no path; plain http for this machine only)"),
                );
            }
        }
        kept
    }

    /// A URL that must be HTTPS unless it is on this machine.
    fn url(&mut self, name: &'static str, default: &str) -> String {
        let url = self.text(name).unwrap_or_else(|| default.to_string());
        let url = url.trim().trim_end_matches('/').to_string();
        let allowed = url.starts_with("https://") || (url.starts_with("http://") && is_local(&url));
        if !allowed {
            self.problem(
                name,
                format!(
                    "`{url}` is not an https:// URL (plain http is for the local sandbox only)"
                ),
            );
        }
        url
    }

    fn number<T: std::str::FromStr>(&mut self, name: &'static str, default: T) -> T {
        match self.text(name) {
            None => default,
            Some(text) => text.trim().parse().unwrap_or_else(|_| {
                self.problem(name, format!("`{text}` is not a whole number"));
                default
            }),
        }
    }

    fn secrets_key(&mut self, name: &'static str) -> Option<SecretsKey> {
        let text = self.text(name)?;
        SecretsKey::from_base64(&text)
            .map_err(|e| self.problem(name, e.replace("SECRETS_KEY", "the key")))
            .ok()
    }
}

impl Config {
    /// The configuration `lookup` gives (a Worker's env, a test's map).
    pub fn read(lookup: &dyn Fn(&str) -> Option<String>) -> Config {
        let mut r = Reader {
            lookup,
            problems: Vec::new(),
        };
        let ghl_base_url = r.url("GHL_BASE_URL", crate::ghl::BASE_URL);
        let spothit_base_url = r.url("SPOTHIT_BASE_URL", crate::spothit::BASE_URL);
        let specter_base_url = r.url("SPECTER_BASE_URL", crate::specter::BASE_URL);
        let default_phone_region = r.text("DEFAULT_PHONE_REGION");
        if let Some(region) = &default_phone_region {
            if !crate::dedupe::normalise::is_known_region(region) {
                r.problem(
                    "DEFAULT_PHONE_REGION",
                    format!("`{region}` is not a region code (ISO 3166, like FR, BE, RE)"),
                );
            }
        }
        let secrets_key = r.secrets_key("SECRETS_KEY");
        let previous_secrets_key = r.secrets_key("SECRETS_KEY_PREVIOUS");
        if secrets_key.is_none() && !is_local(&ghl_base_url) && r.text("SECRETS_KEY").is_none() {
            r.problem(
                "SECRETS_KEY",
                "is required with the real GHL API: tokens and keys are never stored in clear \
                 (openssl rand -base64 32)",
            );
        }
        let alerts = r.text("ALERT_WEBHOOK_URL").map(|url| {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                r.problem(
                    "ALERT_WEBHOOK_URL",
                    format!("`{url}` is not an http(s) URL"),
                );
            }
            AlertDestination {
                webhook_url: url,
                signing_secret: r.text("ALERT_SIGNING_SECRET").unwrap_or_default(),
                specter_credits_floor: crate::sync::alerts::DEFAULT_CREDITS_FLOOR,
                error_rate_percent: crate::sync::alerts::DEFAULT_ERROR_RATE_PERCENT,
                silent_after_minutes: Default::default(),
            }
        });
        let sync_rules = r.text("SYNC_RULES");
        if let Some(Err(e)) = sync_rules.as_deref().map(crate::outbound::SyncRules::parse) {
            r.problem("SYNC_RULES", e.0);
        }
        let admin_tokens = ["ADMIN_TOKEN", "ADMIN_TOKEN_PREVIOUS"]
            .into_iter()
            .filter_map(|name| r.text(name))
            .collect();
        let echo_window_s: u64 = r.number("ECHO_WINDOW_SECONDS", 60);
        let retention_days = r.number("RETENTION_DAYS", DEFAULT_RETENTION_DAYS);
        Config {
            admin_tokens,
            form_source_id: r.text("FORM_SOURCE_ID").unwrap_or_else(|| "demo".into()),
            form_signing_secret: r.text("FORM_SIGNING_SECRET"),
            ghl_token: r.text("GHL_TOKEN"),
            ghl_location_id: r.text("GHL_LOCATION_ID").unwrap_or_default(),
            spothit_path_token: r.text("SPOTHIT_PATH_TOKEN"),
            ghl_webhook_public_key: r.text("GHL_WEBHOOK_PUBLIC_KEY"),
            app_hook_secret: r.text("GHL_APP_HOOK_SECRET"),
            conversation_provider_id: r.text("GHL_CONVERSATION_PROVIDER_ID"),
            ghl_sso_key: r.text("GHL_SSO_KEY"),
            app_frame_ancestors: r.origins("APP_FRAME_ANCESTORS"),
            echo_window_ms: echo_window_s * 1000,
            spothit_api_key: r.text("SPOTHIT_API_KEY"),
            specter_api_key: r.text("SPECTER_API_KEY"),
            ghl_client_id: r.text("GHL_CLIENT_ID"),
            ghl_client_secret: r.text("GHL_CLIENT_SECRET"),
            ghl_oauth_authorize_url: r.text("GHL_OAUTH_AUTHORIZE_URL").unwrap_or_else(|| {
                "https://marketplace.leadconnectorhq.com/oauth/chooselocation".into()
            }),
            ghl_oauth_scopes: r.text("GHL_OAUTH_SCOPES").unwrap_or_else(|| {
                "contacts.readonly contacts.write calendars/events.write locations/customFields.readonly conversations/message.write conversations.readonly conversations.write".into()
            }),
            retention_days,
            ghl_base_url,
            default_phone_region,
            alerts,
            sync_rules,
            spothit_base_url,
            specter_base_url,
            secrets_key,
            previous_secrets_key,
            problems: r.problems,
        }
    }

    /// The problems as one sentence, for `/health` and refused routes.
    pub fn problem_text(&self) -> Option<String> {
        (!self.problems.is_empty()).then(|| {
            let all: Vec<String> = self.problems.iter().map(|p| p.to_string()).collect();
            format!("the deployment is misconfigured: {}", all.join("; "))
        })
    }

    /// The app page's `Content-Security-Policy`: framed by GHL's own domains
    /// (its app, its white-label LeadConnector one) and the deployment's
    /// listed ones only, so another site cannot frame it.
    pub fn app_page_policy(&self) -> String {
        let mut sources = vec![
            "'self'",
            "https://app.gohighlevel.com",
            "https://*.gohighlevel.com",
            "https://app.leadconnectorhq.com",
            "https://*.leadconnectorhq.com",
        ];
        sources.extend(self.app_frame_ancestors.iter().map(String::as_str));
        format!("frame-ancestors {}", sources.join(" "))
    }

    /// Whether `token` is an operator's (the current `ADMIN_TOKEN` or, during a
    /// rotation, `ADMIN_TOKEN_PREVIOUS`), compared in constant time.
    pub fn is_admin_token(&self, token: &str) -> bool {
        self.admin_tokens.iter().fold(false, |found, t| {
            found | crate::secrets::same_secret(t, token)
        })
    }

    /// What the pipeline needs to know about the location this deployment serves.
    pub fn location(&self) -> LocationSettings {
        LocationSettings {
            location_id: self.ghl_location_id.clone(),
            ghl_base_url: self.ghl_base_url.clone(),
            ghl_token: self.ghl_token.clone(),
            oauth: self.oauth_client(),
            default_phone_region: self.default_phone_region.clone(),
            echo_window_ms: self.echo_window_ms,
            sync_rules: self.sync_rules.clone(),
            spothit: self.spothit_api_key.clone().map(|key| SpotHitTarget {
                base_url: self.spothit_base_url.clone(),
                key,
            }),
            spothit_path_token: self.spothit_path_token.clone(),
            specter: self.specter_api_key.clone().map(|key| SpecterTarget {
                base_url: self.specter_base_url.clone(),
                key,
            }),
            spothit_base_url: self.spothit_base_url.clone(),
            specter_base_url: self.specter_base_url.clone(),
            alerts: self.alerts.clone(),
            conversation_provider_id: self.conversation_provider_id.clone(),
            sms_provider_by_default: self.conversation_provider_id.is_some(),
        }
    }

    /// Whether a secret may be kept unsealed: only against a GHL on this
    /// machine (the sandbox), and only without `SECRETS_KEY`.
    pub fn may_store_in_clear(&self) -> bool {
        self.secrets_key.is_none() && is_local(&self.ghl_base_url)
    }

    /// The Marketplace app's credentials, when OAuth is set up.
    pub fn oauth_client(&self) -> Option<OAuthClient> {
        Some(OAuthClient {
            base_url: self.ghl_base_url.clone(),
            client_id: self.ghl_client_id.clone()?,
            client_secret: self.ghl_client_secret.clone()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Config {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::read(&|name| map.get(name).cloned())
    }

    const SANDBOX: (&str, &str) = ("GHL_BASE_URL", "http://127.0.0.1:8788/ghl");

    #[test]
    fn a_sound_local_configuration_has_no_problem() {
        let c = read(&[
            SANDBOX,
            ("DEFAULT_PHONE_REGION", "FR"),
            ("ADMIN_TOKEN", "t"),
        ]);
        assert_eq!(c.problems, vec![]);
        assert_eq!(c.echo_window_ms, 60_000);
        assert!(c.is_admin_token("t") && !c.is_admin_token("u"));
    }

    #[test]
    fn a_malformed_value_is_named_with_what_is_wrong() {
        let c = read(&[
            SANDBOX,
            ("SECRETS_KEY", "c2hvcnQ="),
            ("DEFAULT_PHONE_REGION", "XX"),
            ("RETENTION_DAYS", "thirty"),
            ("SPOTHIT_BASE_URL", "http://spot-hit.fr/api"),
        ]);
        let text = c.problem_text().unwrap();
        assert!(
            text.contains("SECRETS_KEY: the key must be 32 bytes"),
            "{text}"
        );
        assert!(
            text.contains("DEFAULT_PHONE_REGION: `XX` is not a region code"),
            "{text}"
        );
        assert!(
            text.contains("RETENTION_DAYS: `thirty` is not a whole number"),
            "{text}"
        );
        assert!(
            text.contains("SPOTHIT_BASE_URL: `http://spot-hit.fr/api` is not an https://"),
            "{text}"
        );
        assert!(c.secrets_key.is_none());
    }

    #[test]
    fn the_app_page_may_be_framed_by_ghl_and_the_listed_origins_only() {
        let c = read(&[
            SANDBOX,
            (
                "APP_FRAME_ANCESTORS",
                "https://crm.agence.fr, https://*.agence.fr http://127.0.0.1:8788",
            ),
        ]);
        assert_eq!(c.problems, vec![]);
        assert_eq!(
            c.app_page_policy(),
            "frame-ancestors 'self' https://app.gohighlevel.com https://*.gohighlevel.com https://app.leadconnectorhq.com https://*.leadconnectorhq.com https://crm.agence.fr https://*.agence.fr http://127.0.0.1:8788"
        );
        let c = read(&[
            SANDBOX,
            (
                "APP_FRAME_ANCESTORS",
                "crm.agence.fr http://evil.example https://a.fr/app",
            ),
        ]);
        let text = c.problem_text().unwrap();
        for bad in [
            "`crm.agence.fr`",
            "`http://evil.example`",
            "`https://a.fr/app`",
        ] {
            assert!(
                text.contains(&format!("APP_FRAME_ANCESTORS: {bad} is not an origin")),
                "{text}"
            );
        }
        assert!(c.app_frame_ancestors.is_empty());
    }

    #[test]
    fn the_real_api_without_secrets_key_is_refused_never_run_in_clear() {
        let c = read(&[("GHL_TOKEN", "pit-1")]);
        assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
        assert_eq!(c.problems[0].variable, "SECRETS_KEY");
        let key = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
        let c = read(&[("SECRETS_KEY", key), ("SECRETS_KEY_PREVIOUS", key)]);
        assert_eq!(c.problems, vec![]);
        assert!(c.secrets_key.is_some() && c.previous_secrets_key.is_some());
        assert!(!c.may_store_in_clear());
        assert!(!read(&[("GHL_TOKEN", "pit-1")]).may_store_in_clear());
        assert!(read(&[SANDBOX]).may_store_in_clear());
    }
}
