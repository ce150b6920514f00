//! Organisation roles and what each may do. The server checks these on every server function;
//! the browser uses the same table only to hide controls a person cannot use.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A person's role in the whole organisation (not a role on one incident).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgRole {
    Admin,
    Responder,
    Viewer,
}

/// Something a person may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read incidents, schedules, post-mortems and everything else inside Quell.
    View,
    /// Declare and run incidents, write on timelines, acknowledge pages, edit post-mortems.
    Respond,
    /// Create users, change their roles, deactivate them.
    ManageUsers,
    /// Change organisation-wide settings: severities, services, the status page.
    ManageSettings,
}

impl OrgRole {
    pub const ALL: [OrgRole; 3] = [OrgRole::Admin, OrgRole::Responder, OrgRole::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Admin => "admin",
            OrgRole::Responder => "responder",
            OrgRole::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgRole::Admin => "Admin",
            OrgRole::Responder => "Responder",
            OrgRole::Viewer => "Viewer",
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::View => true,
            Permission::Respond => matches!(self, OrgRole::Admin | OrgRole::Responder),
            Permission::ManageUsers | Permission::ManageSettings => self == OrgRole::Admin,
        }
    }
}

impl fmt::Display for OrgRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrgRole {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        OrgRole::ALL
            .into_iter()
            .find(|role| role.as_str() == input.trim())
            .ok_or_else(|| format!("Unknown role \"{input}\": choose admin, responder or viewer."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(role: OrgRole, expected: [(Permission, bool); 4]) {
        for (permission, allowed) in expected {
            assert_eq!(role.allows(permission), allowed, "{role} / {permission:?}");
        }
    }

    #[test]
    fn an_admin_may_do_everything() {
        use Permission::*;
        check(OrgRole::Admin, [(View, true), (Respond, true), (ManageUsers, true), (ManageSettings, true)]);
    }

    #[test]
    fn a_responder_runs_incidents_but_does_not_administer() {
        use Permission::*;
        check(OrgRole::Responder, [(View, true), (Respond, true), (ManageUsers, false), (ManageSettings, false)]);
    }

    #[test]
    fn a_viewer_can_only_look() {
        use Permission::*;
        check(OrgRole::Viewer, [(View, true), (Respond, false), (ManageUsers, false), (ManageSettings, false)]);
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in OrgRole::ALL {
            assert_eq!(role.as_str().parse::<OrgRole>(), Ok(role));
        }
        assert!("owner".parse::<OrgRole>().is_err());
    }
}
