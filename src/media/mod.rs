//! Media: what an uploaded file is and whether it is safe to read further, decided from its
//! bytes before anything is stored or decoded (`kind`, `limits`); its location metadata removed
//! (`strip`); its variants described (`spec`, `variant`), rendered (`render`) and linked
//! (`links`); its bytes kept in an object store (`storage`); and the running library that ties
//! them together with the limits of CPU work (`library`).

pub mod kind;
pub mod library;
pub mod limits;
pub mod links;
pub mod render;
pub mod spec;
pub mod storage;
pub mod strip;
pub mod variant;
