//! Media: what an uploaded file is and whether it is safe to read further, decided from its
//! bytes before anything is stored or decoded. `kind` recognises the accepted types by their
//! magic numbers and checks the declared type; `limits` reads an image's dimensions and frame
//! count from its header and refuses decompression bombs before any pixel is decoded; `spec`
//! says what a variant of an image is; `variant` turns the parameters of a request (and the
//! configured presets) into one, with the key that names it; `storage` keeps the originals and
//! the variants, in a local folder or an S3-compatible store.

pub mod kind;
pub mod limits;
pub mod spec;
pub mod storage;
pub mod variant;
