//! Media: what an uploaded file is, decided from its bytes before anything is stored or
//! decoded. `kind` recognises the accepted types by their magic numbers and checks the
//! declared type.

pub mod kind;
