//! Media: what an uploaded file is and whether it is safe to read further, decided from its
//! bytes before anything is stored or decoded. `kind` recognises the accepted types by their
//! magic numbers and checks the declared type; `limits` reads an image's dimensions and frame
//! count from its header and refuses decompression bombs before any pixel is decoded; `spec`
//! says what a variant of an image is; `strip` removes the metadata that tells where a picture
//! was taken (EXIF with its GPS position, XMP, IPTC, comments) before an original is stored;
//! `render` makes a variant of a cleaned original: decoded within the limits, fitted, encoded.

pub mod kind;
pub mod limits;
pub mod render;
pub mod spec;
pub mod strip;
