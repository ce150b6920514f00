//! One module per page (or group of small pages).

pub mod action_items;
pub mod catalog;
pub mod home;
pub mod incident;
pub mod incidents;
pub mod login;
pub mod notifications;
pub mod paging;
pub mod post_mortems;
pub mod profile;
pub mod schedules;
pub mod sections;
pub mod setup;
pub mod status_page;
pub mod users;
