//! Normalised e-mails and phone numbers: the form identity keys are built from.

use crate::case;
use crate::phone;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NormaliseError {
    #[error("`{0}` is not an e-mail address")]
    NotAnEmail(String),
    #[error("`{input}` is not a valid phone number{}", region.as_ref().map(|r| format!(" for region {r}")).unwrap_or_default())]
    NotAPhone {
        input: String,
        region: Option<String>,
    },
    #[error("`{0}` has no country code and no default region is set (add `phoneRegion` to the mapping's settings)")]
    NoRegion(String),
    #[error("`{0}` is not a region code (expected ISO 3166 like FR, BE, RE)")]
    UnknownRegion(String),
}

/// Trimmed, lowercased, `mailto:` removed; refused unless it looks like
/// `local@domain.tld`. Lowercasing the local part is what GHL does for matching.
pub fn normalise_email(input: &str) -> Result<String, NormaliseError> {
    let email = input.trim();
    let email = email
        .strip_prefix("mailto:")
        .or_else(|| email.strip_prefix("MAILTO:"))
        .unwrap_or(email)
        .trim();
    let email = case::lower(email);
    let bad = || NormaliseError::NotAnEmail(input.trim().to_string());
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let valid_local = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.as_bytes().windows(2).any(|pair| pair == b"..");
    let valid_label = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let valid_domain = match domain.rsplit_once('.') {
        Some((rest, tld)) => {
            rest.split('.').all(valid_label)
                && valid_label(tld)
                && tld.chars().count() >= 2
                && tld.chars().all(char::is_alphabetic)
        }
        None => false,
    };
    let clean = email
        .chars()
        .all(|c| !c.is_whitespace() && !matches!(c, '<' | '>' | ',' | ';' | '"' | '(' | ')'));
    if valid_local && valid_domain && clean && email.len() <= 254 {
        Ok(email)
    } else {
        Err(bad())
    }
}

/// E.164 (`+262692123456`), through libphonenumber's metadata (`crate::phone`),
/// so French overseas numbers get their own country code, not +33.
/// `00` international prefixes are read as `+`. A national number needs `region`.
pub fn normalise_phone(input: &str, region: Option<&str>) -> Result<String, NormaliseError> {
    let trimmed = input.trim();
    let international = trimmed.starts_with('+') || trimmed.starts_with("00");
    let text = match trimmed.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => trimmed.to_string(),
    };
    let region_id = match region {
        Some(code) => {
            let id = case::upper(code.trim());
            if !phone::is_region(&id) {
                return Err(NormaliseError::UnknownRegion(code.to_string()));
            }
            Some(id)
        }
        None if international => None,
        None => return Err(NormaliseError::NoRegion(trimmed.to_string())),
    };
    let bad = || NormaliseError::NotAPhone {
        input: trimmed.to_string(),
        region: region.map(str::to_string),
    };
    let valid_in = |id: Option<&str>| {
        phone::parse(&text, id)
            .ok()
            .filter(phone::PhoneNumber::is_valid)
            .map(|n| n.e164())
    };
    if let Some(e164) = valid_in(region_id.as_deref()) {
        return Ok(e164);
    }
    // A French overseas number dialled nationally (0692..., 0696...) is not valid
    // as +33: try the overseas regions that share France's `0` trunk prefix. Their
    // number ranges do not overlap, so at most one accepts it.
    if !international && region_id.as_deref() == Some("FR") {
        if let Some(e164) = FRENCH_OVERSEAS.iter().find_map(|code| valid_in(Some(code))) {
            return Ok(e164);
        }
    }
    Err(bad())
}

/// Réunion, Mayotte, Guadeloupe, Martinique, French Guiana, Saint-Pierre-et-Miquelon,
/// Saint-Barthélemy, Saint-Martin: dialled with a leading 0 from France.
const FRENCH_OVERSEAS: &[&str] = &["RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF"];

/// Whether `code` is a region the phone metadata knows.
pub fn is_known_region(code: &str) -> bool {
    phone::is_region(&case::upper(code.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            normalise_email("  Jean.Dupont@Example.FR ").unwrap(),
            "jean.dupont@example.fr"
        );
        assert_eq!(normalise_email("mailto:a@b.io").unwrap(), "a@b.io");
        assert_eq!(
            normalise_email("élodie@exemple.fr").unwrap(),
            "élodie@exemple.fr"
        );
        for bad in [
            "",
            "jean",
            "jean@",
            "@x.fr",
            "a@b",
            "a b@c.fr",
            "a@b.c",
            "a..b@c.fr",
            "a@-b.fr",
            "a@b.f1",
            "<a@b.fr>",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn french_mainland_and_overseas_numbers() {
        assert_eq!(
            normalise_phone("06 12 34 56 78", Some("FR")).unwrap(),
            "+33612345678"
        );
        assert_eq!(
            normalise_phone("0033 6 12 34 56 78", None).unwrap(),
            "+33612345678"
        );
        assert_eq!(
            normalise_phone("+33 (0)6 12 34 56 78", None).unwrap(),
            "+33612345678"
        );
        // Réunion and Martinique mobiles dialled nationally are not +33.
        assert_eq!(
            normalise_phone("0692 12 34 56", Some("RE")).unwrap(),
            "+262692123456"
        );
        assert_eq!(
            normalise_phone("0696 12 34 56", Some("MQ")).unwrap(),
            "+596696123456"
        );
        // Dialled nationally with the default region FR: still not +33.
        assert_eq!(
            normalise_phone("0692 12 34 56", Some("FR")).unwrap(),
            "+262692123456"
        );
        assert_eq!(
            normalise_phone("0696 12 34 56", Some("FR")).unwrap(),
            "+596696123456"
        );
        assert_eq!(
            normalise_phone("0694 20 12 34", Some("FR")).unwrap(),
            "+594694201234"
        );
        // Already international: the default region does not matter.
        assert_eq!(
            normalise_phone("+262 692 12 34 56", Some("FR")).unwrap(),
            "+262692123456"
        );
        assert_eq!(
            normalise_phone("+1 (415) 555-2671", Some("FR")).unwrap(),
            "+14155552671"
        );
    }

    #[test]
    fn phone_errors_say_why() {
        assert_eq!(
            normalise_phone("0612", Some("FR")).unwrap_err().to_string(),
            "`0612` is not a valid phone number for region FR"
        );
        assert!(matches!(
            normalise_phone("0612345678", None),
            Err(NormaliseError::NoRegion(_))
        ));
        assert!(matches!(
            normalise_phone("0612345678", Some("XX")),
            Err(NormaliseError::UnknownRegion(_))
        ));
        assert!(normalise_phone("call me", Some("FR")).is_err());
    }
}
