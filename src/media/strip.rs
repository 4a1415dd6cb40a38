//! Location privacy: the metadata that says where, when and with what a picture was taken is
//! removed from an upload before it is stored, since an original is served as uploaded and a
//! phone photo's EXIF carries the GPS position of its author's home or office.
//!
//! [`clean`] walks each format's own structure (segments, chunks, blocks, boxes) and copies what
//! is needed to show the image, byte for byte, dropping the rest. What is kept is listed (a
//! whitelist), not what is dropped: a new or vendor-specific metadata block (MPF, C2PA, Photoshop,
//! maker notes) goes with the known ones. The image data itself is never decoded or re-encoded,
//! except to apply an EXIF orientation, which would otherwise be lost with the EXIF.
//! - JPEG: APP0 (JFIF), APP2 `ICC_PROFILE` and APP14 `Adobe` are kept with every non-APP
//!   segment and the entropy-coded data; APP1 (EXIF, XMP and extended XMP), APP13 (IPTC and
//!   Photoshop resources), the other APPn (MPF, C2PA, vendor blocks) and COM go, and so does
//!   anything after the end-of-image marker (the secondary images of MPF, each with its own EXIF).
//! - PNG: critical chunks, and the ancillary chunks needed to show it right (`iCCP`, `sRGB`,
//!   `gAMA`, `cHRM`, `cICP`, `mDCV`, `cLLI`, `sBIT`, `tRNS`, `bKGD`, `pHYs`, `hIST`, `sPLT`, and
//!   APNG's `acTL`, `fcTL`, `fdAT`); `eXIf`, `tEXt`, `zTXt`, `iTXt` (XMP), `tIME` and unknown
//!   ancillary chunks go.
//! - WebP: `VP8X` (its EXIF and XMP flags cleared), `VP8 `, `VP8L`, `ALPH`, `ICCP`, `ANIM`,
//!   `ANMF` are kept, `EXIF`, `XMP ` and unknown chunks go, and the RIFF size is rewritten.
//! - GIF: graphic control and plain text extensions, images and the `NETSCAPE2.0` /
//!   `ANIMEXTS1.0` looping extensions are kept; comments and every other application extension
//!   (XMP's `XMP DataXMP` among them) go.
//! - AVIF: the payloads of the `Exif` items and of the `mime` items of type
//!   `application/rdf+xml` (XMP) are overwritten with zeros where they lie. Removing the items
//!   would mean rewriting `iinf`, `iloc`, `iref` and every offset into `mdat` (or `idat`) after
//!   them; zeroing moves nothing, so the image items cannot be damaged, and what remains is an
//!   item that no reader can make anything of. The orientation is not applied: AVIF states
//!   rotation and mirroring in its own `irot` / `imir` properties, which decoders apply and
//!   which are kept, and decoding AVIF here would need the system `dav1d` library.
//! - PDF and SVG are returned unchanged: they are documents, served as downloads or as vector
//!   images, not rasters this module understands (a PDF's XMP and an SVG's `<metadata>` are the
//!   author's to remove).
//!
//! The EXIF orientation (JPEG, PNG `eXIf`, WebP `EXIF`) is read before the EXIF is dropped. If
//! it is anything but "upright" (1), the image is decoded within the limits, turned and encoded
//! again ([`Cleaned::reencoded`]), with its ICC profile: JPEG at quality 90, PNG and WebP
//! losslessly (`image` encodes WebP only losslessly, so a lossy WebP grows). An animation (APNG,
//! animated WebP) keeps its frames and its orientation is not applied: re-encoding would keep
//! only the first frame. GIF has no orientation.
//!
//! Every file is first held to the limits ([`inspect`]), so a file cut short or a bomb is refused
//! before any walk; the walks then check every length they follow, and refuse rather than guess.

use std::io::Cursor;
use std::ops::Range;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader};

use super::kind::MediaKind;
use super::limits::{decode_error, inspect, ImageLimits, LimitError};

/// The quality a JPEG is encoded at again when its orientation is applied.
pub const REENCODE_JPEG_QUALITY: u8 = 90;

/// A file with its metadata removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cleaned {
    pub bytes: Vec<u8>,
    /// True when the EXIF orientation was applied to the pixels (the image was decoded and
    /// encoded again); false when the file is the original minus its metadata, byte for byte.
    pub reencoded: bool,
}

/// Why a file cannot be cleaned.
#[derive(Debug, thiserror::Error)]
pub enum CleanError {
    /// Over the limits, or unreadable by the header readers.
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// The file's structure is broken in a way the header readers did not see. `reason` names
    /// no path and no internal detail: it may be shown to the client.
    #[error("the {kind} file cannot be read: {reason}")]
    Malformed { kind: MediaKind, reason: String },
    /// The image was decoded and turned but could not be encoded again: not the client's fault.
    #[error("the {kind} image could not be encoded again with its orientation applied")]
    Reencode {
        kind: MediaKind,
        #[source]
        source: image::ImageError,
    },
}

fn malformed(kind: MediaKind, reason: &str) -> CleanError {
    CleanError::Malformed {
        kind,
        reason: reason.to_string(),
    }
}

fn truncated(kind: MediaKind) -> CleanError {
    malformed(kind, "the file is cut short")
}

/// Removes EXIF (with its GPS position), XMP, IPTC and Photoshop resources, comments and text
/// chunks from `bytes` (of `kind`, as [`super::kind::sniff`] found it); keeps the ICC colour
/// profile; applies the EXIF orientation. PDF and SVG are returned unchanged.
pub fn clean(bytes: &[u8], kind: MediaKind, limits: &ImageLimits) -> Result<Cleaned, CleanError> {
    let stripped = match kind {
        MediaKind::Pdf | MediaKind::Svg => {
            return Ok(Cleaned {
                bytes: bytes.to_vec(),
                reencoded: false,
            })
        }
        MediaKind::Jpeg => jpeg(checked(bytes, kind, limits)?)?,
        MediaKind::Png => png(checked(bytes, kind, limits)?)?,
        MediaKind::WebP => webp(checked(bytes, kind, limits)?)?,
        MediaKind::Gif => gif(checked(bytes, kind, limits)?)?,
        MediaKind::Avif => avif(checked(bytes, kind, limits)?)?,
    };
    match stripped.orientation {
        Some(orientation) if orientation != Orientation::NoTransforms && !stripped.animated => {
            reorient(&stripped.bytes, kind, orientation, limits)
        }
        _ => Ok(Cleaned {
            bytes: stripped.bytes,
            reencoded: false,
        }),
    }
}

/// `bytes`, once held to the limits.
fn checked<'a>(
    bytes: &'a [u8],
    kind: MediaKind,
    limits: &ImageLimits,
) -> Result<&'a [u8], CleanError> {
    inspect(bytes, kind, limits)?;
    Ok(bytes)
}

/// A file without its metadata, and what its EXIF said about its orientation.
struct Stripped {
    bytes: Vec<u8>,
    orientation: Option<Orientation>,
    animated: bool,
}

impl Stripped {
    fn still(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            orientation: None,
            animated: false,
        }
    }
}

fn u16_be(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// A big-endian unsigned number of `size` bytes (0, 4 or 8, as ISOBMFF sizes are).
fn uint_be(b: &[u8], at: usize, size: u8) -> Option<u64> {
    match size {
        0 => Some(0),
        4 => u32_be(b, at).map(u64::from),
        8 => Some(u64::from_be_bytes(
            b.get(at..at.checked_add(8)?)?.try_into().ok()?,
        )),
        _ => None,
    }
}

/// The orientation an EXIF block (a TIFF structure, optionally behind the `Exif\0\0` that JPEG
/// puts before it and some WebP writers copy) states, if any.
fn exif_orientation(exif: &[u8]) -> Option<Orientation> {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    Orientation::from_exif_chunk(tiff)
}

/// JPEG: the segments to keep, the scans whole, up to the end-of-image marker.
fn jpeg(b: &[u8]) -> Result<Stripped, CleanError> {
    const KIND: MediaKind = MediaKind::Jpeg;
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(malformed(KIND, "no start-of-image marker"));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut orientation = None;
    let mut at = 2;
    loop {
        if *b.get(at).ok_or_else(|| truncated(KIND))? != 0xFF {
            return Err(malformed(KIND, "a segment does not start with a marker"));
        }
        // Fill bytes (any number of 0xFF) may precede a marker.
        while b.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *b.get(at).ok_or_else(|| truncated(KIND))?;
        at += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                break;
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            0x00 | 0xD8 => return Err(malformed(KIND, "a marker stands where it may not")),
            _ => {}
        }
        let length = usize::from(u16_be(b, at).ok_or_else(|| truncated(KIND))?);
        if length < 2 {
            return Err(malformed(KIND, "a segment has a length below 2"));
        }
        let end = at + length;
        let payload = b.get(at + 2..end).ok_or_else(|| truncated(KIND))?;
        let keep = match marker {
            0xE0 => payload.starts_with(b"JFIF\0"),
            0xE1 => {
                if orientation.is_none() && payload.starts_with(b"Exif\0\0") {
                    orientation = exif_orientation(payload);
                }
                false
            }
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => payload.starts_with(b"Adobe"),
            0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&b[at..end]);
        }
        at = end;
        if marker == 0xDA {
            // The entropy-coded data runs to the next marker that is neither a stuffed byte
            // (FF 00) nor a restart (FF D0 to FF D7).
            let start = at;
            loop {
                let ff = b[at..]
                    .iter()
                    .position(|&x| x == 0xFF)
                    .ok_or_else(|| truncated(KIND))?;
                let i = at + ff;
                match b.get(i + 1) {
                    None => return Err(truncated(KIND)),
                    Some(0x00 | 0xD0..=0xD7) => at = i + 2,
                    Some(_) => {
                        at = i;
                        break;
                    }
                }
            }
            out.extend_from_slice(&b[start..at]);
        }
    }
    Ok(Stripped {
        bytes: out,
        orientation,
        animated: false,
    })
}

/// The ancillary PNG chunks kept: those that change how the image looks, and APNG's.
const PNG_ANCILLARY_KEPT: [&[u8; 4]; 16] = [
    b"tRNS", b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"cICP", b"mDCV", b"cLLI", b"sBIT", b"bKGD",
    b"pHYs", b"hIST", b"sPLT", b"acTL", b"fcTL", b"fdAT",
];

/// PNG: the critical chunks and the kept ancillary ones, up to `IEND`, copied whole (CRC too).
fn png(b: &[u8]) -> Result<Stripped, CleanError> {
    const KIND: MediaKind = MediaKind::Png;
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !b.starts_with(SIGNATURE) {
        return Err(malformed(KIND, "no PNG signature"));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(SIGNATURE);
    let mut orientation = None;
    let mut animated = false;
    let mut at = SIGNATURE.len();
    loop {
        let length = u32_be(b, at).ok_or_else(|| truncated(KIND))?;
        let length = usize::try_from(length).map_err(|_| truncated(KIND))?;
        let kind: [u8; 4] = b
            .get(at + 4..at + 8)
            .and_then(|k| k.try_into().ok())
            .ok_or_else(|| truncated(KIND))?;
        let end = (at + 8)
            .checked_add(length)
            .and_then(|e| e.checked_add(4))
            .filter(|&e| e <= b.len())
            .ok_or_else(|| truncated(KIND))?;
        let data = &b[at + 8..end - 4];
        // Bit 5 of the first letter (lower case) marks an ancillary chunk; a decoder cannot
        // do without a critical one, known or not.
        let critical = kind[0] & 0x20 == 0;
        if &kind == b"eXIf" && orientation.is_none() {
            orientation = exif_orientation(data);
        }
        if &kind == b"acTL" {
            animated = true;
        }
        if critical || PNG_ANCILLARY_KEPT.contains(&&kind) {
            out.extend_from_slice(&b[at..end]);
        }
        at = end;
        if &kind == b"IEND" {
            break;
        }
    }
    Ok(Stripped {
        bytes: out,
        orientation,
        animated,
    })
}

/// The WebP chunks kept.
const WEBP_KEPT: [&[u8; 4]; 7] = [
    b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ICCP", b"ANIM", b"ANMF",
];

/// VP8X flags: an EXIF chunk, an XMP chunk, an animation.
const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;
const VP8X_ANIMATION: u8 = 0x02;

/// WebP: the kept chunks of the RIFF container (nothing after it), `VP8X` without its metadata
/// flags, under a new RIFF size.
fn webp(b: &[u8]) -> Result<Stripped, CleanError> {
    const KIND: MediaKind = MediaKind::WebP;
    let riff_end = u32_le(b, 4)
        .and_then(|size| usize::try_from(size).ok())
        .and_then(|size| size.checked_add(8))
        .filter(|&end| end >= 12 && end <= b.len())
        .ok_or_else(|| truncated(KIND))?;
    if !b.starts_with(b"RIFF") || b.get(8..12) != Some(b"WEBP") {
        return Err(malformed(KIND, "no RIFF WebP header"));
    }
    let b = &b[..riff_end];
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let mut orientation = None;
    let mut animated = false;
    let mut at = 12;
    while at < b.len() {
        let kind: [u8; 4] = b
            .get(at..at + 4)
            .and_then(|k| k.try_into().ok())
            .ok_or_else(|| truncated(KIND))?;
        let length = u32_le(b, at + 4).ok_or_else(|| truncated(KIND))?;
        let length = usize::try_from(length).map_err(|_| truncated(KIND))?;
        let end = (at + 8)
            .checked_add(length)
            .filter(|&e| e <= b.len())
            .ok_or_else(|| truncated(KIND))?;
        let data = &b[at + 8..end];
        match &kind {
            b"EXIF" if orientation.is_none() => orientation = exif_orientation(data),
            b"VP8X" => {
                let flags = *data
                    .first()
                    .ok_or_else(|| malformed(KIND, "VP8X is empty"))?;
                animated = flags & VP8X_ANIMATION != 0;
            }
            _ => {}
        }
        if WEBP_KEPT.contains(&&kind) {
            let start = out.len();
            out.extend_from_slice(&b[at..end]);
            if &kind == b"VP8X" {
                out[start + 8] &= !(VP8X_EXIF | VP8X_XMP);
            }
            if length % 2 == 1 {
                out.push(0);
            }
        }
        // Chunks are padded to an even length; a last chunk may lack its padding byte.
        at = end + (length % 2);
    }
    let size =
        u32::try_from(out.len() - 8).map_err(|_| malformed(KIND, "the file is too large"))?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(Stripped {
        bytes: out,
        orientation,
        animated,
    })
}

/// GIF application extensions kept: looping.
const GIF_APPLICATIONS_KEPT: [&[u8; 11]; 2] = [b"NETSCAPE2.0", b"ANIMEXTS1.0"];

/// GIF: header, screen and colour table, then the blocks kept, then the trailer (written even
/// where the file ended without one, which browsers accept).
fn gif(b: &[u8]) -> Result<Stripped, CleanError> {
    const KIND: MediaKind = MediaKind::Gif;
    let packed = *b.get(10).ok_or_else(|| truncated(KIND))?;
    let mut at = 13 + color_table_len(packed);
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(b.get(..at).ok_or_else(|| truncated(KIND))?);
    // Sub-blocks: length-prefixed, up to a zero length; where they end.
    let sub_blocks = |mut at: usize| -> Result<usize, CleanError> {
        loop {
            let len = usize::from(*b.get(at).ok_or_else(|| truncated(KIND))?);
            at += 1 + len;
            if len == 0 {
                return Ok(at);
            }
        }
    };
    loop {
        match b.get(at) {
            None | Some(0x3B) => {
                out.push(0x3B);
                break;
            }
            Some(0x21) => {
                let label = *b.get(at + 1).ok_or_else(|| truncated(KIND))?;
                let end = sub_blocks(at + 2)?;
                let keep = match label {
                    // Graphic control (delays, transparency), plain text (drawn on the canvas).
                    0xF9 | 0x01 => true,
                    0xFF => {
                        b.get(at + 2) == Some(&11)
                            && b.get(at + 3..at + 14).is_some_and(|id| {
                                GIF_APPLICATIONS_KEPT.iter().any(|kept| kept[..] == *id)
                            })
                    }
                    _ => false,
                };
                if keep {
                    out.extend_from_slice(b.get(at..end).ok_or_else(|| truncated(KIND))?);
                }
                at = end;
            }
            Some(0x2C) => {
                let packed = *b.get(at + 9).ok_or_else(|| truncated(KIND))?;
                // Descriptor, local colour table, LZW minimum code size, then the data.
                let end = sub_blocks(at + 10 + color_table_len(packed) + 1)?;
                out.extend_from_slice(b.get(at..end).ok_or_else(|| truncated(KIND))?);
                at = end;
            }
            Some(_) => return Err(malformed(KIND, "a block of unknown type")),
        }
    }
    Ok(Stripped::still(out))
}

/// The length of the colour table that a GIF packed field announces.
fn color_table_len(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

/// An ISOBMFF box: its type and where its payload lies in the file.
type IsoBox = ([u8; 4], Range<usize>);

/// ISOBMFF boxes within `range` of `b`.
fn boxes(b: &[u8], range: Range<usize>) -> Result<Vec<IsoBox>, CleanError> {
    const KIND: MediaKind = MediaKind::Avif;
    let mut found = Vec::new();
    let mut at = range.start;
    while at < range.end {
        let size = u32_be(b, at).ok_or_else(|| truncated(KIND))?;
        let kind: [u8; 4] = b
            .get(at + 4..at + 8)
            .and_then(|k| k.try_into().ok())
            .ok_or_else(|| truncated(KIND))?;
        let (header, size) = match size {
            0 => (8, (range.end - at) as u64),
            1 => (16, uint_be(b, at + 8, 8).ok_or_else(|| truncated(KIND))?),
            n => (8, u64::from(n)),
        };
        if size < header {
            return Err(malformed(KIND, "a box is shorter than its header"));
        }
        let end = usize::try_from(size)
            .ok()
            .and_then(|s| at.checked_add(s))
            .filter(|&e| e <= range.end)
            .ok_or_else(|| truncated(KIND))?;
        found.push((kind, at + header as usize..end));
        at = end;
    }
    Ok(found)
}

/// A null-terminated string at `at` in `b`, and where it ends (past its null).
fn c_string(b: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = b.get(at..)?;
    let len = rest.iter().position(|&c| c == 0)?;
    Some((&rest[..len], at + len + 1))
}

/// AVIF: the Exif and XMP items' payloads zeroed in place.
fn avif(b: &[u8]) -> Result<Stripped, CleanError> {
    const KIND: MediaKind = MediaKind::Avif;
    let bad = |reason: &str| malformed(KIND, reason);
    let top = boxes(b, 0..b.len())?;
    let Some((_, meta)) = top.iter().find(|(kind, _)| kind == b"meta") else {
        return Err(bad("no meta box"));
    };
    // `meta` is a full box: version and flags first.
    let meta = boxes(b, (meta.start + 4).min(meta.end)..meta.end)?;
    let mut metadata_items = Vec::new();
    let mut locations = Vec::new();
    let mut idat = None;
    for (kind, range) in &meta {
        let payload = &b[range.clone()];
        match kind {
            b"iinf" => {
                let version = *payload.first().ok_or_else(|| bad("iinf is empty"))?;
                let entries_at = if version == 0 { 6 } else { 8 };
                let entries = (range.start + entries_at).min(range.end)..range.end;
                for (kind, entry) in boxes(b, entries)? {
                    if &kind == b"infe" {
                        if let Some(id) = metadata_item(&b[entry])? {
                            metadata_items.push(id);
                        }
                    }
                }
            }
            b"iloc" => {
                locations = item_locations(payload).ok_or_else(|| bad("iloc is cut short"))?
            }
            b"idat" => idat = Some(range.clone()),
            _ => {}
        }
    }
    let mut out = b.to_vec();
    for location in locations
        .iter()
        .filter(|l| metadata_items.contains(&l.item))
    {
        let origin = match location.construction_method {
            0 => 0,
            1 => idat
                .as_ref()
                .map(|r| r.start as u64)
                .ok_or_else(|| bad("an item lies in an idat box that is missing"))?,
            _ => return Err(bad("a metadata item is built from other items")),
        };
        let data_end = match location.construction_method {
            0 => b.len(),
            _ => idat.as_ref().map_or(b.len(), |r| r.end),
        };
        for &(offset, length) in &location.extents {
            let start = origin
                .checked_add(location.base_offset)
                .and_then(|s| s.checked_add(offset))
                .and_then(|s| usize::try_from(s).ok())
                .filter(|&s| s <= data_end)
                .ok_or_else(|| bad("a metadata item lies outside the file"))?;
            // A length of 0 means: to the end of the data.
            let end = if length == 0 {
                data_end
            } else {
                usize::try_from(length)
                    .ok()
                    .and_then(|l| start.checked_add(l))
                    .filter(|&e| e <= data_end)
                    .ok_or_else(|| bad("a metadata item lies outside the file"))?
            };
            out[start..end].fill(0);
        }
    }
    Ok(Stripped::still(out))
}

/// The id of the item an `infe` box (its payload) describes, if it is EXIF or XMP.
fn metadata_item(infe: &[u8]) -> Result<Option<u32>, CleanError> {
    let cut = || malformed(MediaKind::Avif, "infe is cut short");
    let version = *infe.first().ok_or_else(cut)?;
    let is_xmp = |content_type: &[u8]| {
        content_type
            .to_ascii_lowercase()
            .starts_with(b"application/rdf+xml")
    };
    Ok(match version {
        // Item id, protection index, name, content type (and encoding).
        0 | 1 => {
            let id = u16_be(infe, 4).ok_or_else(cut)?;
            let (_, at) = c_string(infe, 8).ok_or_else(cut)?;
            let (content_type, _) = c_string(infe, at).ok_or_else(cut)?;
            is_xmp(content_type).then_some(u32::from(id))
        }
        // Item id (16 bits in version 2, 32 in 3), protection index, item type, name, and a
        // content type for `mime` items.
        _ => {
            let (id, at) = if version == 2 {
                (u32::from(u16_be(infe, 4).ok_or_else(cut)?), 6)
            } else {
                (u32_be(infe, 4).ok_or_else(cut)?, 8)
            };
            let item_type = infe.get(at + 2..at + 6).ok_or_else(cut)?;
            match item_type {
                b"Exif" => Some(id),
                b"mime" => {
                    let (_, after_name) = c_string(infe, at + 6).ok_or_else(cut)?;
                    let (content_type, _) = c_string(infe, after_name).ok_or_else(cut)?;
                    is_xmp(content_type).then_some(id)
                }
                _ => None,
            }
        }
    })
}

/// Where an item's data lies (an `iloc` entry).
struct ItemLocation {
    item: u32,
    /// 0: offsets in the file; 1: in the `idat` box; 2: in other items.
    construction_method: u8,
    base_offset: u64,
    /// Offset and length of each extent; a length of 0 runs to the end.
    extents: Vec<(u64, u64)>,
}

/// The entries of an `iloc` box (its payload, from its version).
fn item_locations(p: &[u8]) -> Option<Vec<ItemLocation>> {
    let version = *p.first()?;
    let sizes = u16_be(p, 4)?;
    let offset_size = (sizes >> 12) as u8;
    let length_size = ((sizes >> 8) & 0xF) as u8;
    let base_offset_size = ((sizes >> 4) & 0xF) as u8;
    let index_size = if version >= 1 { (sizes & 0xF) as u8 } else { 0 };
    let (count, mut at) = if version < 2 {
        (u32::from(u16_be(p, 6)?), 8)
    } else {
        (u32_be(p, 6)?, 10)
    };
    let mut items = Vec::new();
    for _ in 0..count {
        let item = if version < 2 {
            at += 2;
            u32::from(u16_be(p, at - 2)?)
        } else {
            at += 4;
            u32_be(p, at - 4)?
        };
        let construction_method = if version >= 1 {
            at += 2;
            (u16_be(p, at - 2)? & 0xF) as u8
        } else {
            0
        };
        at += 2; // data reference index
        let base_offset = uint_be(p, at, base_offset_size)?;
        at += usize::from(base_offset_size);
        let extent_count = u16_be(p, at)?;
        at += 2;
        let mut extents = Vec::new();
        for _ in 0..extent_count {
            at += usize::from(index_size);
            let offset = uint_be(p, at, offset_size)?;
            at += usize::from(offset_size);
            let length = uint_be(p, at, length_size)?;
            at += usize::from(length_size);
            extents.push((offset, length));
        }
        items.push(ItemLocation {
            item,
            construction_method,
            base_offset,
            extents,
        });
    }
    Some(items)
}

/// The image decoded within the limits, turned upright and encoded again in its own format,
/// with its ICC profile where the profile fits the encoded colours.
fn reorient(
    bytes: &[u8],
    kind: MediaKind,
    orientation: Orientation,
    limits: &ImageLimits,
) -> Result<Cleaned, CleanError> {
    let format = match kind {
        MediaKind::Jpeg => ImageFormat::Jpeg,
        MediaKind::Png => ImageFormat::Png,
        MediaKind::WebP => ImageFormat::WebP,
        _ => {
            return Ok(Cleaned {
                bytes: bytes.to_vec(),
                reencoded: false,
            })
        }
    };
    let decoding = |e: image::ImageError| CleanError::Limit(decode_error(kind, limits, &e));
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format);
    reader.limits(limits.decoder_limits());
    let mut decoder = reader.into_decoder().map_err(decoding)?;
    let icc = decoder.icc_profile().map_err(decoding)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(decoding)?;
    image.apply_orientation(orientation);
    if kind == MediaKind::Jpeg {
        // JPEG encodes grey or RGB, 8 bits.
        image = if image.color().has_color() {
            DynamicImage::ImageRgb8(image.to_rgb8())
        } else {
            DynamicImage::ImageLuma8(image.to_luma8())
        };
    }
    let icc = icc.filter(|profile| icc_fits(profile, image.color()));
    let mut out = Vec::new();
    let reencode = |source| CleanError::Reencode { kind, source };
    let unsupported = |e| reencode(image::ImageError::Unsupported(e));
    match kind {
        MediaKind::Jpeg => {
            let mut encoder = JpegEncoder::new_with_quality(&mut out, REENCODE_JPEG_QUALITY);
            if let Some(icc) = icc {
                encoder.set_icc_profile(icc).map_err(unsupported)?;
            }
            image.write_with_encoder(encoder).map_err(reencode)?;
        }
        MediaKind::Png => {
            let mut encoder = PngEncoder::new(&mut out);
            if let Some(icc) = icc {
                encoder.set_icc_profile(icc).map_err(unsupported)?;
            }
            image.write_with_encoder(encoder).map_err(reencode)?;
        }
        _ => {
            let mut encoder = WebPEncoder::new_lossless(&mut out);
            if let Some(icc) = icc {
                encoder.set_icc_profile(icc).map_err(unsupported)?;
            }
            // WebP encodes 8-bit RGB(A) only.
            let image = if image.color().has_alpha() {
                DynamicImage::ImageRgba8(image.to_rgba8())
            } else {
                DynamicImage::ImageRgb8(image.to_rgb8())
            };
            image.write_with_encoder(encoder).map_err(reencode)?;
        }
    }
    Ok(Cleaned {
        bytes: out,
        reencoded: true,
    })
}

/// Whether an ICC profile describes the colours of `color`: its header's data colour space
/// (bytes 16 to 19) is `GRAY` for grey, `RGB ` for colour. A CMYK JPEG decodes to RGB, and its
/// CMYK profile on the RGB result would make colour-managed viewers show nonsense.
pub(crate) fn icc_fits(profile: &[u8], color: ColorType) -> bool {
    let space = profile.get(16..20);
    if color.has_color() {
        space == Some(b"RGB ")
    } else {
        space == Some(b"GRAY")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    /// A fake ICC profile: an RGB colour space in its header, a recognisable body.
    pub(crate) fn icc_profile() -> Vec<u8> {
        let mut icc = vec![0u8; 300];
        icc[0..4].copy_from_slice(&300u32.to_be_bytes());
        icc[12..16].copy_from_slice(b"mntr");
        icc[16..20].copy_from_slice(b"RGB ");
        icc[36..40].copy_from_slice(b"acsp");
        for (i, byte) in icc.iter_mut().enumerate().skip(128) {
            *byte = (i * 7) as u8;
        }
        icc
    }

    /// The namespace of XMP, in every packet.
    const XMP_NS: &[u8] = b"http://ns.adobe.com/xap/1.0/";

    /// A little-endian TIFF structure: IFD0 with the orientation, a camera make and a pointer to
    /// a GPS IFD (tag 0x8825) holding latitude N 46 12' 30".
    pub(crate) fn exif_tiff(orientation: u16) -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend_from_slice(&8u32.to_le_bytes());
        // IFD0 at 8: 3 entries (12 bytes each), next IFD 0 => 8 + 2 + 36 + 4 = 50.
        let make_at = 50u32;
        let gps_at = make_at + 8;
        t.extend_from_slice(&3u16.to_le_bytes());
        let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: u32| {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&typ.to_le_bytes());
            t.extend_from_slice(&count.to_le_bytes());
            t.extend_from_slice(&value.to_le_bytes());
        };
        entry(&mut t, 0x010F, 2, 8, make_at); // Make, ASCII
        entry(&mut t, 0x0112, 3, 1, u32::from(orientation)); // Orientation, SHORT
        entry(&mut t, 0x8825, 4, 1, gps_at); // GPS IFD pointer
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(b"PhoneCo\0");
        // GPS IFD: 2 entries => 2 + 24 + 4 = 30 bytes, then the rationals.
        let rationals_at = gps_at + 30;
        t.extend_from_slice(&2u16.to_le_bytes());
        entry(&mut t, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0")); // GPSLatitudeRef
        entry(&mut t, 0x0002, 5, 3, rationals_at); // GPSLatitude
        t.extend_from_slice(&0u32.to_le_bytes());
        for (n, d) in [(46u32, 1u32), (12, 1), (30, 1)] {
            t.extend_from_slice(&n.to_le_bytes());
            t.extend_from_slice(&d.to_le_bytes());
        }
        // A maker note string too, so that a byte search for "GPS" finds the EXIF.
        t.extend_from_slice(b"GPSLatitude 46.2083N\0");
        t
    }

    pub(crate) fn xmp_packet() -> Vec<u8> {
        let mut x = b"<?xpacket begin=\"\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><rdf:Description xmlns:xmp=\"".to_vec();
        x.extend_from_slice(XMP_NS);
        x.extend_from_slice(
            b"\" exif:GPSLatitude=\"46,12.5N\"/></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>",
        );
        x
    }

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    fn photo(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            // Left half red, right half blue, a gradient down: orientation shows.
            if x < width / 2 {
                Rgb([220, (y * 255 / height) as u8, 20])
            } else {
                Rgb([20, (y * 255 / height) as u8, 220])
            }
        })
    }

    /// A JPEG of `width` x `height` with an ICC profile (APP2), EXIF with GPS and the given
    /// orientation, XMP, extended XMP, IPTC (APP13), a comment, an MPF APP2 and, after the end
    /// marker, a second image with EXIF of its own.
    pub(crate) fn tagged_jpeg(width: u32, height: u32, orientation: u16) -> Vec<u8> {
        let mut plain = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut plain, 85);
        encoder.set_icc_profile(icc_profile()).unwrap();
        photo(width, height).write_with_encoder(encoder).unwrap();
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend(exif_tiff(orientation));
        let mut xmp = XMP_NS.to_vec();
        xmp.push(0);
        xmp.extend(xmp_packet());
        let mut extended = b"http://ns.adobe.com/xmp/extension/\0".to_vec();
        extended.extend_from_slice(&[b'0'; 32]);
        extended.extend_from_slice(&[0, 0, 0, 20, 0, 0, 0, 0]);
        extended.extend_from_slice(b"<GPSAltitude>12</GPSAltitude>");
        let mut iptc = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
        iptc.extend_from_slice(&20u32.to_be_bytes());
        iptc.extend_from_slice(b"\x1c\x02\x5a\0\x06Geneva GPS city\0\0");
        let mut jpeg = plain[..2].to_vec();
        jpeg.extend(segment(0xE1, &exif));
        // After the encoder's APP0 and its ICC segment.
        let sof = (2..plain.len())
            .find(|&i| plain[i] == 0xFF && plain[i + 1] == 0xDB)
            .unwrap();
        jpeg.extend_from_slice(&plain[2..sof]);
        jpeg.extend(segment(0xE1, &xmp));
        jpeg.extend(segment(0xE1, &extended));
        jpeg.extend(segment(0xED, &iptc));
        jpeg.extend(segment(0xFE, b"shot at 46.2083N 6.1432E, GPS"));
        jpeg.extend(segment(0xE2, b"MPF\0II*\0GPS"));
        jpeg.extend_from_slice(&plain[sof..]);
        let mut secondary = vec![0xFF, 0xD8];
        secondary.extend(segment(0xE1, &exif));
        secondary.extend_from_slice(&[0xFF, 0xD9]);
        jpeg.extend(secondary);
        jpeg
    }

    /// Whether any trace of the test files' location is in `bytes`.
    pub(crate) fn has_location(bytes: &[u8]) -> bool {
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        has(b"GPS")
            || has(XMP_NS)
            || has(b"II*\0")
            || has(b"Geneva")
            || has(b"46.2083")
            // The GPS IFD pointer tag, little-endian, followed by its type LONG.
            || has(&[0x25, 0x88, 0x04, 0x00])
    }

    fn decode(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory(bytes).unwrap()
    }

    fn icc_of(bytes: &[u8], format: ImageFormat) -> Option<Vec<u8>> {
        let mut reader = ImageReader::new(Cursor::new(bytes));
        reader.set_format(format);
        reader.into_decoder().unwrap().icc_profile().unwrap()
    }

    fn clean_default(bytes: &[u8], kind: MediaKind) -> Result<Cleaned, CleanError> {
        clean(bytes, kind, &ImageLimits::default())
    }

    /// The segments of a JPEG before its first scan: (marker, whole segment bytes).
    fn jpeg_segments(b: &[u8]) -> Vec<(u8, Vec<u8>)> {
        let mut at = 2;
        let mut found = Vec::new();
        while b[at + 1] != 0xDA {
            let len = usize::from(u16_be(b, at + 2).unwrap());
            found.push((b[at + 1], b[at..at + 2 + len].to_vec()));
            at += 2 + len;
        }
        found
    }

    #[test]
    fn a_jpeg_loses_exif_gps_xmp_iptc_comments_and_trailing_images_losslessly() {
        let original = tagged_jpeg(64, 48, 1);
        assert!(has_location(&original));
        let cleaned = clean_default(&original, MediaKind::Jpeg).unwrap();
        assert!(!cleaned.reencoded);
        assert!(!has_location(&cleaned.bytes));
        assert!(cleaned.bytes.ends_with(&[0xFF, 0xD9]));
        // Everything kept is byte-identical: the ICC segment, the tables, the scan.
        let kept: Vec<_> = jpeg_segments(&cleaned.bytes);
        let before: Vec<_> = jpeg_segments(&original);
        assert!(kept.iter().all(|s| before.contains(s)));
        let markers: Vec<u8> = kept.iter().map(|(m, _)| *m).collect();
        assert_eq!(markers[0], 0xE0);
        assert!(markers.contains(&0xE2) && markers.contains(&0xDB) && markers.contains(&0xC0));
        assert!(!markers.iter().any(|m| matches!(m, 0xE1 | 0xED | 0xFE)));
        let scan = |b: &[u8]| {
            let sos = (0..b.len())
                .find(|&i| b[i] == 0xFF && b[i + 1] == 0xDA)
                .unwrap();
            let eoi = (sos..b.len())
                .find(|&i| b[i] == 0xFF && b[i + 1] == 0xD9)
                .unwrap();
            b[sos..eoi + 2].to_vec()
        };
        assert_eq!(scan(&cleaned.bytes), scan(&original));
        assert_eq!(
            icc_of(&cleaned.bytes, ImageFormat::Jpeg),
            Some(icc_profile())
        );
        assert_eq!(
            decode(&cleaned.bytes).to_rgb8(),
            decode(&original).to_rgb8()
        );
    }

    #[test]
    fn a_turned_jpeg_is_put_upright_and_keeps_its_icc_profile() {
        let original = tagged_jpeg(64, 48, 6);
        let cleaned = clean_default(&original, MediaKind::Jpeg).unwrap();
        assert!(cleaned.reencoded);
        assert!(!has_location(&cleaned.bytes));
        let upright = decode(&cleaned.bytes).to_rgb8();
        assert_eq!(upright.dimensions(), (48, 64));
        // Orientation 6: turned 90 degrees clockwise to view; the left (red) half is now on top.
        let top = upright.get_pixel(24, 5);
        let bottom = upright.get_pixel(24, 58);
        assert!(top[0] > 150 && top[2] < 100, "{top:?}");
        assert!(bottom[2] > 150 && bottom[0] < 100, "{bottom:?}");
        assert_eq!(
            icc_of(&cleaned.bytes, ImageFormat::Jpeg),
            Some(icc_profile())
        );
        // No orientation left to apply twice.
        let mut reader = ImageReader::new(Cursor::new(&cleaned.bytes));
        reader.set_format(ImageFormat::Jpeg);
        assert_eq!(
            reader.into_decoder().unwrap().orientation().unwrap(),
            Orientation::NoTransforms
        );
    }

    #[test]
    fn every_orientation_gives_the_upright_size() {
        for orientation in 1..=8u16 {
            let cleaned =
                clean_default(&tagged_jpeg(40, 30, orientation), MediaKind::Jpeg).unwrap();
            let size = decode(&cleaned.bytes).to_rgb8().dimensions();
            let expected = if orientation >= 5 { (30, 40) } else { (40, 30) };
            assert_eq!(size, expected, "orientation {orientation}");
            assert_eq!(cleaned.reencoded, orientation != 1);
        }
    }

    #[test]
    fn turning_is_held_to_the_decoding_limits() {
        let original = tagged_jpeg(64, 48, 6);
        let limits = ImageLimits {
            max_decode_bytes: 64 * 48,
            ..ImageLimits::default()
        };
        assert!(matches!(
            clean(&original, MediaKind::Jpeg, &limits),
            Err(CleanError::Limit(LimitError::DecodeMemory { .. }))
        ));
    }

    #[test]
    fn a_cmyk_profile_is_not_put_on_rgb_pixels() {
        let mut cmyk = icc_profile();
        cmyk[16..20].copy_from_slice(b"CMYK");
        assert!(!icc_fits(&cmyk, ColorType::Rgb8));
        assert!(icc_fits(&icc_profile(), ColorType::Rgb8));
        assert!(!icc_fits(&icc_profile(), ColorType::L8));
        assert!(!icc_fits(b"short", ColorType::Rgb8));
    }

    pub(crate) fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
        out
    }

    /// A PNG with an ICC profile, an `eXIf` with GPS and `orientation`, XMP in `iTXt`, text
    /// chunks, a time stamp, a private chunk, and bytes after `IEND`.
    pub(crate) fn tagged_png(width: u32, height: u32, orientation: u16) -> Vec<u8> {
        let mut plain = Vec::new();
        let mut encoder = PngEncoder::new(&mut plain);
        encoder.set_icc_profile(icc_profile()).unwrap();
        photo(width, height).write_with_encoder(encoder).unwrap();
        // After IHDR: 8 + 25.
        let mut png = plain[..33].to_vec();
        png.extend(png_chunk(b"eXIf", &exif_tiff(orientation)));
        let mut itxt = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
        itxt.extend(xmp_packet());
        png.extend(png_chunk(b"iTXt", &itxt));
        png.extend(png_chunk(b"tEXt", b"Comment\0GPS 46.2083N"));
        png.extend(png_chunk(b"zTXt", b"Raw profile type exif\0\0x"));
        png.extend(png_chunk(b"tIME", &[7, 234, 5, 1, 12, 0, 0]));
        png.extend(png_chunk(b"prVt", b"Geneva"));
        png.extend_from_slice(&plain[33..]);
        png.extend_from_slice(b"trailing GPS");
        png
    }

    fn png_chunk_kinds(b: &[u8]) -> Vec<[u8; 4]> {
        let mut at = 8;
        let mut kinds = Vec::new();
        while at < b.len() {
            let len = u32_be(b, at).unwrap() as usize;
            kinds.push(b[at + 4..at + 8].try_into().unwrap());
            at += 12 + len;
        }
        kinds
    }

    #[test]
    fn a_png_keeps_its_pixels_and_colour_chunks_and_nothing_else() {
        let original = tagged_png(30, 20, 1);
        assert!(has_location(&original));
        let cleaned = clean_default(&original, MediaKind::Png).unwrap();
        assert!(!cleaned.reencoded);
        assert!(!has_location(&cleaned.bytes));
        let kinds = png_chunk_kinds(&cleaned.bytes);
        assert_eq!(kinds.first(), Some(b"IHDR"));
        assert_eq!(kinds.last(), Some(b"IEND"));
        assert!(kinds.contains(b"iCCP") && kinds.contains(b"IDAT"));
        for dropped in [b"eXIf", b"iTXt", b"tEXt", b"zTXt", b"tIME", b"prVt"] {
            assert!(!kinds.contains(dropped));
        }
        assert_eq!(
            icc_of(&cleaned.bytes, ImageFormat::Png),
            Some(icc_profile())
        );
        assert_eq!(
            decode(&cleaned.bytes).to_rgb8(),
            decode(&original).to_rgb8()
        );
    }

    #[test]
    fn a_turned_png_is_put_upright() {
        let cleaned = clean_default(&tagged_png(30, 20, 8), MediaKind::Png).unwrap();
        assert!(cleaned.reencoded);
        assert!(!has_location(&cleaned.bytes));
        assert_eq!(decode(&cleaned.bytes).to_rgb8().dimensions(), (20, 30));
        assert_eq!(
            icc_of(&cleaned.bytes, ImageFormat::Png),
            Some(icc_profile())
        );
    }

    #[test]
    fn an_apng_keeps_its_frames_and_is_not_turned() {
        // acTL + two frames, sharing the IHDR of a real PNG.
        let plain = tagged_png(4, 4, 6);
        let cleaned = clean_default(&plain, MediaKind::Png).unwrap();
        assert!(cleaned.reencoded);
        let mut apng = plain[..33].to_vec();
        let mut actl = 1u32.to_be_bytes().to_vec();
        actl.extend_from_slice(&0u32.to_be_bytes());
        apng.extend(png_chunk(b"acTL", &actl));
        let mut fctl = 0u32.to_be_bytes().to_vec();
        for v in [4u32, 4, 0, 0] {
            fctl.extend_from_slice(&v.to_be_bytes());
        }
        fctl.extend_from_slice(&[0, 1, 0, 10, 0, 0]);
        apng.extend(png_chunk(b"fcTL", &fctl));
        apng.extend_from_slice(&plain[33..]);
        let cleaned = clean_default(&apng, MediaKind::Png).unwrap();
        assert!(!cleaned.reencoded);
        assert!(!has_location(&cleaned.bytes));
        let kinds = png_chunk_kinds(&cleaned.bytes);
        assert!(kinds.contains(b"acTL") && kinds.contains(b"fcTL"));
    }

    fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_vec();
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(0);
        }
        out
    }

    /// An extended WebP: VP8X announcing ICC, EXIF and XMP, the ICC profile, a lossless image,
    /// EXIF with GPS and `orientation` (odd length, padded), XMP and a private chunk.
    pub(crate) fn tagged_webp(width: u32, height: u32, orientation: u16) -> Vec<u8> {
        let mut simple = Vec::new();
        let img = RgbaImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                Rgba([220, 0, 0, 255])
            } else {
                Rgba([0, 0, 220, 255])
            }
        });
        DynamicImage::ImageRgba8(img)
            .write_with_encoder(WebPEncoder::new_lossless(&mut simple))
            .unwrap();
        let image_chunk = &simple[12..];
        assert_eq!(&image_chunk[..4], b"VP8L");
        let mut vp8x = vec![0x20 | VP8X_EXIF | VP8X_XMP, 0, 0, 0];
        vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
        vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
        let mut body = b"WEBP".to_vec();
        body.extend(riff_chunk(b"VP8X", &vp8x));
        body.extend(riff_chunk(b"ICCP", &icc_profile()));
        body.extend_from_slice(image_chunk);
        let mut exif = exif_tiff(orientation);
        exif.push(b'!');
        body.extend(riff_chunk(b"EXIF", &exif));
        body.extend(riff_chunk(b"XMP ", &xmp_packet()));
        body.extend(riff_chunk(b"prVt", b"Geneva"));
        let mut webp = b"RIFF".to_vec();
        webp.extend_from_slice(&(body.len() as u32).to_le_bytes());
        webp.extend(body);
        webp.extend_from_slice(b"after the RIFF: GPS");
        webp
    }

    #[test]
    fn a_webp_loses_exif_and_xmp_and_their_flags() {
        let original = tagged_webp(20, 10, 1);
        assert!(has_location(&original));
        let cleaned = clean_default(&original, MediaKind::WebP).unwrap();
        assert!(!cleaned.reencoded);
        let b = &cleaned.bytes;
        assert!(!has_location(b));
        assert_eq!(u32_le(b, 4).unwrap() as usize, b.len() - 8);
        assert_eq!(&b[12..16], b"VP8X");
        assert_eq!(b[20], 0x20, "only the ICC flag is left");
        assert_eq!(icc_of(b, ImageFormat::WebP), Some(icc_profile()));
        assert_eq!(decode(b).to_rgba8(), decode(&original).to_rgba8());
    }

    #[test]
    fn a_turned_webp_is_put_upright() {
        let cleaned = clean_default(&tagged_webp(20, 10, 6), MediaKind::WebP).unwrap();
        assert!(cleaned.reencoded);
        assert!(!has_location(&cleaned.bytes));
        let upright = decode(&cleaned.bytes).to_rgba8();
        assert_eq!(upright.dimensions(), (10, 20));
        assert_eq!(upright.get_pixel(5, 2)[0], 220);
    }

    /// A GIF with a looping extension, a comment, an XMP application extension and another
    /// application's block before its one image.
    pub(crate) fn tagged_gif() -> Vec<u8> {
        let mut plain = Vec::new();
        {
            let mut encoder = image::codecs::gif::GifEncoder::new(&mut plain);
            encoder
                .set_repeat(image::codecs::gif::Repeat::Infinite)
                .unwrap();
            let img = RgbaImage::from_fn(8, 6, |x, _| Rgba([(x * 30) as u8, 0, 0, 255]));
            encoder.encode_frame(image::Frame::new(img)).unwrap();
        }
        let packed = plain[10];
        let header = 13 + color_table_len(packed);
        let mut gif = plain[..header].to_vec();
        gif.extend_from_slice(&[0x21, 0xFE, 14]);
        gif.extend_from_slice(b"GPS 46.2083N 6");
        gif.push(0);
        gif.extend_from_slice(&[0x21, 0xFF, 11]);
        gif.extend_from_slice(b"XMP DataXMP");
        let mut xmp = xmp_packet();
        // XMP's "magic trailer" makes the packet readable as sub-blocks; plain chunks do here.
        xmp.truncate(250);
        for piece in xmp.chunks(100) {
            gif.push(piece.len() as u8);
            gif.extend_from_slice(piece);
        }
        gif.push(0);
        gif.extend_from_slice(&[0x21, 0xFF, 11]);
        gif.extend_from_slice(b"GenevaApp01");
        gif.extend_from_slice(&[3, 1, 2, 3, 0]);
        gif.extend_from_slice(&plain[header..]);
        gif
    }

    #[test]
    fn a_gif_loses_comments_and_foreign_application_blocks_but_keeps_looping() {
        let original = tagged_gif();
        assert!(has_location(&original));
        let cleaned = clean_default(&original, MediaKind::Gif).unwrap();
        assert!(!has_location(&cleaned.bytes));
        let has = |needle: &[u8]| cleaned.bytes.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"NETSCAPE2.0"));
        assert!(!has(b"XMP DataXMP") && !has(b"GenevaApp01"));
        assert_eq!(cleaned.bytes.last(), Some(&0x3B));
        assert_eq!(
            decode(&cleaned.bytes).to_rgba8(),
            decode(&original).to_rgba8()
        );
        // A GIF that ends without its trailer gets one.
        let cut = &original[..original.len() - 1];
        let cleaned = clean_default(cut, MediaKind::Gif).unwrap();
        assert_eq!(cleaned.bytes.last(), Some(&0x3B));
    }

    fn isobmff(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(payload);
        out
    }

    fn full_box(kind: &[u8; 4], version: u8, flags: u32, payload: &[u8]) -> Vec<u8> {
        let mut body = (u32::from(version) << 24 | flags).to_be_bytes().to_vec();
        body.extend_from_slice(payload);
        isobmff(kind, &body)
    }

    fn infe(id: u16, item_type: &[u8; 4], content_type: Option<&[u8]>) -> Vec<u8> {
        let mut p = id.to_be_bytes().to_vec();
        p.extend_from_slice(&0u16.to_be_bytes());
        p.extend_from_slice(item_type);
        p.push(0); // empty name
        if let Some(content_type) = content_type {
            p.extend_from_slice(content_type);
            p.push(0);
        }
        full_box(b"infe", 2, 0, &p)
    }

    /// An AVIF-shaped file: item 1 the image (its "coded data" in `mdat`), item 2 EXIF (in
    /// `mdat`), item 3 XMP (in `idat`, construction method 1), item 4 a `mime` item of another
    /// type. The `iloc` is version 1 with 4-byte offsets and lengths.
    pub(crate) fn tagged_avif() -> Vec<u8> {
        let mut ftyp = b"avif".to_vec();
        ftyp.extend_from_slice(&0u32.to_be_bytes());
        ftyp.extend_from_slice(b"avifmif1miaf");
        let ftyp = isobmff(b"ftyp", &ftyp);
        let mut handler = 0u32.to_be_bytes().to_vec();
        handler.extend_from_slice(b"pict");
        handler.extend_from_slice(&[0; 13]);
        let mut entries = 4u16.to_be_bytes().to_vec();
        entries.extend(infe(1, b"av01", None));
        entries.extend(infe(2, b"Exif", None));
        entries.extend(infe(3, b"mime", Some(b"application/rdf+xml")));
        entries.extend(infe(4, b"mime", Some(b"text/plain")));
        let iinf = full_box(b"iinf", 0, 0, &entries);
        let mut ispe = 0u32.to_be_bytes().to_vec();
        ispe.extend_from_slice(&64u32.to_be_bytes());
        ispe.extend_from_slice(&48u32.to_be_bytes());
        let ipco = isobmff(b"ipco", &isobmff(b"ispe", &ispe));
        let mut ipma = 1u32.to_be_bytes().to_vec();
        ipma.extend_from_slice(&1u16.to_be_bytes());
        ipma.extend_from_slice(&[1, 0x81]);
        let mut iprp = ipco;
        iprp.extend(full_box(b"ipma", 0, 0, &ipma));
        let iprp = isobmff(b"iprp", &iprp);
        let image_data = b"AV1 coded image data".to_vec();
        let mut exif = 0u32.to_be_bytes().to_vec();
        exif.extend(exif_tiff(1));
        let xmp = xmp_packet();
        let note = b"Plain note kept".to_vec();
        let idat = isobmff(b"idat", &xmp);
        // iloc v1: offset_size 4, length_size 4, base_offset_size 0, index_size 0.
        let iloc_len = 4 + 2 + 2 + 4 * (2 + 2 + 2 + 2 + 8);
        let pitm = full_box(b"pitm", 0, 0, &1u16.to_be_bytes());
        let hdlr = full_box(b"hdlr", 0, 0, &handler);
        let meta_len =
            8 + 4 + hdlr.len() + pitm.len() + iinf.len() + (8 + iloc_len) + iprp.len() + idat.len();
        let mdat_data_at = ftyp.len() + meta_len + 8;
        let mut iloc = vec![0x44, 0x00];
        iloc.extend_from_slice(&4u16.to_be_bytes());
        let at = mdat_data_at as u32;
        for (id, method, offset, len) in [
            (1u16, 0u16, at, image_data.len() as u32),
            (2, 0, at + image_data.len() as u32, exif.len() as u32),
            (3, 1, 0, 0),
            (
                4,
                0,
                at + (image_data.len() + exif.len()) as u32,
                note.len() as u32,
            ),
        ] {
            iloc.extend_from_slice(&id.to_be_bytes());
            iloc.extend_from_slice(&method.to_be_bytes());
            iloc.extend_from_slice(&0u16.to_be_bytes());
            iloc.extend_from_slice(&1u16.to_be_bytes());
            iloc.extend_from_slice(&offset.to_be_bytes());
            iloc.extend_from_slice(&len.to_be_bytes());
        }
        let iloc = full_box(b"iloc", 1, 0, &iloc);
        let mut meta = hdlr;
        meta.extend(pitm);
        meta.extend(iinf);
        meta.extend(iloc);
        meta.extend(iprp);
        meta.extend(idat);
        let meta = full_box(b"meta", 0, 0, &meta);
        assert_eq!(meta.len(), meta_len);
        let mut mdat = image_data;
        mdat.extend(exif);
        mdat.extend(note);
        let mut avif = ftyp;
        avif.extend(meta);
        avif.extend(isobmff(b"mdat", &mdat));
        avif
    }

    #[test]
    fn an_avif_has_its_exif_and_xmp_zeroed_where_they_lie() {
        let original = tagged_avif();
        assert_eq!(
            crate::media::kind::sniff(&original, None).unwrap(),
            MediaKind::Avif
        );
        assert!(has_location(&original));
        let cleaned = clean_default(&original, MediaKind::Avif).unwrap();
        assert!(!cleaned.reencoded);
        let b = &cleaned.bytes;
        assert_eq!(b.len(), original.len(), "nothing moves");
        assert!(!has_location(b));
        let has = |needle: &[u8]| b.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"AV1 coded image data") && has(b"Plain note kept"));
        assert!(has(b"application/rdf+xml"), "the item stays, empty");
        // Only the payloads changed.
        let changed = original
            .iter()
            .zip(b.iter())
            .filter(|(a, b)| a != b)
            .count();
        assert!(changed > 0 && b.iter().zip(&original).all(|(n, o)| n == o || *n == 0));
        assert_eq!(
            inspect(b, MediaKind::Avif, &ImageLimits::default()).unwrap(),
            inspect(&original, MediaKind::Avif, &ImageLimits::default()).unwrap()
        );
    }

    #[test]
    fn documents_are_returned_unchanged() {
        let pdf = b"%PDF-1.4\n/Author (GPS)\n%%EOF\n";
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><metadata>GPS</metadata></svg>";
        for (bytes, kind) in [(&pdf[..], MediaKind::Pdf), (&svg[..], MediaKind::Svg)] {
            let cleaned = clean_default(bytes, kind).unwrap();
            assert_eq!(cleaned.bytes, bytes);
            assert!(!cleaned.reencoded);
        }
    }

    #[test]
    fn bombs_and_cut_files_are_refused_with_a_client_safe_message() {
        let jpeg = tagged_jpeg(64, 48, 1);
        let limits = ImageLimits {
            max_dimension: 32,
            ..ImageLimits::default()
        };
        let error = clean(&jpeg, MediaKind::Jpeg, &limits).unwrap_err();
        assert!(matches!(
            error,
            CleanError::Limit(LimitError::Dimension { .. })
        ));
        for (bytes, kind) in [
            (tagged_jpeg(16, 16, 1), MediaKind::Jpeg),
            (tagged_png(16, 16, 1), MediaKind::Png),
            (tagged_webp(16, 16, 1), MediaKind::WebP),
            (tagged_avif(), MediaKind::Avif),
        ] {
            let error = clean_default(&bytes[..bytes.len() / 2], kind).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(kind.media_type()), "{message}");
        }
    }

    #[test]
    fn cleaning_twice_changes_nothing_more() {
        for (bytes, kind) in [
            (tagged_jpeg(16, 16, 6), MediaKind::Jpeg),
            (tagged_png(16, 16, 1), MediaKind::Png),
            (tagged_webp(16, 16, 1), MediaKind::WebP),
            (tagged_gif(), MediaKind::Gif),
            (tagged_avif(), MediaKind::Avif),
        ] {
            let once = clean_default(&bytes, kind).unwrap();
            let twice = clean_default(&once.bytes, kind).unwrap();
            assert_eq!(twice.bytes, once.bytes, "{kind}");
            assert!(!twice.reencoded);
        }
    }
}

/// `clean` under any bytes: arbitrary ones, and tagged files mangled.
#[cfg(test)]
mod proptests {
    use super::tests::{tagged_avif, tagged_gif, tagged_jpeg, tagged_png, tagged_webp};
    use super::*;
    use crate::fuzzing::config;
    use proptest::prelude::*;

    fn limits() -> ImageLimits {
        ImageLimits {
            max_pixels: 100_000,
            max_dimension: 1_000,
            max_frames: 20,
            max_decode_bytes: 1_000_000,
        }
    }

    fn seed() -> impl Strategy<Value = (Vec<u8>, MediaKind)> {
        prop_oneof![
            Just((tagged_jpeg(9, 7, 1), MediaKind::Jpeg)),
            Just((tagged_jpeg(9, 7, 6), MediaKind::Jpeg)),
            Just((tagged_png(9, 7, 1), MediaKind::Png)),
            Just((tagged_png(9, 7, 3), MediaKind::Png)),
            Just((tagged_webp(9, 7, 1), MediaKind::WebP)),
            Just((tagged_gif(), MediaKind::Gif)),
            Just((tagged_avif(), MediaKind::Avif)),
        ]
    }

    proptest! {
        #![proptest_config(config(200))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            for kind in MediaKind::ALL {
                let _ = clean(&bytes, kind, &limits());
            }
        }

        /// A tagged file with bytes overwritten, inserted or cut: no panic, and whatever is
        /// cleaned cleans to itself again (nothing left to drop or to turn).
        #[test]
        fn mangled_files_never_panic(
            (seed, kind) in seed(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
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
            for other in MediaKind::ALL {
                let _ = clean(&bytes, other, &limits());
            }
            if let Ok(cleaned) = clean(&bytes, kind, &limits()) {
                if let Ok(again) = clean(&cleaned.bytes, kind, &limits()) {
                    prop_assert!(!again.reencoded);
                    prop_assert_eq!(again.bytes, cleaned.bytes);
                }
            }
        }
    }
}
