//! Tasks on a contact.

use super::catalogue::{
    CREATE_TASK, DELETE_TASK, GET_TASK, LIST_TASKS, SET_TASK_COMPLETED, UPDATE_TASK,
};
use super::{Call, Endpoint, NoBody, Succeeded};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A task as GHL returns it; unknown fields kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// ISO 8601, `2020-10-25T11:00:00Z`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(default)]
    pub completed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `CreateTaskParams`: `title`, `dueDate` and `completed` are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTaskBody {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub due_date: String,
    pub completed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// `UpdateTaskBody`: every field optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTaskBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetTaskCompletedBody {
    pub completed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskList {
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskEnvelope {
    pub task: Task,
}

/// `GET /contacts/{contactId}/tasks`
#[derive(Debug, Clone)]
pub struct ListTasks {
    pub contact_id: String,
}

impl Call for ListTasks {
    type Response = TaskList;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &LIST_TASKS
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id]
    }
}

/// `GET /contacts/{contactId}/tasks/{taskId}`
#[derive(Debug, Clone)]
pub struct GetTask {
    pub contact_id: String,
    pub task_id: String,
}

impl Call for GetTask {
    type Response = TaskEnvelope;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &GET_TASK
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id, &self.task_id]
    }
}

/// `POST /contacts/{contactId}/tasks`
#[derive(Debug, Clone)]
pub struct CreateTask {
    pub contact_id: String,
    pub body: CreateTaskBody,
}

impl Call for CreateTask {
    type Response = TaskEnvelope;
    type Body = CreateTaskBody;
    fn endpoint(&self) -> &'static Endpoint {
        &CREATE_TASK
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id]
    }
    fn body(&self) -> Option<&CreateTaskBody> {
        Some(&self.body)
    }
}

/// `PUT /contacts/{contactId}/tasks/{taskId}`
#[derive(Debug, Clone)]
pub struct UpdateTask {
    pub contact_id: String,
    pub task_id: String,
    pub body: UpdateTaskBody,
}

impl Call for UpdateTask {
    type Response = TaskEnvelope;
    type Body = UpdateTaskBody;
    fn endpoint(&self) -> &'static Endpoint {
        &UPDATE_TASK
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id, &self.task_id]
    }
    fn body(&self) -> Option<&UpdateTaskBody> {
        Some(&self.body)
    }
}

/// `PUT /contacts/{contactId}/tasks/{taskId}/completed`
#[derive(Debug, Clone)]
pub struct SetTaskCompleted {
    pub contact_id: String,
    pub task_id: String,
    pub body: SetTaskCompletedBody,
}

impl Call for SetTaskCompleted {
    type Response = TaskEnvelope;
    type Body = SetTaskCompletedBody;
    fn endpoint(&self) -> &'static Endpoint {
        &SET_TASK_COMPLETED
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id, &self.task_id]
    }
    fn body(&self) -> Option<&SetTaskCompletedBody> {
        Some(&self.body)
    }
}

/// `DELETE /contacts/{contactId}/tasks/{taskId}`
#[derive(Debug, Clone)]
pub struct DeleteTask {
    pub contact_id: String,
    pub task_id: String,
}

impl Call for DeleteTask {
    type Response = Succeeded;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &DELETE_TASK
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id, &self.task_id]
    }
}
