//! What admins configure before incidents happen: severities, services, role types and incident
//! types.

use serde::{Deserialize, Serialize};

/// How bad an incident is. Lower `rank` is worse (SEV1 has rank 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub rank: i64,
    /// How many minutes an open incident of this severity may go without an update before the
    /// communications lead is reminded; `None`: never.
    pub update_interval_minutes: Option<i64>,
    /// Whether declaring an incident at this severity pages the affected services' escalation
    /// policies.
    pub pages_on_declare: bool,
    pub revision: i64,
}

/// Something the organisation runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// The owning team's name, when a team owns it.
    pub owner_team: String,
    pub owner_user_id: Option<i64>,
    pub owner_user_name: Option<String>,
    pub parent_id: Option<i64>,
    pub parent_name: Option<String>,
    /// Shown on the public status page as a component.
    pub public: bool,
    pub revision: i64,
}

/// A defined responsibility on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleType {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub checklist: Vec<String>,
    /// The Incident Commander: always held while an incident is open.
    pub is_commander: bool,
    /// The Communications Lead: reminded when an incident goes too long without an update.
    pub is_communications: bool,
    /// Retired role types stay on past incidents but can't be assigned any more.
    pub retired: bool,
    pub rank: i64,
    pub revision: i64,
}

/// A kind of incident, such as "Security", with an optional default severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentType {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub default_severity_id: Option<i64>,
    pub retired: bool,
    pub revision: i64,
}

/// A person to choose from a list (assignee, owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: i64,
    pub name: String,
}
