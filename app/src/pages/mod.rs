//! One module per page (or group of small pages).

pub mod home;
pub mod login;
pub mod profile;
pub mod sections;
pub mod setup;
pub mod users;
