//! Pieces of UI used by several pages.

pub mod errors;
pub mod form;
pub mod layout;
pub mod session;
