//! What the pipeline needs to know about a location: where GHL is and how to
//! reach it, the phone region, the echo window, the rules from the deployment,
//! and the Spot-Hit and Specter accounts.

use crate::admin_api::AlertDestination;
use crate::ghl::oauth::OAuthClient;
use crate::specter::SpecterTarget;
use crate::spothit::SpotHitTarget;

#[derive(Debug, Clone)]
pub struct LocationSettings {
    pub location_id: String,
    pub ghl_base_url: String,
    /// A private-integration or location token; else the OAuth install's.
    pub ghl_token: Option<String>,
    /// To refresh an OAuth install's token.
    pub oauth: Option<OAuthClient>,
    pub default_phone_region: Option<String>,
    /// GHL webhooks about a contact the bridge wrote this recently are echoes.
    pub echo_window_ms: u64,
    /// The sync-back rules when none were saved through the admin API (JSON).
    pub sync_rules: Option<String>,
    pub spothit: Option<SpotHitTarget>,
    /// The secret token of the location's Spot-Hit callback URLs.
    pub spothit_path_token: Option<String>,
    pub specter: Option<SpecterTarget>,
    /// Where Spot-Hit and Specter are, for a location's own accounts.
    pub spothit_base_url: String,
    pub specter_base_url: String,
    /// The deployment's alert destination, for locations without their own.
    pub alerts: Option<AlertDestination>,
    /// The Marketplace app's conversation provider id (one per app), which
    /// messages added to a conversation name.
    pub conversation_provider_id: Option<String>,
    /// Whether the bridge is the SMS provider when the location saved no
    /// setting: the deployment's own location, once a provider id is set.
    pub sms_provider_by_default: bool,
}

impl LocationSettings {
    /// A location on `ghl_base_url` with nothing else configured.
    pub fn new(location_id: &str, ghl_base_url: &str) -> LocationSettings {
        LocationSettings {
            location_id: location_id.to_string(),
            ghl_base_url: ghl_base_url.to_string(),
            ghl_token: None,
            oauth: None,
            default_phone_region: None,
            echo_window_ms: 60_000,
            sync_rules: None,
            spothit: None,
            spothit_path_token: None,
            specter: None,
            spothit_base_url: crate::spothit::BASE_URL.into(),
            specter_base_url: crate::specter::BASE_URL.into(),
            alerts: None,
            conversation_provider_id: None,
            sms_provider_by_default: false,
        }
    }
}
