//! Pieces of UI used by several pages.

pub mod action_items;
pub mod badges;
pub mod errors;
pub mod form;
pub mod layout;
pub mod pagination;
pub mod plain;
pub mod post_form;
pub mod session;
pub mod title;
