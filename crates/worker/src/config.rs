//! The Worker's settings, from `wrangler.toml` vars and secrets (`.dev.vars`
//! locally). Secret values never leave this module except to where they are used.

use ghl_bridge::admin_api::AlertDestination;
use ghl_bridge::ghl::oauth::OAuthClient;
use ghl_bridge::specter::SpecterTarget;
use ghl_bridge::spothit::SpotHitTarget;
use ghl_bridge::sync::retention::DEFAULT_RETENTION_DAYS;
use ghl_bridge::sync::LocationSettings;
use worker::Env;

pub struct Config {
    pub admin_token: Option<String>,
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
    pub secrets_key: Option<ghl_bridge::secrets::SecretsKey>,
}

fn read(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.is_empty())
}

impl Config {
    pub fn from_env(env: &Env) -> Config {
        Config {
            admin_token: read(env, "ADMIN_TOKEN"),
            form_source_id: read(env, "FORM_SOURCE_ID").unwrap_or_else(|| "demo".into()),
            form_signing_secret: read(env, "FORM_SIGNING_SECRET"),
            ghl_base_url: read(env, "GHL_BASE_URL")
                .unwrap_or_else(|| ghl_bridge::ghl::BASE_URL.into()),
            ghl_token: read(env, "GHL_TOKEN"),
            ghl_location_id: read(env, "GHL_LOCATION_ID").unwrap_or_default(),
            default_phone_region: read(env, "DEFAULT_PHONE_REGION"),
            spothit_path_token: read(env, "SPOTHIT_PATH_TOKEN"),
            alerts: read(env, "ALERT_WEBHOOK_URL").map(|url| AlertDestination {
                webhook_url: url,
                signing_secret: read(env, "ALERT_SIGNING_SECRET").unwrap_or_default(),
                specter_credits_floor: ghl_bridge::sync::alerts::DEFAULT_CREDITS_FLOOR,
                error_rate_percent: ghl_bridge::sync::alerts::DEFAULT_ERROR_RATE_PERCENT,
                silent_after_minutes: Default::default(),
            }),
            ghl_webhook_public_key: read(env, "GHL_WEBHOOK_PUBLIC_KEY"),
            echo_window_ms: read(env, "ECHO_WINDOW_SECONDS")
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(60)
                * 1000,
            sync_rules: read(env, "SYNC_RULES"),
            spothit_api_key: read(env, "SPOTHIT_API_KEY"),
            spothit_base_url: read(env, "SPOTHIT_BASE_URL")
                .unwrap_or_else(|| ghl_bridge::spothit::BASE_URL.into()),
            specter_api_key: read(env, "SPECTER_API_KEY"),
            specter_base_url: read(env, "SPECTER_BASE_URL")
                .unwrap_or_else(|| ghl_bridge::specter::BASE_URL.into()),
            ghl_client_id: read(env, "GHL_CLIENT_ID"),
            ghl_client_secret: read(env, "GHL_CLIENT_SECRET"),
            ghl_oauth_authorize_url: read(env, "GHL_OAUTH_AUTHORIZE_URL").unwrap_or_else(|| {
                "https://marketplace.leadconnectorhq.com/oauth/chooselocation".into()
            }),
            ghl_oauth_scopes: read(env, "GHL_OAUTH_SCOPES").unwrap_or_else(|| {
                "contacts.readonly contacts.write calendars/events.write locations/customFields.readonly".into()
            }),
            retention_days: read(env, "RETENTION_DAYS")
                .and_then(|s| s.parse().ok())
                .unwrap_or(DEFAULT_RETENTION_DAYS),
            secrets_key: read(env, "SECRETS_KEY")
                .and_then(|k| ghl_bridge::secrets::SecretsKey::from_base64(&k).ok()),
        }
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
            specter: self.specter_api_key.clone().map(|key| SpecterTarget {
                base_url: self.specter_base_url.clone(),
                key,
            }),
            spothit_base_url: self.spothit_base_url.clone(),
            specter_base_url: self.specter_base_url.clone(),
            alerts: self.alerts.clone(),
        }
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
