//! Content and how it is written: the write engine shared by every resource, and the rules of
//! content (locales, markdown, validation).

pub mod locale;
pub mod markdown;
pub mod validation;
pub mod writes;
