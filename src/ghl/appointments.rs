//! Appointments: listed per contact by the contacts API, booked through the
//! calendars API (`POST /calendars/events/appointments`, Version `2021-04-15`).

use super::catalogue::{CREATE_APPOINTMENT, LIST_CONTACT_APPOINTMENTS};
use super::{Call, Endpoint, NoBody};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An appointment (calendar event) as GHL returns it; unknown fields kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `new`, `confirmed`, `cancelled`, `showed`, `noshow`, `invalid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The contacts API shows `2021-07-16 11:00:00`; the calendars API ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{events}`: a contact's appointments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentList {
    pub events: Vec<Appointment>,
}

/// `AppointmentCreateSchema`: calendar, location, contact and start are required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAppointmentBody {
    pub calendar_id: String,
    pub location_id: String,
    pub contact_id: String,
    /// ISO 8601 with offset, `2021-06-23T03:30:00+05:30`.
    pub start_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Ignore the calendar's minimum notice and date range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_date_range: Option<bool>,
    /// `false` keeps GHL automations from running for this booking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_notify: Option<bool>,
}

/// `GET /contacts/{contactId}/appointments`
#[derive(Debug, Clone)]
pub struct ListContactAppointments {
    pub contact_id: String,
}

impl Call for ListContactAppointments {
    type Response = AppointmentList;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &LIST_CONTACT_APPOINTMENTS
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id]
    }
}

/// `POST /calendars/events/appointments`
#[derive(Debug, Clone)]
pub struct CreateAppointment {
    pub body: CreateAppointmentBody,
}

impl Call for CreateAppointment {
    type Response = Appointment;
    type Body = CreateAppointmentBody;
    fn endpoint(&self) -> &'static Endpoint {
        &CREATE_APPOINTMENT
    }
    fn body(&self) -> Option<&CreateAppointmentBody> {
        Some(&self.body)
    }
}
