//! Spot-Hit's API as requests and answers (sans-IO, like `ghl`): form-encoded
//! POSTs with the key as the `key` field, answers `{"resultat": 1, ...}` or, with
//! HTTP 200 all the same, `{"resultat": 0, "erreurs": ...}` where `erreurs` comes
//! as `"1,4"`, `[1, 4]` or `{"1": "..."}`. Only what the sync needs: groups,
//! contact import into a group, and SMS.

use crate::case;
use crate::http::{HttpRequest, HttpResponse, Method};
use serde_json::Value;

pub const BASE_URL: &str = "https://www.spot-hit.fr/api";

/// Where to send and with which key (never logged: requests mask `key`).
#[derive(Clone)]
pub struct SpotHitTarget {
    pub base_url: String,
    pub key: String,
}

impl std::fmt::Debug for SpotHitTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpotHitTarget")
            .field("base_url", &self.base_url)
            .field("key", &"****")
            .finish()
    }
}

/// One contact to import: Spot-Hit's own column names.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SpotHitContact {
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub prenom: Option<String>,
    pub nom: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpotHitError {
    /// `resultat: 0` with Spot-Hit's codes, each explained.
    #[error("Spot-Hit refused: {}", .0.iter().map(|c| format!("{c} ({})", explain(c))).collect::<Vec<_>>().join(", "))]
    Refused(Vec<String>),
    /// Not HTTP 200, or not the JSON envelope (a 502 HTML page, ...): retryable.
    #[error("Spot-Hit answered HTTP {status}: {detail}")]
    Transport { status: u16, detail: String },
}

impl SpotHitError {
    /// Worth trying again later: transport trouble, a system error (9), the
    /// API's own request limit (63) or a temporary send stop (71).
    pub fn is_retryable(&self) -> bool {
        match self {
            SpotHitError::Transport { .. } => true,
            SpotHitError::Refused(codes) => codes
                .iter()
                .any(|c| ["9", "63", "71"].contains(&c.as_str())),
        }
    }
}

/// What a Spot-Hit error code means (from Spot-Hit's documented list).
pub fn explain(code: &str) -> &'static str {
    match code {
        "1" => "type missing or incorrect",
        "2" => "empty message",
        "3" => "message over 160 characters",
        "4" => "no valid recipient",
        "5" => "number not allowed for this product",
        "6" => "invalid recipient number",
        "7" => "no plan on the account",
        "8" => "sender over 11 characters",
        "9" => "Spot-Hit system error",
        "10" => "not enough credits",
        "11" => "sending disabled (demo account)",
        "12" => "account suspended",
        "13" | "14" | "15" | "62" => "sending limit reached",
        "17" => "sender not authorised",
        "21" => "invalid token",
        "24" | "38" => "the message lacks the STOP mention French law requires",
        "30" => "API key not recognised",
        "63" => "API request limit reached",
        "71" => "sending temporarily unavailable",
        "100" => "IP not authorised",
        _ => "undocumented code",
    }
}

fn post(target: &SpotHitTarget, action: &str, mut fields: Vec<(String, String)>) -> HttpRequest {
    fields.insert(0, ("key".into(), target.key.clone()));
    HttpRequest {
        method: Method::Post,
        url: format!("{}/{action}", target.base_url.trim_end_matches('/')),
        headers: vec![
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("Accept".into(), "application/json".into()),
        ],
        body: Some(serde_urlencoded::to_string(fields).unwrap_or_default()),
    }
}

/// `groupe/lister`: `[{"id", "groupe"}]`.
pub fn list_groups(target: &SpotHitTarget) -> HttpRequest {
    post(target, "groupe/lister", Vec::new())
}

/// `credits`: what the account has left (`premium`, `lowcost` SMS, `email`,
/// `euros`; numbers or numeric strings). Free, so it also checks a key.
pub fn credits(target: &SpotHitTarget) -> HttpRequest {
    post(target, "credits", Vec::new())
}

/// The premium SMS credits an answer of [`credits`] gives, if it says.
pub fn premium_credits(answer: &Value) -> Option<f64> {
    match answer.get("premium")? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', ".").parse().ok(),
        _ => None,
    }
}

/// `groupe/creer`: `{"resultat": 1, "id"}`.
pub fn create_group(target: &SpotHitTarget, name: &str) -> HttpRequest {
    post(target, "groupe/creer", vec![("nom".into(), name.into())])
}

/// `contacts/import` into one group (`contacts[0][mobile]`, ...).
pub fn import_contacts(
    target: &SpotHitTarget,
    group_id: &str,
    contacts: &[SpotHitContact],
) -> HttpRequest {
    let mut fields = vec![("groupe_id".to_string(), group_id.to_string())];
    for (i, c) in contacts.iter().enumerate() {
        for (name, value) in [
            ("mobile", &c.mobile),
            ("email", &c.email),
            ("prenom", &c.prenom),
            ("nom", &c.nom),
        ] {
            if let Some(v) = value {
                fields.push((format!("contacts[{i}][{name}]"), v.clone()));
            }
        }
    }
    post(target, "contacts/import", fields)
}

/// One `envoyer/sms`, as data: the text to numbers (E.164), long messages in
/// several parts (`smslong`), and the options a send may add.
#[derive(Debug, Clone, Copy, Default)]
pub struct SmsSend<'a> {
    pub message: &'a str,
    pub numbers: &'a [String],
    /// At most 11 characters (`expediteur`); the account's default if none.
    pub sender: Option<&'a str>,
    /// `encodage=auto`: Spot-Hit picks the encoding the text needs (accents
    /// and emoji as UCS-2, in shorter parts, so possibly more credits). A
    /// conversation message asks for it: what a person typed is sent as typed.
    pub encoding_auto: bool,
    /// The campaign's name in Spot-Hit (`nom`), not shown to the contact.
    pub label: Option<&'a str>,
    /// This send's own status callback (`url`).
    pub status_url: Option<&'a str>,
}

impl SmsSend<'_> {
    pub fn request(&self, target: &SpotHitTarget) -> HttpRequest {
        let mut fields = vec![
            ("message".to_string(), self.message.to_string()),
            ("destinataires".to_string(), self.numbers.join(",")),
            ("smslong".to_string(), "1".to_string()),
        ];
        let optional = [
            ("encodage", self.encoding_auto.then_some("auto")),
            ("nom", self.label),
            ("url", self.status_url),
            ("expediteur", self.sender),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                fields.push((name.to_string(), value.to_string()));
            }
        }
        post(target, "envoyer/sms", fields)
    }
}

/// A callback's query string with the `+` of its `numero` encoded. Spot-Hit
/// writes numbers internationally (`+262692123456`); a `+` left raw in a query
/// string decodes to a space, and the number would then be read as a French
/// national one (and a La Réunion STOP match nobody). Answers `None` when
/// there is nothing to repair.
pub fn repair_callback_query(query: &str) -> Option<String> {
    let mut repaired = false;
    let parts: Vec<String> = query
        .split('&')
        .map(|part| match part.strip_prefix("numero=+") {
            Some(rest) => {
                repaired = true;
                format!("numero=%2B{rest}")
            }
            None => part.to_string(),
        })
        .collect();
    repaired.then(|| parts.join("&"))
}

/// The number (E.164) of a callback's `numero` (a national number is read as
/// French, Spot-Hit's home).
pub fn callback_number(payload: &Value) -> Option<String> {
    let numero = payload.get("numero")?.as_str()?;
    crate::dedupe::normalise::normalise_phone(numero, Some("FR")).ok()
}

/// Whether Spot-Hit takes `sender` as an SMS sender (`expediteur`): 3 to 11
/// characters, letters and digits (a space allowed inside), at most three
/// digits before the first letter, not all digits. Spot-Hit refuses others
/// at send time (error 8 over 11 characters, 17 sender not authorised). The
/// 11 is Spot-Hit's documented limit; the rest is the stricter reading of the
/// operators' rules for alphanumeric senders (issue 37's review).
pub fn check_sender(sender: &str) -> Result<(), String> {
    let count = sender.chars().count();
    if count > 11 {
        return Err("is over 11 characters (Spot-Hit takes 3 to 11)".into());
    }
    if count < 3 {
        return Err(format!("is {count} characters (Spot-Hit takes 3 to 11)"));
    }
    if !sender
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ')
        || sender.starts_with(' ')
        || sender.ends_with(' ')
    {
        return Err("may hold only letters A-Z, digits and inner spaces".into());
    }
    let leading_digits = sender.chars().take_while(char::is_ascii_digit).count();
    if leading_digits > 3 || leading_digits == count {
        return Err(format!(
            "starts with {leading_digits} digits (Spot-Hit takes at most 3 before a letter)"
        ));
    }
    Ok(())
}

/// What an SMS is, for the STOP mention French rules ask of marketing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsKind {
    /// To a list or group (a campaign): Spot-Hit refuses it without the
    /// mention (error 24).
    Marketing,
    /// One person, one message (a reminder after a task): a warning only.
    OneToOne,
}

/// The opt-out mention Spot-Hit asks for, in its own words.
pub const STOP_MENTION: &str = "STOP au 36200";

/// `Err` with the refusal for a marketing SMS lacking the STOP mention, `Ok`
/// with a warning for a one-to-one one.
pub fn check_stop_mention(text: &str, kind: SmsKind) -> Result<Option<String>, String> {
    if crate::case::upper(text).contains("STOP") {
        return Ok(None);
    }
    let words = format!(
        "the SMS has no STOP mention: Spot-Hit refuses marketing SMS without one (error 24, \"{STOP_MENTION}\")"
    );
    match kind {
        SmsKind::Marketing => Err(words),
        SmsKind::OneToOne => Ok(Some(words)),
    }
}

/// The answer's JSON when Spot-Hit accepted the call.
pub fn parse_answer(response: &HttpResponse) -> Result<Value, SpotHitError> {
    let transport = |detail: String| SpotHitError::Transport {
        status: response.status,
        detail,
    };
    if response.status != 200 {
        return Err(transport(response.body.chars().take(200).collect()));
    }
    let value: Value = serde_json::from_str(&response.body)
        .map_err(|_| transport("the answer is not JSON".into()))?;
    // Lists (groupe/lister, contacts/get) are bare arrays; an object with
    // `erreurs` and no `resultat` is read as a refusal: Spot-Hit's docs do not
    // say it cannot happen, and success would be the costly guess.
    let accepted = match value.get("resultat") {
        None => value.get("erreurs").is_none(),
        Some(Value::Bool(b)) => *b,
        Some(v) => v.as_i64() == Some(1) || v.as_str() == Some("1"),
    };
    if accepted {
        return Ok(value);
    }
    let codes = match value.get("erreurs") {
        Some(Value::String(s)) => s.split(',').map(|c| c.trim().to_string()).collect(),
        Some(Value::Array(items)) => items.iter().map(code_text).collect(),
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        Some(other) => vec![code_text(other)],
        None => Vec::new(),
    };
    Err(SpotHitError::Refused(codes))
}

fn code_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

/// The id of the group named `name` in a `groupe/lister` answer. Case does
/// not count: GHL lowercases tags, so a tag-derived name arrives lowercased.
pub fn find_group(groups: &Value, name: &str) -> Option<String> {
    groups.as_array()?.iter().find_map(|g| {
        let id = g.get("id")?;
        let found = g.get("groupe")?.as_str()?;
        (case::lower(found) == case::lower(name)).then(|| code_text(id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> SpotHitTarget {
        SpotHitTarget {
            base_url: "https://sh.example/api/".into(),
            key: "sh-key".into(),
        }
    }

    #[test]
    fn requests_are_form_encoded_with_bracket_keys() {
        let r = import_contacts(
            &target(),
            "42",
            &[SpotHitContact {
                mobile: Some("+33612345678".into()),
                prenom: Some("Éa".into()),
                ..Default::default()
            }],
        );
        assert_eq!(r.url, "https://sh.example/api/contacts/import");
        assert_eq!(
            r.body.as_deref(),
            Some("key=sh-key&groupe_id=42&contacts%5B0%5D%5Bmobile%5D=%2B33612345678&contacts%5B0%5D%5Bprenom%5D=%C3%89a")
        );
        assert!(!format!("{r:?}").contains("sh-key"));
    }

    #[test]
    fn every_error_shape_is_read() {
        for body in [
            r#"{"resultat": 0, "erreurs": "4,2"}"#,
            r#"{"resultat": 0, "erreurs": [4, 2]}"#,
            r#"{"resultat": 0, "erreurs": {"4": "Aucun destinataire", "2": "Message vide"}}"#,
        ] {
            let err = parse_answer(&HttpResponse::new(200, body)).unwrap_err();
            let SpotHitError::Refused(mut codes) = err.clone() else {
                panic!("{err:?}")
            };
            codes.sort();
            assert_eq!(codes, ["2", "4"], "{body}");
            assert!(!err.is_retryable());
            assert!(err.to_string().contains("4 (no valid recipient)"), "{err}");
        }
        let err = parse_answer(&HttpResponse::new(502, "<html>Bad gateway</html>")).unwrap_err();
        assert!(err.is_retryable());
        assert!(parse_answer(&HttpResponse::new(200, r#"{"resultat": 1, "id": 7}"#)).is_ok());
        let bare = parse_answer(&HttpResponse::new(200, r#"{"erreurs": "30"}"#));
        assert_eq!(bare, Err(SpotHitError::Refused(vec!["30".into()])));
        let groups = parse_answer(&HttpResponse::new(
            200,
            r#"[{"id": "12", "groupe": "VIP"}]"#,
        ))
        .unwrap();
        assert_eq!(find_group(&groups, "VIP").as_deref(), Some("12"));
        assert_eq!(
            find_group(&groups, "vip").as_deref(),
            Some("12"),
            "GHL lowercases tags"
        );
        assert_eq!(find_group(&groups, "Other"), None);
    }

    #[test]
    fn senders_and_stop_mentions_as_spothit_takes_them() {
        for good in ["Boutique", "ABC", "123Shop", "Ma Boutik"] {
            assert_eq!(check_sender(good), Ok(()), "{good}");
        }
        for bad in [
            "AB",
            "MaSuperBoutique",
            "1234Shop",
            "12345",
            "Bou-tique",
            " Shop",
        ] {
            assert!(check_sender(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_stop_mention("Promo -20% STOP au 36200", SmsKind::Marketing),
            Ok(None)
        );
        assert!(check_stop_mention("Promo -20%", SmsKind::Marketing).is_err());
        let warned = check_stop_mention("Votre RDV demain", SmsKind::OneToOne).unwrap();
        assert!(warned.unwrap().contains("error 24"));
    }

    #[test]
    fn a_raw_plus_in_a_callbacks_numero_is_encoded_back() {
        assert_eq!(
            repair_callback_query("numero=+262692123456&id=9").as_deref(),
            Some("numero=%2B262692123456&id=9")
        );
        assert_eq!(repair_callback_query("numero=%2B33612345678&id=9"), None);
        let payload = serde_json::json!({"numero": "+262692123456"});
        assert_eq!(callback_number(&payload).as_deref(), Some("+262692123456"));
    }
}
