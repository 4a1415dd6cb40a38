//! STUB, replaced by the media-render branch.
use crate::media::kind::MediaKind;
use crate::media::limits::{ImageLimits, LimitError};
use crate::media::spec::{OutputFormat, RenderSpec};
pub const AVIF_OUTPUT: bool = false;
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub format: OutputFormat,
}
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Limit(#[from] LimitError),
    #[error("x")]
    Unsupported { kind: MediaKind },
}
pub fn render(
    _o: &[u8],
    kind: MediaKind,
    _s: &RenderSpec,
    _l: &ImageLimits,
) -> Result<Rendered, RenderError> {
    Err(RenderError::Unsupported { kind })
}
