//! The media library: uploaded files (images, PDFs, SVGs), their metadata, and the files and
//! variants they serve.

pub mod document;
pub mod dto;
pub mod files;
pub mod gc;
pub mod queries;
pub mod routes;
pub mod upload;
