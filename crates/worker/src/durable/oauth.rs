//! The location's OAuth tokens: a fresh access token, refreshed when due,
//! one refresh at a time (a refresh token is spent by its use).

use super::*;

impl BridgeStore {
    /// A valid OAuth access token, refreshing it first when it is about to
    /// expire. Only here, one refresh at a time: concurrent callers wait for
    /// the refresh in flight and read the pair it stored.
    pub(super) async fn oauth_access(&self) -> std::result::Result<TokenAnswer, WorldError> {
        let mut waited_ms = 0;
        loop {
            let Some(tokens) = self.kv_value::<OAuthTokens>(&SecretKey::OAuth.key())? else {
                return Ok(TokenAnswer::failed(NOT_CONNECTED, false));
            };
            if tokens.fresh(self.now()) {
                return Ok(TokenAnswer::token(tokens.access_token, false));
            }
            if self.refreshing.get() {
                if waited_ms > 20_000 {
                    return Ok(TokenAnswer::failed(
                        "waited too long for a token refresh",
                        true,
                    ));
                }
                worker::Delay::from(std::time::Duration::from_millis(100)).await;
                waited_ms += 100;
                continue;
            }
            let Some(client) = self.config.oauth_client() else {
                return Ok(TokenAnswer::failed(
                    "the OAuth token expired and GHL_CLIENT_ID / GHL_CLIENT_SECRET are not set to refresh it",
                    false,
                ));
            };
            self.refreshing.set(true);
            let answer = self.renew(&client, &tokens).await;
            self.refreshing.set(false);
            return answer;
        }
    }
}

impl BridgeStore {
    /// New tokens for expired ones: a location token minted from an agency's
    /// is minted again from the agency's (whose store refreshes that one,
    /// single-flight too); any other is refreshed with its refresh token.
    async fn renew(
        &self,
        client: &OAuthClient,
        tokens: &OAuthTokens,
    ) -> std::result::Result<TokenAnswer, WorldError> {
        let now = self.now();
        let outcome = if let Some(company) = tokens.minted_from_company() {
            let agency = StoreClient::for_location(&self.env, &company_store(company))
                .map_err(|e| WorldError(e.to_string()))?;
            let access = agency.oauth_access().await?;
            let Some(company_token) = access.access_token else {
                return Ok(access);
            };
            let request =
                client.location_token_request(company, &tokens.location_id, &company_token);
            match crate::ghl_http::send(&request).await {
                Err(e) => {
                    Refreshed::Retry(format!("minting a location token: GHL unreachable: {e}"))
                }
                Ok(response) => minted_location_token(&response, company, now),
            }
        } else if let Some(request) = client.refresh_request(tokens) {
            let sent = crate::ghl_http::send(&request)
                .await
                .map_err(|e| e.to_string());
            refresh_outcome(sent.as_ref().map_err(String::as_str), tokens, now)
        } else {
            Refreshed::Refused(
                "the OAuth token expired and has no refresh token: install the app again".into(),
            )
        };
        Ok(match outcome {
            Refreshed::Tokens(fresh) => {
                self.kv_store_secret(&SecretKey::OAuth.key(), &fresh)?;
                TokenAnswer::token(fresh.access_token, true)
            }
            Refreshed::Retry(why) => TokenAnswer::failed(why, true),
            Refreshed::Refused(why) => TokenAnswer::failed(why, false),
        })
    }
}
