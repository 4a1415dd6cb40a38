//! Decompression bombs: an image's dimensions and frame count read from its header, and refused
//! past the limits, before a single pixel is decoded.
//!
//! A 5 KB file can claim 60 000 x 60 000 pixels (14 GB once decoded); a GIF can hold thousands
//! of frames, or one frame far larger than its screen. [`inspect`] reads only what the header
//! says:
//! - JPEG, PNG, GIF and WebP through the `image` crate's header reading
//!   (`ImageReader::into_decoder`, then `dimensions` and `total_bytes`: no pixel is decoded),
//!   with its allocation limit set to [`ImageLimits::max_decode_bytes`]; before that, a walk of
//!   the file's structure (PNG chunks, GIF blocks, WebP chunks, JPEG segments) counts the frames,
//!   checks every frame's own size and finds files cut short.
//! - AVIF by hand: `image` reads AVIF only through the system `dav1d` library, so the ISOBMFF
//!   boxes are walked here (`meta` > `pitm`, `iprp` > `ipco` / `ipma`) to the `ispe` (image
//!   spatial extents) property of the primary item; every `ispe` in the file (tiles, alpha,
//!   thumbnails) is held to the limits too.
//! - SVG is never rasterised: its size comes from the root element's `width`, `height` and
//!   `viewBox` attributes when they say it plainly, and is not limited.
//! - PDF has no pixel size; it must end with `%%EOF` (in its last KiB), else it was cut short.
//!
//! Sizes are the stored ones: a JPEG's EXIF orientation or an AVIF's `irot` is not applied.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat, ImageReader};

use super::kind::{find, svg_root, MediaKind};

/// How large an image may be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageLimits {
    /// Pixels of one frame (width times height). Default 50 000 000.
    pub max_pixels: u64,
    /// Width and height, each. Default 12 000.
    pub max_dimension: u32,
    /// Frames of an animation (GIF, APNG, animated WebP). Default 500.
    pub max_frames: u32,
    /// Bytes that one decoded frame may take (width x height x bytes per pixel of the decoder's
    /// output), and the allocation limit of the header readers. Default 256 MiB: a 50 MP photo
    /// in 8-bit RGBA takes 200 MB.
    pub max_decode_bytes: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self {
            max_pixels: 50_000_000,
            max_dimension: 12_000,
            max_frames: 500,
            max_decode_bytes: 256 * 1024 * 1024,
        }
    }
}

impl ImageLimits {
    /// The limits handed to `image`'s decoders: the largest side and the allocation limit, so
    /// that a decoder refuses what [`inspect`] would (a second line of defence, should a header
    /// reader and a decoder ever disagree about a file).
    pub fn decoder_limits(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.max_dimension);
        limits.max_image_height = Some(self.max_dimension);
        limits.max_alloc = Some(self.max_decode_bytes);
        limits
    }
}

/// An `image` decoding error as a [`LimitError`]: its allocation limit reached is
/// [`LimitError::DecodeMemory`], anything else the file's fault ([`LimitError::Malformed`], with
/// the decoder's message in one line).
pub fn decode_error(
    kind: MediaKind,
    limits: &ImageLimits,
    error: &image::ImageError,
) -> LimitError {
    match error {
        image::ImageError::Limits(_) => LimitError::DecodeMemory {
            needed: None,
            max: limits.max_decode_bytes,
        },
        other => LimitError::Malformed {
            kind,
            reason: reason_of(other),
        },
    }
}

/// What an image's header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageHeader {
    pub width: u32,
    pub height: u32,
    /// Frames of an animation, 1 for a still image; `None` where not counted (an AVIF image
    /// sequence, an SVG).
    pub frames: Option<u32>,
}

/// Why an image is refused before decoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("the image is {width} x {height} pixels; neither side may exceed {max} pixels")]
    Dimension { width: u32, height: u32, max: u32 },
    #[error("the image is {width} x {height} pixels ({}); at most {max} pixels are allowed", u64::from(*.width) * u64::from(*.height))]
    Pixels { width: u32, height: u32, max: u64 },
    #[error("the animation has more than {max} frames")]
    Frames { max: u32 },
    #[error("{}", decode_memory_message(*.needed, *.max))]
    DecodeMemory { needed: Option<u64>, max: u64 },
    /// The header cannot be read, or the file is cut short. `reason` names no path and no
    /// internal detail: it may be shown to the client.
    #[error("the {kind} file cannot be read: {reason}")]
    Malformed { kind: MediaKind, reason: String },
}

fn decode_memory_message(needed: Option<u64>, max: u64) -> String {
    match needed {
        Some(n) => format!("decoding the image would take {n} bytes; at most {max} are allowed"),
        None => format!("decoding the image would take more than the {max} bytes allowed"),
    }
}

/// The size and frame count of an image of `kind` (as [`super::kind::sniff`] found it), refused
/// if over `limits` or unreadable; `None` for a PDF and for an SVG that states no plain size.
pub fn inspect(
    bytes: &[u8],
    kind: MediaKind,
    limits: &ImageLimits,
) -> Result<Option<ImageHeader>, LimitError> {
    let check = Check { kind, limits };
    match kind {
        MediaKind::Pdf => pdf(bytes, &check).map(|()| None),
        MediaKind::Svg => svg(bytes, &check),
        MediaKind::Avif => avif(bytes, &check).map(Some),
        MediaKind::Jpeg | MediaKind::Png | MediaKind::Gif | MediaKind::WebP => {
            raster(bytes, &check).map(Some)
        }
    }
}

/// The kind being inspected and the limits it is held to.
struct Check<'a> {
    kind: MediaKind,
    limits: &'a ImageLimits,
}

impl Check<'_> {
    fn bad(&self, reason: impl Into<String>) -> LimitError {
        LimitError::Malformed {
            kind: self.kind,
            reason: reason.into(),
        }
    }

    fn truncated(&self) -> LimitError {
        self.bad("the file is cut short")
    }

    /// One frame's (or the canvas's) size against the limits.
    fn size(&self, width: u32, height: u32) -> Result<(), LimitError> {
        if width == 0 || height == 0 {
            return Err(self.bad(format!("the image is {width} x {height} pixels")));
        }
        let max = self.limits.max_dimension;
        if width > max || height > max {
            return Err(LimitError::Dimension { width, height, max });
        }
        let max = self.limits.max_pixels;
        if u64::from(width) * u64::from(height) > max {
            return Err(LimitError::Pixels { width, height, max });
        }
        Ok(())
    }

    fn frames(&self, frames: u64) -> Result<(), LimitError> {
        let max = self.limits.max_frames;
        if frames > u64::from(max) {
            return Err(LimitError::Frames { max });
        }
        Ok(())
    }

    fn decode_bytes(&self, needed: u64) -> Result<(), LimitError> {
        let max = self.limits.max_decode_bytes;
        if needed > max {
            return Err(LimitError::DecodeMemory {
                needed: Some(needed),
                max,
            });
        }
        Ok(())
    }
}

fn u16_be(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u16_le(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u24_le(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_be(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// JPEG, PNG, GIF, WebP: the structure walk, then `image`'s header reading.
fn raster(bytes: &[u8], check: &Check) -> Result<ImageHeader, LimitError> {
    let (format, frames) = match check.kind {
        MediaKind::Jpeg => (ImageFormat::Jpeg, jpeg_segments(bytes, check)?),
        MediaKind::Png => (ImageFormat::Png, png_chunks(bytes, check)?),
        MediaKind::Gif => (ImageFormat::Gif, gif_blocks(bytes, check)?),
        _ => (ImageFormat::WebP, webp_chunks(bytes, check)?),
    };
    check.frames(u64::from(frames))?;
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format);
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(check.limits.max_decode_bytes);
    reader.limits(image_limits);
    let decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => LimitError::DecodeMemory {
            needed: None,
            max: check.limits.max_decode_bytes,
        },
        other => check.bad(reason_of(&other)),
    })?;
    let (width, height) = decoder.dimensions();
    check.size(width, height)?;
    check.decode_bytes(decoder.total_bytes())?;
    Ok(ImageHeader {
        width,
        height,
        frames: Some(frames),
    })
}

/// The decoder's message, in one line of at most 200 characters.
fn reason_of(error: &image::ImageError) -> String {
    error
        .to_string()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

/// JPEG segments up to the first scan; then the scan must end with an end-of-image marker
/// (`FF D9` cannot occur inside entropy-coded data, where every `FF` is stuffed). One frame.
fn jpeg_segments(b: &[u8], check: &Check) -> Result<u32, LimitError> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(check.bad("no start-of-image marker"));
    }
    let mut at = 2;
    loop {
        if *b.get(at).ok_or_else(|| check.truncated())? != 0xFF {
            return Err(check.bad("a segment does not start with a marker"));
        }
        while b.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *b.get(at).ok_or_else(|| check.truncated())?;
        at += 1;
        match marker {
            0xD9 => return Err(check.bad("the file ends before any image data")),
            0xD8 => return Err(check.bad("a second start-of-image marker")),
            0x01 | 0xD0..=0xD7 => continue,
            0x00 => return Err(check.bad("a stuffed byte stands where a marker should")),
            _ => {}
        }
        let length = usize::from(u16_be(b, at).ok_or_else(|| check.truncated())?);
        if length < 2 {
            return Err(check.bad("a segment has a length below 2"));
        }
        let end = at + length;
        if end > b.len() {
            return Err(check.truncated());
        }
        if marker == 0xDA {
            return match find(b, &[0xFF, 0xD9], end) {
                Some(_) => Ok(1),
                None => Err(check.truncated()),
            };
        }
        at = end;
    }
}

/// PNG chunks from the signature to `IEND`: the size in `IHDR` (checked at once), and the
/// frames of an APNG (`acTL`, each `fcTL`'s size checked).
fn png_chunks(b: &[u8], check: &Check) -> Result<u32, LimitError> {
    let mut at = 8;
    let mut declared_frames = None;
    let mut frame_controls: u64 = 0;
    let mut first = true;
    loop {
        let length = u32_be(b, at).ok_or_else(|| check.truncated())?;
        if length > 0x7FFF_FFFF {
            return Err(check.bad("a chunk is longer than PNG allows"));
        }
        let kind = b.get(at + 4..at + 8).ok_or_else(|| check.truncated())?;
        let data_at = at + 8;
        let end = data_at
            .checked_add(length as usize)
            .and_then(|e| e.checked_add(4))
            .ok_or_else(|| check.truncated())?;
        if end > b.len() {
            return Err(check.truncated());
        }
        let data = &b[data_at..data_at + length as usize];
        if first {
            if kind != b"IHDR" || length != 13 {
                return Err(check.bad("the first chunk is not IHDR"));
            }
            first = false;
            check.size(
                u32_be(data, 0).unwrap_or_default(),
                u32_be(data, 4).unwrap_or_default(),
            )?;
        }
        match kind {
            b"acTL" => {
                let frames = u32_be(data, 0).ok_or_else(|| check.bad("acTL is too short"))?;
                check.frames(u64::from(frames))?;
                declared_frames = Some(frames);
            }
            b"fcTL" => {
                frame_controls += 1;
                check.frames(frame_controls)?;
                let (w, h) = (u32_be(data, 4), u32_be(data, 8));
                let (Some(w), Some(h)) = (w, h) else {
                    return Err(check.bad("fcTL is too short"));
                };
                check.size(w, h)?;
            }
            b"IEND" => break,
            _ => {}
        }
        at = end;
    }
    Ok(match declared_frames {
        // The larger of the declared and the actual count: a decoder may believe either.
        Some(frames) => frames
            .max(u32::try_from(frame_controls).unwrap_or(u32::MAX))
            .max(1),
        None => 1,
    })
}

/// GIF blocks from the logical screen to the trailer: every image descriptor is a frame, whose
/// own size is checked (a frame may claim more than its screen). A file that ends cleanly
/// between blocks without the trailer is accepted, as browsers do.
fn gif_blocks(b: &[u8], check: &Check) -> Result<u32, LimitError> {
    let screen_w = u16_le(b, 6).ok_or_else(|| check.truncated())?;
    let screen_h = u16_le(b, 8).ok_or_else(|| check.truncated())?;
    check.size(u32::from(screen_w), u32::from(screen_h))?;
    let packed = *b.get(10).ok_or_else(|| check.truncated())?;
    let mut at = 13 + color_table_len(packed);
    let mut frames: u64 = 0;
    // Sub-blocks: length-prefixed, up to a zero length.
    let sub_blocks = |mut at: usize| -> Result<usize, LimitError> {
        loop {
            let len = usize::from(*b.get(at).ok_or_else(|| check.truncated())?);
            at += 1 + len;
            if len == 0 {
                return Ok(at);
            }
        }
    };
    while let Some(&introducer) = b.get(at) {
        match introducer {
            0x3B => break,
            0x21 => at = sub_blocks(at + 2)?,
            0x2C => {
                let w = u16_le(b, at + 5).ok_or_else(|| check.truncated())?;
                let h = u16_le(b, at + 7).ok_or_else(|| check.truncated())?;
                let packed = *b.get(at + 9).ok_or_else(|| check.truncated())?;
                frames += 1;
                check.frames(frames)?;
                check.size(u32::from(w), u32::from(h))?;
                // Descriptor, local colour table, LZW minimum code size, then the data.
                at = sub_blocks(at + 10 + color_table_len(packed) + 1)?;
            }
            _ => return Err(check.bad("a block of unknown type")),
        }
    }
    if frames == 0 {
        return Err(check.bad("the file has no image"));
    }
    Ok(u32::try_from(frames).unwrap_or(u32::MAX))
}

/// The length of the colour table that a GIF packed field announces.
fn color_table_len(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

/// WebP chunks: the canvas of `VP8X` (checked at once), and the frames (`ANMF`) of an
/// animation, each frame's size checked.
fn webp_chunks(b: &[u8], check: &Check) -> Result<u32, LimitError> {
    let riff_end = u32_le(b, 4)
        .and_then(|size| usize::try_from(size).ok())
        .and_then(|size| size.checked_add(8))
        .filter(|&end| end >= 12 && end <= b.len())
        .ok_or_else(|| check.truncated())?;
    // What follows the RIFF chunk is not part of the image.
    let b = &b[..riff_end];
    let mut at = 12;
    let mut animated = false;
    let mut frames: u64 = 0;
    while at < b.len() {
        let kind = b.get(at..at + 4).ok_or_else(|| check.truncated())?;
        let length = u32_le(b, at + 4).ok_or_else(|| check.truncated())? as usize;
        let data_at = at + 8;
        let end = data_at
            .checked_add(length)
            .ok_or_else(|| check.truncated())?;
        let data = b.get(data_at..end).ok_or_else(|| check.truncated())?;
        match kind {
            b"VP8X" => {
                let flags = *data.first().ok_or_else(|| check.bad("VP8X is too short"))?;
                animated = flags & 0x02 != 0;
                let w = u24_le(data, 4).ok_or_else(|| check.bad("VP8X is too short"))?;
                let h = u24_le(data, 7).ok_or_else(|| check.bad("VP8X is too short"))?;
                check.size(w + 1, h + 1)?;
            }
            b"ANMF" => {
                frames += 1;
                check.frames(frames)?;
                let w = u24_le(data, 6).ok_or_else(|| check.bad("ANMF is too short"))?;
                let h = u24_le(data, 9).ok_or_else(|| check.bad("ANMF is too short"))?;
                check.size(w + 1, h + 1)?;
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        at = end + (length & 1);
    }
    if animated {
        if frames == 0 {
            return Err(check.bad("an animation without frames"));
        }
        Ok(u32::try_from(frames).unwrap_or(u32::MAX))
    } else {
        Ok(1)
    }
}

/// ISOBMFF boxes of one level: (type, payload) pairs, or the first problem.
struct Boxes<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Boxes<'a> {
    type Item = Result<([u8; 4], &'a [u8]), &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let parsed = (|| {
            let b = self.rest;
            let size = u32_be(b, 0).ok_or("a box header is cut short")?;
            let kind: [u8; 4] = b
                .get(4..8)
                .and_then(|k| k.try_into().ok())
                .ok_or("a box header is cut short")?;
            let (header, size) = match size {
                0 => (8, b.len() as u64),
                1 => (16, u64_be(b, 8).ok_or("a box header is cut short")?),
                n => (8, u64::from(n)),
            };
            if size < header {
                return Err("a box is shorter than its header");
            }
            if size > b.len() as u64 {
                return Err("the file is cut short");
            }
            let size = size as usize;
            self.rest = &b[size..];
            Ok((kind, &b[header as usize..size]))
        })();
        if parsed.is_err() {
            self.rest = &[];
        }
        Some(parsed)
    }
}

fn boxes(payload: &[u8]) -> Boxes<'_> {
    Boxes { rest: payload }
}

/// AVIF: the `ispe` of the primary item, every `ispe` held to the limits.
fn avif(b: &[u8], check: &Check) -> Result<ImageHeader, LimitError> {
    let mut meta = None;
    let mut sequence = false;
    for item in boxes(b) {
        let (kind, payload) = item.map_err(|r| check.bad(r))?;
        match &kind {
            b"meta" if meta.is_none() => meta = Some(payload),
            b"moov" => sequence = true,
            _ => {}
        }
    }
    let meta = meta.ok_or_else(|| check.bad("no meta box"))?;
    // `meta` is a full box: version and flags first.
    let meta = meta
        .get(4..)
        .ok_or_else(|| check.bad("the meta box is empty"))?;
    let mut primary = None;
    let mut properties: Vec<&[u8]> = Vec::new();
    let mut ispe_indexes: Vec<u16> = Vec::new();
    let mut associations: Vec<(u32, Vec<u16>)> = Vec::new();
    for item in boxes(meta) {
        let (kind, payload) = item.map_err(|r| check.bad(r))?;
        match &kind {
            b"pitm" => {
                let id = if payload.first() == Some(&0) {
                    u16_be(payload, 4).map(u32::from)
                } else {
                    u32_be(payload, 4)
                };
                primary = Some(id.ok_or_else(|| check.bad("pitm is too short"))?);
            }
            b"iprp" => {
                for item in boxes(payload) {
                    let (kind, payload) = item.map_err(|r| check.bad(r))?;
                    match &kind {
                        b"ipco" => {
                            for property in boxes(payload) {
                                let (kind, payload) = property.map_err(|r| check.bad(r))?;
                                properties.push(payload);
                                if &kind == b"ispe" {
                                    ispe_indexes
                                        .push(u16::try_from(properties.len()).unwrap_or(u16::MAX));
                                }
                            }
                        }
                        b"ipma" => associations.extend(ipma(payload).ok_or_else(|| {
                            check.bad("the item property associations are cut short")
                        })?),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let spatial_extents = |index: u16| -> Result<(u32, u32), LimitError> {
        let payload = properties
            .get(usize::from(index).wrapping_sub(1))
            .copied()
            .unwrap_or_default();
        match (u32_be(payload, 4), u32_be(payload, 8)) {
            (Some(w), Some(h)) => Ok((w, h)),
            _ => Err(check.bad("ispe is too short")),
        }
    };
    for &index in &ispe_indexes {
        let (w, h) = spatial_extents(index)?;
        check.size(w, h)?;
    }
    let primary = primary.ok_or_else(|| check.bad("no primary item"))?;
    let index = associations
        .iter()
        .filter(|(item, _)| *item == primary)
        .flat_map(|(_, indexes)| indexes)
        .find(|index| ispe_indexes.contains(index))
        .ok_or_else(|| check.bad("the primary item has no size (ispe)"))?;
    let (width, height) = spatial_extents(*index)?;
    check.decode_bytes(u64::from(width) * u64::from(height) * 4)?;
    Ok(ImageHeader {
        width,
        height,
        frames: if sequence { None } else { Some(1) },
    })
}

/// The entries of an `ipma` box: item id and the (1-based) indexes of its properties in `ipco`.
fn ipma(payload: &[u8]) -> Option<Vec<(u32, Vec<u16>)>> {
    let version = *payload.first()?;
    let wide_indexes = payload.get(3)? & 1 == 1;
    let count = u32_be(payload, 4)?;
    let mut at = 8;
    let mut entries = Vec::new();
    for _ in 0..count {
        let item = if version < 1 {
            at += 2;
            u32::from(u16_be(payload, at - 2)?)
        } else {
            at += 4;
            u32_be(payload, at - 4)?
        };
        let associations = *payload.get(at)?;
        at += 1;
        let mut indexes = Vec::with_capacity(usize::from(associations));
        for _ in 0..associations {
            let index = if wide_indexes {
                at += 2;
                u16_be(payload, at - 2)? & 0x7FFF
            } else {
                at += 1;
                u16::from(payload.get(at - 1)? & 0x7F)
            };
            indexes.push(index);
        }
        entries.push((item, indexes));
    }
    Some(entries)
}

/// A PDF must start with its header and end with `%%EOF` within its last 1024 bytes (where
/// readers look for it); else it was cut short.
fn pdf(b: &[u8], check: &Check) -> Result<(), LimitError> {
    if !b.starts_with(b"%PDF-") {
        return Err(check.bad("no PDF header"));
    }
    let tail = &b[b.len().saturating_sub(1024)..];
    if find(tail, b"%%EOF", 0).is_none() {
        return Err(check.truncated());
    }
    Ok(())
}

/// The root start tag of an SVG is read no further than this.
const SVG_TAG_MAX: usize = 16 * 1024;

/// An SVG's size from its root element, if it states one plainly.
fn svg(b: &[u8], check: &Check) -> Result<Option<ImageHeader>, LimitError> {
    let root = svg_root(b).map_err(|_| check.bad("not an acceptable SVG"))?;
    let tag = &b[root + 4..b.len().min(root + 4 + SVG_TAG_MAX)];
    let Some(attributes) = svg_attributes(tag) else {
        return Ok(None);
    };
    let get = |name: &str| {
        attributes
            .iter()
            .find(|(n, _)| *n == name.as_bytes())
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    };
    let width = get("width").and_then(svg_length);
    let height = get("height").and_then(svg_length);
    let view_box = get("viewBox").and_then(view_box_size);
    let size = match (width, height, view_box) {
        (Some(w), Some(h), _) => Some((w, h)),
        (Some(w), None, Some((vw, vh))) => Some((w, w * vh / vw)),
        (None, Some(h), Some((vw, vh))) => Some((h * vw / vh, h)),
        (None, None, Some(size)) => Some(size),
        _ => None,
    };
    Ok(size.and_then(|(w, h)| {
        let pixels = |v: f64| {
            let v = v.round().max(1.0);
            (v <= f64::from(u32::MAX)).then_some(v as u32)
        };
        Some(ImageHeader {
            width: pixels(w)?,
            height: pixels(h)?,
            frames: None,
        })
    }))
}

/// The attributes of a start tag (the bytes after its name), up to its `>`; `None` if the tag
/// does not close within the bytes or is not plain `name="value"` pairs.
fn svg_attributes(tag: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut attributes = Vec::new();
    let mut at = 0;
    loop {
        while tag.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        match tag.get(at)? {
            b'>' => return Some(attributes),
            b'/' if tag.get(at + 1) == Some(&b'>') => return Some(attributes),
            _ => {}
        }
        let name_end = at
            + tag[at..]
                .iter()
                .position(|&b| b == b'=' || b.is_ascii_whitespace() || b == b'>' || b == b'/')?;
        let name = &tag[at..name_end];
        at = name_end;
        while tag.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        if tag.get(at) != Some(&b'=') || name.is_empty() {
            return None;
        }
        at += 1;
        while tag.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        let quote = *tag.get(at).filter(|&&q| q == b'"' || q == b'\'')?;
        let value_end = at + 1 + tag[at + 1..].iter().position(|&b| b == quote)?;
        attributes.push((name, &tag[at + 1..value_end]));
        at = value_end + 1;
    }
}

/// A length in CSS pixels: a positive number, unitless or in px, pt, pc, mm, cm or in (96 px to
/// the inch). Percentages and font-relative units have no size of their own: `None`.
fn svg_length(value: &str) -> Option<f64> {
    let value = value.trim();
    // The unit is the trailing run of letters (or `%`): in `1em` the `e` is not an exponent.
    let unit_at = value
        .rfind(|c: char| !(c.is_ascii_alphabetic() || c == '%'))
        .map_or(0, |i| i + 1);
    let (number, unit) = value.split_at(unit_at);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "" | "px" => 1.0,
        "pt" => 96.0 / 72.0,
        "pc" => 16.0,
        "mm" => 96.0 / 25.4,
        "cm" => 96.0 / 2.54,
        "in" => 96.0,
        _ => return None,
    };
    let pixels = number * scale;
    (pixels.is_finite() && pixels > 0.0).then_some(pixels)
}

/// The width and height of a `viewBox` (`min-x min-y width height`, by spaces and/or commas).
fn view_box_size(value: &str) -> Option<(f64, f64)> {
    let numbers: Vec<f64> = value
        .split(|c: char| c.is_ascii_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [_, _, w, h] = numbers[..] else {
        return None;
    };
    (w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0).then_some((w, h))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::media::kind::sniff;
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame, Rgba, RgbaImage};

    pub(crate) fn encode(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
        let img = RgbaImage::from_fn(width, height, |x, y| Rgba([x as u8, y as u8, 128, 255]));
        let img = if format == ImageFormat::Jpeg {
            image::DynamicImage::ImageRgb8(image::DynamicImage::ImageRgba8(img).to_rgb8())
        } else {
            image::DynamicImage::ImageRgba8(img)
        };
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn animated_gif(frames: usize) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut out);
            let frames = (0..frames).map(|i| {
                let img = RgbaImage::from_pixel(4, 3, Rgba([i as u8 * 40, 0, 0, 255]));
                Frame::from_parts(img, 0, 0, Delay::from_numer_denom_ms(100, 1))
            });
            encoder.encode_frames(frames).unwrap();
        }
        out
    }

    fn inspect_default(bytes: &[u8], kind: MediaKind) -> Result<Option<ImageHeader>, LimitError> {
        inspect(bytes, kind, &ImageLimits::default())
    }

    fn header(width: u32, height: u32, frames: Option<u32>) -> Option<ImageHeader> {
        Some(ImageHeader {
            width,
            height,
            frames,
        })
    }

    fn is_malformed(result: Result<Option<ImageHeader>, LimitError>) -> bool {
        matches!(result, Err(LimitError::Malformed { .. }))
    }

    /// A PNG chunk with its CRC.
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
        out
    }

    /// `data` as a zlib stream of one stored block.
    fn zlib_stored(data: &[u8]) -> Vec<u8> {
        let len = data.len() as u16;
        let mut out = vec![0x78, 0x01, 0x01];
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(data);
        let (mut a, mut b) = (1u32, 0u32);
        for &byte in data {
            a = (a + u32::from(byte)) % 65521;
            b = (b + a) % 65521;
        }
        out.extend_from_slice(&((b << 16) | a).to_be_bytes());
        out
    }

    fn ihdr(width: u32, height: u32, depth: u8, color: u8) -> Vec<u8> {
        let mut data = width.to_be_bytes().to_vec();
        data.extend_from_slice(&height.to_be_bytes());
        data.extend_from_slice(&[depth, color, 0, 0, 0]);
        chunk(b"IHDR", &data)
    }

    /// A PNG whose header says `width` x `height` (8-bit RGBA unless told), with one tiny IDAT:
    /// the bomb is in the header, the file is a few dozen bytes.
    fn png_claiming(width: u32, height: u32, depth: u8, color: u8) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(ihdr(width, height, depth, color));
        png.extend(chunk(b"IDAT", &zlib_stored(&[0, 1, 2, 3, 4])));
        png.extend(chunk(b"IEND", b""));
        png
    }

    fn fctl(sequence: u32, width: u32, height: u32) -> Vec<u8> {
        let mut data = sequence.to_be_bytes().to_vec();
        for v in [width, height, 0, 0] {
            data.extend_from_slice(&v.to_be_bytes());
        }
        data.extend_from_slice(&[0, 1, 0, 10, 0, 0]);
        chunk(b"fcTL", &data)
    }

    /// An APNG of `frames` 1 x 1 frames, whose `acTL` declares `declared`.
    fn apng(frames: u32, declared: u32, frame_size: (u32, u32)) -> Vec<u8> {
        let pixel = zlib_stored(&[0, 255, 0, 0, 255]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(ihdr(1, 1, 8, 6));
        let mut actl = declared.to_be_bytes().to_vec();
        actl.extend_from_slice(&0u32.to_be_bytes());
        png.extend(chunk(b"acTL", &actl));
        let mut sequence = 0;
        for i in 0..frames {
            let (w, h) = if i == 0 { (1, 1) } else { frame_size };
            png.extend(fctl(sequence, w, h));
            sequence += 1;
            if i == 0 {
                png.extend(chunk(b"IDAT", &pixel));
            } else {
                let mut fdat = sequence.to_be_bytes().to_vec();
                fdat.extend_from_slice(&pixel);
                png.extend(chunk(b"fdAT", &fdat));
                sequence += 1;
            }
        }
        png.extend(chunk(b"IEND", b""));
        png
    }

    /// A GIF with a 10 x 10 screen and one image descriptor of `width` x `height`.
    fn gif_with_frame(width: u16, height: u16) -> Vec<u8> {
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&10u16.to_le_bytes());
        gif.extend_from_slice(&10u16.to_le_bytes());
        gif.extend_from_slice(&[0x80, 0, 0]); // a global colour table of 2 entries
        gif.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        gif.push(0x2C);
        gif.extend_from_slice(&[0, 0, 0, 0]);
        gif.extend_from_slice(&width.to_le_bytes());
        gif.extend_from_slice(&height.to_le_bytes());
        gif.push(0);
        gif.extend_from_slice(&[2, 2, 0x44, 0x01, 0]); // LZW data, then the block terminator
        gif.push(0x3B);
        gif
    }

    /// A patched copy of a real JPEG whose frame header (SOF0) claims `width` x `height`.
    fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
        let mut jpeg = encode(ImageFormat::Jpeg, 16, 16);
        let sof = find(&jpeg, &[0xFF, 0xC0], 2).unwrap();
        jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
        jpeg
    }

    fn isobmff(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(payload);
        out
    }

    fn full_box(kind: &[u8; 4], version: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
        let mut body = vec![version, 0, 0, flags];
        body.extend_from_slice(payload);
        isobmff(kind, &body)
    }

    fn ispe(width: u32, height: u32) -> Vec<u8> {
        let mut p = width.to_be_bytes().to_vec();
        p.extend_from_slice(&height.to_be_bytes());
        full_box(b"ispe", 0, 0, &p)
    }

    /// An AVIF (header boxes only, enough for sniffing and inspecting): item 1 is primary with
    /// the first `ispe`, item 2 (say, its alpha plane) has the second; `wide` writes the ipma
    /// with version 1, flags 1 (32-bit item ids, 16-bit indexes).
    fn avif(primary: (u32, u32), other: (u32, u32), wide: bool) -> Vec<u8> {
        let mut ftyp = b"avif".to_vec();
        ftyp.extend_from_slice(&0u32.to_be_bytes());
        ftyp.extend_from_slice(b"avifmif1miaf");
        let mut out = isobmff(b"ftyp", &ftyp);
        let mut handler = 0u32.to_be_bytes().to_vec();
        handler.extend_from_slice(b"pict");
        handler.extend_from_slice(&[0; 13]);
        let mut ipco = ispe(primary.0, primary.1);
        ipco.extend(full_box(b"pixi", 0, 0, &[3, 8, 8, 8]));
        ipco.extend(ispe(other.0, other.1));
        let mut ipma = 2u32.to_be_bytes().to_vec();
        for (item, indexes) in [(1u32, [1u16, 2]), (2, [3, 2])] {
            if wide {
                ipma.extend_from_slice(&item.to_be_bytes());
            } else {
                ipma.extend_from_slice(&(item as u16).to_be_bytes());
            }
            ipma.push(indexes.len() as u8);
            for index in indexes {
                if wide {
                    ipma.extend_from_slice(&(index | 0x8000).to_be_bytes());
                } else {
                    ipma.push(index as u8 | 0x80);
                }
            }
        }
        let mut iprp = isobmff(b"ipco", &ipco);
        iprp.extend(full_box(b"ipma", u8::from(wide), u8::from(wide), &ipma));
        let mut meta = full_box(b"hdlr", 0, 0, &handler);
        meta.extend(full_box(b"pitm", 0, 0, &1u16.to_be_bytes()));
        meta.extend(isobmff(b"iprp", &iprp));
        out.extend(full_box(b"meta", 0, 0, &meta));
        out.extend(isobmff(b"mdat", &[0; 32]));
        out
    }

    #[test]
    fn real_images_report_their_size_and_one_frame() {
        for (format, kind) in [
            (ImageFormat::Jpeg, MediaKind::Jpeg),
            (ImageFormat::Png, MediaKind::Png),
            (ImageFormat::Gif, MediaKind::Gif),
            (ImageFormat::WebP, MediaKind::WebP),
        ] {
            let bytes = encode(format, 33, 17);
            assert_eq!(sniff(&bytes, None), Ok(kind));
            assert_eq!(
                inspect_default(&bytes, kind),
                Ok(header(33, 17, Some(1))),
                "{kind}"
            );
        }
        assert_eq!(
            inspect_default(&png_claiming(1, 1, 8, 6), MediaKind::Png),
            Ok(header(1, 1, Some(1)))
        );
    }

    #[test]
    fn a_tiny_png_claiming_60000_by_60000_is_refused_from_its_header() {
        let bomb = png_claiming(60_000, 60_000, 8, 6);
        assert!(bomb.len() < 5_000);
        assert_eq!(sniff(&bomb, Some("image/png")), Ok(MediaKind::Png));
        let err = inspect_default(&bomb, MediaKind::Png).unwrap_err();
        assert_eq!(
            err,
            LimitError::Dimension {
                width: 60_000,
                height: 60_000,
                max: 12_000
            }
        );
        assert_eq!(
            err.to_string(),
            "the image is 60000 x 60000 pixels; neither side may exceed 12000 pixels"
        );
        // Within the side limit, still too many pixels.
        let err = inspect_default(&png_claiming(8_000, 7_000, 8, 6), MediaKind::Png).unwrap_err();
        assert_eq!(
            err,
            LimitError::Pixels {
                width: 8_000,
                height: 7_000,
                max: 50_000_000
            }
        );
        assert!(err.to_string().contains("56000000"));
        // Within both, but 16-bit RGBA would take 320 MB to decode.
        assert!(matches!(
            inspect_default(&png_claiming(8_000, 5_000, 16, 6), MediaKind::Png),
            Err(LimitError::DecodeMemory { .. })
        ));
        assert_eq!(
            inspect_default(&png_claiming(8_000, 5_000, 8, 6), MediaKind::Png),
            Ok(header(8_000, 5_000, Some(1)))
        );
    }

    #[test]
    fn a_jpeg_claiming_60000_by_60000_is_refused_from_its_header() {
        let bomb = jpeg_claiming(60_000, 60_000);
        assert!(bomb.len() < 5_000);
        assert_eq!(
            inspect_default(&bomb, MediaKind::Jpeg),
            Err(LimitError::Dimension {
                width: 60_000,
                height: 60_000,
                max: 12_000
            })
        );
        let limits = ImageLimits {
            max_dimension: 65_535,
            ..ImageLimits::default()
        };
        assert!(matches!(
            inspect(&bomb, MediaKind::Jpeg, &limits),
            Err(LimitError::Pixels { .. })
        ));
        let wide = ImageLimits {
            max_dimension: 65_535,
            max_pixels: u64::MAX,
            ..ImageLimits::default()
        };
        assert!(matches!(
            inspect(&bomb, MediaKind::Jpeg, &wide),
            Err(LimitError::DecodeMemory { .. })
        ));
    }

    #[test]
    fn gif_frames_are_counted_and_limited() {
        let gif = animated_gif(3);
        assert_eq!(sniff(&gif, None), Ok(MediaKind::Gif));
        assert_eq!(
            inspect_default(&gif, MediaKind::Gif),
            Ok(header(4, 3, Some(3)))
        );
        let two = ImageLimits {
            max_frames: 2,
            ..ImageLimits::default()
        };
        assert_eq!(
            inspect(&gif, MediaKind::Gif, &two),
            Err(LimitError::Frames { max: 2 })
        );
        assert_eq!(
            LimitError::Frames { max: 2 }.to_string(),
            "the animation has more than 2 frames"
        );
    }

    #[test]
    fn a_gif_frame_larger_than_its_screen_is_held_to_the_limits() {
        assert_eq!(
            inspect_default(&gif_with_frame(4, 4), MediaKind::Gif),
            Ok(header(10, 10, Some(1)))
        );
        assert_eq!(
            inspect_default(&gif_with_frame(60_000, 60_000), MediaKind::Gif),
            Err(LimitError::Dimension {
                width: 60_000,
                height: 60_000,
                max: 12_000
            })
        );
    }

    #[test]
    fn apng_frames_are_counted_and_each_frame_checked() {
        let png = apng(3, 3, (1, 1));
        assert_eq!(
            inspect_default(&png, MediaKind::Png),
            Ok(header(1, 1, Some(3)))
        );
        // The larger of the declared and the actual count.
        assert_eq!(
            inspect_default(&apng(3, 1, (1, 1)), MediaKind::Png),
            Ok(header(1, 1, Some(3)))
        );
        let two = ImageLimits {
            max_frames: 2,
            ..ImageLimits::default()
        };
        assert_eq!(
            inspect(&png, MediaKind::Png, &two),
            Err(LimitError::Frames { max: 2 })
        );
        // A claim of a billion frames is refused without walking them.
        assert_eq!(
            inspect_default(&apng(1, 1_000_000_000, (1, 1)), MediaKind::Png),
            Err(LimitError::Frames { max: 500 })
        );
        assert!(matches!(
            inspect_default(&apng(2, 2, (60_000, 60_000)), MediaKind::Png),
            Err(LimitError::Dimension { .. })
        ));
    }

    #[test]
    fn webp_chunks_give_the_canvas_and_the_animation_frames() {
        let vp8x = |flags: u8, w: u32, h: u32| {
            let mut data = vec![flags, 0, 0, 0];
            data.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
            data.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
            data
        };
        let riff = |chunks: &[(&[u8; 4], Vec<u8>)]| {
            let mut body = b"WEBP".to_vec();
            for (kind, data) in chunks {
                body.extend_from_slice(*kind);
                body.extend_from_slice(&(data.len() as u32).to_le_bytes());
                body.extend_from_slice(data);
                if data.len() % 2 == 1 {
                    body.push(0);
                }
            }
            let mut out = b"RIFF".to_vec();
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend(body);
            out
        };
        let anmf = |w: u32, h: u32| {
            let mut data = vec![0; 6];
            data.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
            data.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
            data.extend_from_slice(&[100, 0, 0, 0]);
            data
        };
        let check = Check {
            kind: MediaKind::WebP,
            limits: &ImageLimits::default(),
        };
        let animation = riff(&[
            (b"VP8X", vp8x(0x02, 40, 30)),
            (b"ANIM", vec![0; 6]),
            (b"ANMF", anmf(40, 30)),
            (b"ANMF", anmf(20, 10)),
            (b"ANMF", anmf(5, 5)),
        ]);
        assert_eq!(webp_chunks(&animation, &check), Ok(3));
        let too_many = ImageLimits {
            max_frames: 2,
            ..ImageLimits::default()
        };
        assert_eq!(
            inspect(&animation, MediaKind::WebP, &too_many),
            Err(LimitError::Frames { max: 2 })
        );
        let bomb = riff(&[(b"VP8X", vp8x(0x02, 60_000, 60_000))]);
        assert!(matches!(
            inspect_default(&bomb, MediaKind::WebP),
            Err(LimitError::Dimension {
                width: 60_000,
                height: 60_000,
                ..
            })
        ));
        let frame_bomb = riff(&[
            (b"VP8X", vp8x(0x02, 40, 30)),
            (b"ANMF", anmf(16_000, 16_000)),
        ]);
        assert!(matches!(
            webp_chunks(&frame_bomb, &check),
            Err(LimitError::Dimension { .. })
        ));
        let no_frames = riff(&[(b"VP8X", vp8x(0x02, 40, 30))]);
        assert!(matches!(
            webp_chunks(&no_frames, &check),
            Err(LimitError::Malformed { .. })
        ));
        // Data after the RIFF chunk is not read as chunks.
        let mut real = encode(ImageFormat::WebP, 8, 8);
        real.extend_from_slice(b"<html>trailing</html>");
        assert_eq!(
            inspect_default(&real, MediaKind::WebP),
            Ok(header(8, 8, Some(1)))
        );
    }

    #[test]
    fn avif_size_is_the_primary_items_ispe() {
        for wide in [false, true] {
            let file = avif((640, 480), (640, 480), wide);
            assert_eq!(sniff(&file, Some("image/avif")), Ok(MediaKind::Avif));
            assert_eq!(
                inspect_default(&file, MediaKind::Avif),
                Ok(header(640, 480, Some(1))),
                "wide {wide}"
            );
        }
        let bomb = avif((60_000, 60_000), (1, 1), false);
        assert!(bomb.len() < 5_000);
        assert_eq!(
            inspect_default(&bomb, MediaKind::Avif),
            Err(LimitError::Dimension {
                width: 60_000,
                height: 60_000,
                max: 12_000
            })
        );
        // Another item's extents (tiles, alpha) are held to the limits as well.
        assert!(matches!(
            inspect_default(&avif((64, 64), (20_000, 20_000), false), MediaKind::Avif),
            Err(LimitError::Dimension { .. })
        ));
        let file = avif((640, 480), (640, 480), false);
        for cut in [10, 30, 60, file.len() - 8] {
            assert!(
                is_malformed(inspect_default(&file[..cut], MediaKind::Avif)),
                "{cut}"
            );
        }
    }

    #[test]
    fn truncated_files_are_refused() {
        for (format, kind) in [
            (ImageFormat::Jpeg, MediaKind::Jpeg),
            (ImageFormat::Png, MediaKind::Png),
            (ImageFormat::Gif, MediaKind::Gif),
            (ImageFormat::WebP, MediaKind::WebP),
        ] {
            let bytes = encode(format, 40, 40);
            for cut in [0, 1, 8, 14, 24, bytes.len() / 2, bytes.len() - 3] {
                assert!(
                    is_malformed(inspect_default(&bytes[..cut], kind)),
                    "{kind} cut at {cut} of {}",
                    bytes.len()
                );
            }
        }
        assert!(is_malformed(inspect_default(b"", MediaKind::Avif)));
        assert!(is_malformed(inspect_default(b"", MediaKind::Pdf)));
        assert!(is_malformed(inspect_default(b"", MediaKind::Svg)));
    }

    #[test]
    fn polyglots_fail_the_header_of_the_type_they_claim() {
        let mut pdf = vec![0xFF, 0xD8, 0xFF, 0xE0];
        pdf.extend_from_slice(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n");
        assert_eq!(sniff(&pdf, None), Ok(MediaKind::Jpeg));
        assert!(is_malformed(inspect_default(&pdf, MediaKind::Jpeg)));
        assert!(is_malformed(inspect_default(&pdf, MediaKind::Pdf)));
        // GIF89a then HTML: the "screen" is made of the markup's bytes, and refused.
        let gif_html = b"GIF89a<html><script>alert(1)</script></html>";
        assert_eq!(sniff(gif_html, None), Ok(MediaKind::Gif));
        assert!(inspect_default(gif_html, MediaKind::Gif).is_err());
        let gif_html = b"GIF89a\x01\x00\x01\x00\x00\x00\x00<html><script>alert(1)</script>";
        assert!(is_malformed(inspect_default(gif_html, MediaKind::Gif)));
        // Bytes of one type inspected as another.
        let png = encode(ImageFormat::Png, 4, 4);
        assert!(is_malformed(inspect_default(&png, MediaKind::Jpeg)));
        assert!(is_malformed(inspect_default(&png, MediaKind::Avif)));
    }

    #[test]
    fn pdfs_must_end_with_their_end_marker() {
        let pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
        assert_eq!(inspect_default(pdf, MediaKind::Pdf), Ok(None));
        let mut long = pdf.to_vec();
        long.extend(std::iter::repeat_n(b' ', 1000));
        assert_eq!(inspect_default(&long, MediaKind::Pdf), Ok(None));
        assert!(is_malformed(inspect_default(&pdf[..30], MediaKind::Pdf)));
        long.extend(std::iter::repeat_n(b' ', 100));
        assert!(is_malformed(inspect_default(&long, MediaKind::Pdf)));
    }

    #[test]
    fn svg_size_comes_from_its_root_attributes() {
        let size = |svg: &str| inspect_default(svg.as_bytes(), MediaKind::Svg).unwrap();
        let ns = "xmlns=\"http://www.w3.org/2000/svg\"";
        assert_eq!(
            size(&format!("<svg {ns} width=\"120\" height='80.4'/>")),
            header(120, 80, None)
        );
        assert_eq!(
            size(&format!(
                "\u{FEFF}<?xml version=\"1.0\"?>\n<svg {ns}\n  width=\"2in\" height=\"1in\">"
            )),
            header(192, 96, None)
        );
        assert_eq!(
            size(&format!("<svg {ns} width=\"10mm\" height=\"72pt\">")),
            header(38, 96, None)
        );
        assert_eq!(
            size(&format!("<svg {ns} viewBox=\"0 0 300 150\">")),
            header(300, 150, None)
        );
        assert_eq!(
            size(&format!("<svg {ns} viewBox=\"0,0,300,150\" width=\"600\">")),
            header(600, 300, None)
        );
        assert_eq!(
            size(&format!(
                "<svg {ns} width=\"100%\" height=\"100%\" viewBox=\"-5 -5 64 32\">"
            )),
            header(64, 32, None)
        );
        assert_eq!(
            size(&format!("<svg {ns} width=\"2em\" height=\"1em\">")),
            None
        );
        assert_eq!(size(&format!("<svg {ns}>")), None);
        assert_eq!(
            size(&format!("<svg {ns} width=\"-4\" height=\"NaN\">")),
            None
        );
        assert_eq!(
            size(&format!("<svg {ns} width=\"1e400\" height=\"1\">")),
            None
        );
        assert_eq!(size(&format!("<svg {ns} width=10 height=10>")), None);
        assert_eq!(size("<svg width=\"10\" height=\"10\""), None);
        assert!(is_malformed(inspect_default(
            b"<html></html>",
            MediaKind::Svg
        )));
    }
}

/// `sniff` and `inspect` under any bytes: arbitrary ones, and real images mangled.
#[cfg(test)]
mod proptests {
    use super::tests::encode;
    use super::*;
    use crate::fuzzing::config;
    use crate::media::kind::sniff;
    use proptest::prelude::*;

    /// Small limits, so that whatever passes stays cheap.
    fn limits() -> ImageLimits {
        ImageLimits {
            max_pixels: 1_000_000,
            max_dimension: 2_000,
            max_frames: 20,
            max_decode_bytes: 4_000_000,
        }
    }

    fn seed() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(encode(ImageFormat::Jpeg, 9, 7)),
            Just(encode(ImageFormat::Png, 9, 7)),
            Just(encode(ImageFormat::Gif, 9, 7)),
            Just(encode(ImageFormat::WebP, 9, 7)),
            Just(b"<?xml version=\"1.0\"?><svg width=\"3\" viewBox=\"0 0 3 4\"/>".to_vec()),
            Just(b"%PDF-1.4\n%%EOF\n".to_vec()),
        ]
    }

    fn judge(bytes: &[u8], declared: Option<&str>) {
        let _ = sniff(bytes, declared);
        for kind in MediaKind::ALL {
            let _ = inspect(bytes, kind, &limits());
        }
    }

    proptest! {
        #![proptest_config(config(300))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), declared in "[ -~]{0,30}") {
            judge(&bytes, Some(&declared));
            judge(&bytes, None);
        }

        /// A real file with bytes overwritten, inserted or cut: whatever `sniff` accepts,
        /// `inspect` judges within the limits, without a panic.
        #[test]
        fn mangled_images_never_panic_and_stay_within_the_limits(
            seed in seed(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = seed;
            for (at, byte, op) in edits {
                let i = at.index(bytes.len() + 1);
                match op {
                    0 if i < bytes.len() => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ => {
                        if i < bytes.len() {
                            bytes.remove(i);
                        }
                    }
                }
            }
            bytes.truncate(cut.index(bytes.len() + 1).max(bytes.len() / 2));
            judge(&bytes, None);
            if let Ok(kind) = sniff(&bytes, None) {
                if let Ok(Some(header)) = inspect(&bytes, kind, &limits()) {
                    if kind != MediaKind::Svg {
                        prop_assert!(header.width <= 2_000 && header.height <= 2_000);
                        prop_assert!(u64::from(header.width) * u64::from(header.height) <= 1_000_000);
                        prop_assert!(header.frames.unwrap_or(1) <= 20);
                    }
                }
            }
        }
    }
}
