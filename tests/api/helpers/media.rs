//! Files for the media tests, made here rather than committed: photos with a GPS position in
//! their EXIF and XMP, images of any size, forms built by hand (so that hostile ones can be).

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};

/// A text that only the location metadata of `jpeg_with_gps` carries.
pub const GPS_MARKER: &str = "ORGCMS-GPS-MARKER";

/// A photo-like image (a gradient with a square), so that encoders have something to do.
pub fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let square = x < width / 4 && y < height / 4;
        if square {
            Rgb([220, 30, 30])
        } else {
            Rgb([
                (x * 255 / width.max(1)) as u8,
                (y * 255 / height.max(1)) as u8,
                128,
            ])
        }
    })
}

pub fn encode(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(&picture(width, height), ImageFormat::Jpeg)
}

/// An image of noise, which no encoder can make small.
pub fn noise(width: u32, height: u32) -> RgbImage {
    let mut state = 0x2545_f491_u32;
    RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [a, b, c, _] = state.to_le_bytes();
        Rgb([a, b, c])
    })
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    encode(&picture(width, height), ImageFormat::Png)
}

/// A TIFF IFD entry, little-endian.
fn entry(tag: u16, kind: u16, count: u32, value: u32) -> Vec<u8> {
    let mut e = Vec::new();
    e.extend_from_slice(&tag.to_le_bytes());
    e.extend_from_slice(&kind.to_le_bytes());
    e.extend_from_slice(&count.to_le_bytes());
    e.extend_from_slice(&value.to_le_bytes());
    e
}

/// An EXIF block (the APP1 payload): IFD0 with an ImageDescription carrying `GPS_MARKER`, the
/// orientation, and a GPS IFD with latitude 50°27'N, longitude 30°31'E (Kyiv).
pub fn exif_with_gps(orientation: u16) -> Vec<u8> {
    let description = format!("{GPS_MARKER}\0");
    // Layout: header (8) | IFD0: count(2) + 3 entries(36) + next(4) = 42 -> ends at 50
    // | GPS IFD: count(2) + 4 entries(48) + next(4) = 54 -> ends at 104 | description | rationals
    let ifd0 = 8u32;
    let gps = ifd0 + 2 + 3 * 12 + 4;
    let text = gps + 2 + 4 * 12 + 4;
    let rationals = text + description.len() as u32;
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&ifd0.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend(entry(0x010E, 2, description.len() as u32, text));
    tiff.extend(entry(0x0112, 3, 1, u32::from(orientation)));
    tiff.extend(entry(0x8825, 4, 1, gps));
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(&4u16.to_le_bytes());
    tiff.extend(entry(0x0001, 2, 2, u32::from_le_bytes([b'N', 0, 0, 0])));
    tiff.extend(entry(0x0002, 5, 3, rationals));
    tiff.extend(entry(0x0003, 2, 2, u32::from_le_bytes([b'E', 0, 0, 0])));
    tiff.extend(entry(0x0004, 5, 3, rationals + 24));
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(description.as_bytes());
    for (num, den) in [(50u32, 1u32), (27, 1), (0, 1), (30, 1), (31, 1), (0, 1)] {
        tiff.extend_from_slice(&num.to_le_bytes());
        tiff.extend_from_slice(&den.to_le_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    app1
}

/// An XMP packet (the APP1 payload) with the position in it.
pub fn xmp_with_gps() -> Vec<u8> {
    let mut app1 = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    app1.extend_from_slice(
        format!(
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
             <rdf:Description xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" exif:GPSLatitude=\"50,27.0N\" \
             exif:GPSLongitude=\"30,31.0E\" exif:UserComment=\"{GPS_MARKER}\"/></rdf:RDF></x:xmpmeta>"
        )
        .as_bytes(),
    );
    app1
}

/// `jpeg` with APP1 segments (EXIF with GPS, then XMP with GPS) right after SOI.
pub fn jpeg_with_gps(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let plain = jpeg(width, height);
    let mut out = plain[..2].to_vec();
    for payload in [exif_with_gps(orientation), xmp_with_gps()] {
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend(payload);
    }
    out.extend_from_slice(&plain[2..]);
    out
}

/// Whether any location metadata of `jpeg_with_gps` is left in `bytes`.
pub fn has_location(bytes: &[u8]) -> bool {
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    contains(GPS_MARKER.as_bytes())
        || contains(b"GPSLatitude")
        || contains(b"Exif\0\0")
        || contains(b"http://ns.adobe.com/xap/1.0/")
}

/// One part of a form: its name, `Some((file name, content type))` for a file, its bytes.
pub type Part<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

/// A `multipart/form-data` body: its `Content-Type` and bytes.
pub fn form(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "orgcms-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some((file_name, content_type)) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A minimal SVG with a script, which must never run where it is served.
pub const SVG_WITH_SCRIPT: &str =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">\
    <script>alert(document.domain)</script><rect width=\"10\" height=\"10\"/></svg>";

/// A small valid PDF.
pub fn pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        .to_vec();
    pdf.extend_from_slice(b"trailer<</Root 1 0 R>>\n%%EOF\n");
    pdf
}
