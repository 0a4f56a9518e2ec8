//! Every class of GHL error answer, parsed from realistic bodies and headers.

use ghl_bridge::ghl::contacts::{CreateContact, CreateContactBody, ListContacts};
use ghl_bridge::ghl::{Call, GhlError, RateLimit};
use ghl_bridge::http::HttpResponse;
use serde_json::Value;

fn answer(case: &str) -> HttpResponse {
    let path = format!(
        "{}/tests/fixtures/ghl/errors.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let entry = &all[case];
    assert!(entry.is_object(), "no error case {case}");
    let body = match entry.get("body_text") {
        Some(text) => text.as_str().unwrap().to_string(),
        None => entry["body"].to_string(),
    };
    let mut response = HttpResponse::new(entry["status"].as_u64().unwrap() as u16, body);
    if let Some(headers) = entry.get("headers").and_then(Value::as_object) {
        for (k, v) in headers {
            response = response.with_header(k, v.as_str().unwrap());
        }
    }
    response
}

fn error_of(case: &str) -> GhlError {
    let call = CreateContact {
        body: CreateContactBody::default(),
    };
    call.parse(&answer(case)).expect_err(case)
}

#[test]
fn plain_400() {
    assert_eq!(
        error_of("bad_request"),
        GhlError::BadRequest {
            message: "API endpoint has been removed".into()
        }
    );
}

#[test]
fn duplicate_400_names_the_existing_contact() {
    let err = error_of("duplicate");
    assert_eq!(
        err,
        GhlError::DuplicateContact {
            message: "This location does not allow duplicated contacts.".into(),
            contact_id: "ocQHyuzHvysMo5N5VsXc".into(),
            matching_field: "email".into(),
        }
    );
    assert!(!err.is_retryable());
}

#[test]
fn unauthorized_401() {
    assert_eq!(
        error_of("unauthorized"),
        GhlError::Unauthorized {
            message: "Invalid token: access token is invalid".into()
        }
    );
}

#[test]
fn scope_403() {
    let err = error_of("forbidden_scope");
    assert_eq!(
        err,
        GhlError::Forbidden {
            message: "The token is not authorized for this scope.".into()
        }
    );
    assert!(err.to_string().contains("403"));
}

#[test]
fn not_found_404() {
    assert_eq!(
        error_of("not_found"),
        GhlError::NotFound {
            message: "Contact not found".into()
        }
    );
}

#[test]
fn validation_422_keeps_every_message() {
    let err = error_of("validation");
    assert_eq!(
        err,
        GhlError::Validation {
            messages: vec![
                "property additionalEmails should not exist".into(),
                "email must be an email".into()
            ]
        }
    );
    assert!(err.to_string().contains("additionalEmails"));
    assert!(!err.is_retryable());
}

#[test]
fn burst_429_parses_the_rate_limit_headers() {
    let err = error_of("rate_limited");
    let GhlError::RateLimited {
        rate_limit,
        retry_after_ms,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        rate_limit,
        &RateLimit {
            burst_max: Some(100),
            burst_remaining: Some(0),
            interval_ms: Some(10_000),
            daily_limit: Some(200_000),
            daily_remaining: Some(187_654),
        }
    );
    assert_eq!(*retry_after_ms, None);
    assert!(err.is_retryable());
    // No Retry-After: wait out the burst window.
    assert_eq!(err.retry_hint_ms(), Some(10_000));
}

#[test]
fn daily_429_is_not_worth_retrying_now() {
    let err = error_of("rate_limited_daily");
    assert!(!err.is_retryable(), "daily cap used up");
    assert_eq!(err.retry_hint_ms(), Some(3_600_000), "Retry-After wins");
}

#[test]
fn server_errors_are_retryable_even_with_an_html_body() {
    let err = error_of("server_error");
    assert!(
        matches!(&err, GhlError::Server { status: 502, message } if message.contains("Bad Gateway"))
    );
    assert!(err.is_retryable());
    let err = error_of("empty_500");
    assert_eq!(
        err,
        GhlError::Server {
            status: 500,
            message: "HTTP 500 with an empty body".into()
        }
    );
}

#[test]
fn unexpected_status() {
    assert_eq!(
        error_of("teapot"),
        GhlError::UnexpectedStatus {
            status: 418,
            message: "I'm a teapot".into()
        }
    );
}

#[test]
fn a_success_status_with_the_wrong_shape_is_an_error_not_a_panic() {
    let err = ListContacts::default()
        .parse(&answer("invalid_success_body"))
        .unwrap_err();
    assert!(
        matches!(err, GhlError::InvalidBody { status: 200, .. }),
        "{err:?}"
    );
}

#[test]
fn rate_limit_headers_are_read_on_success_too() {
    let ok = HttpResponse::new(200, "{}")
        .with_header("x-ratelimit-remaining", "99")
        .with_header("X-RATELIMIT-MAX", "100");
    let limits = RateLimit::from_response(&ok);
    assert_eq!(limits.burst_remaining, Some(99));
    assert_eq!(limits.burst_max, Some(100));
    assert_eq!(limits.daily_limit, None);
}

#[test]
fn errors_serialise_with_a_kind_for_js() {
    let json = serde_json::to_value(error_of("duplicate")).unwrap();
    assert_eq!(json["kind"], "duplicateContact");
    assert_eq!(json["contactId"], "ocQHyuzHvysMo5N5VsXc");
}
