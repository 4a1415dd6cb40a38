//! Media: the stores that keep uploads and their variants (each test against a local folder and
//! against the S3-compatible server that scripts/test starts).

mod storage;
