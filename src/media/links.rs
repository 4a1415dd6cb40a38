//! The URLs of an asset's file and of its preset variants, as responses give them: absolute
//! (from `ORGCMS_PUBLIC_URL`, so that a frontend on another origin can use them as they are) and
//! content-addressed (they carry the file's SHA-256, and a crop's focal point), so that what they
//! name never changes and caches may keep it for a year.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::media::kind::{AssetKind, MediaKind};
use crate::media::spec::{output_size, Fit, FocalPoint};
use crate::media::variant::Preset;

/// What links are made of: the API's external base URL and the configured presets.
#[derive(Clone, Debug)]
pub struct MediaLinks {
    /// `https://api.example.org/api/v1`, without a trailing slash.
    api_base: String,
    presets: Vec<Preset>,
}

/// What the links of one asset depend on.
#[derive(Clone, Copy, Debug)]
pub struct LinkFacts<'a> {
    pub id: Uuid,
    pub sha256: &'a str,
    pub kind: MediaKind,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub focal_point: Option<FocalPoint>,
}

/// One preset variant of an image.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "preset": "card",
    "url": "https://api.example.org/api/v1/assets/1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11/file/9f2c4a0d3b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8?preset=card&format=auto",
    "width": 640,
    "height": 480
}))]
pub struct VariantLink {
    pub preset: String,
    /// Rendered on first request, then served from storage; `format=auto` answers AVIF or
    /// WebP where the client's `Accept` allows.
    pub url: String,
    pub width: u32,
    pub height: u32,
}

/// The file of an asset and, for a raster image, its preset variants.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImageLinks {
    /// The stored file (metadata removed), served with its type.
    #[schema(
        example = "https://api.example.org/api/v1/assets/1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11/file/9f2c4a0d3b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"
    )]
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The presets, smallest first; each at most the image's own size, so two presets may
    /// have the same size.
    pub variants: Vec<VariantLink>,
    /// The width-only variants as an `<img srcset>` value, e.g. `… 320w, … 640w`; absent when
    /// there are none.
    #[schema(
        example = "https://api.example.org/api/v1/assets/1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11/file/9f2c…?preset=thumb&format=auto 320w, https://api.example.org/api/v1/assets/1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11/file/9f2c…?preset=card&format=auto 640w"
    )]
    pub srcset: Option<String>,
}

/// Whether orgcms can render variants of this kind: the raster formats it decodes (AVIF needs a
/// decoder that is not built in; SVG is never rasterised; a PDF is no image).
pub fn renders(kind: MediaKind) -> bool {
    kind.kind() == AssetKind::Image && kind != MediaKind::Avif
}

/// The `fp` parameter that a crop's link carries: the focal point in hundredths, so that a new
/// focal point makes a new URL.
pub fn focal_parameter(focal: FocalPoint) -> String {
    format!("{:.2},{:.2}", focal.x, focal.y)
}

impl MediaLinks {
    pub fn new(public_base: &str, presets: Vec<Preset>) -> Self {
        Self {
            api_base: format!("{}/api/v1", public_base.trim_end_matches('/')),
            presets,
        }
    }

    pub fn presets(&self) -> &[Preset] {
        &self.presets
    }

    /// The path of an asset's file below the API's base.
    pub fn file_url(&self, id: Uuid, sha256: &str) -> String {
        format!("{}/assets/{id}/file/{sha256}", self.api_base)
    }

    pub fn of(&self, facts: &LinkFacts<'_>) -> ImageLinks {
        let url = self.file_url(facts.id, facts.sha256);
        let mut variants = Vec::new();
        if let (true, Some(width), Some(height)) = (renders(facts.kind), facts.width, facts.height)
        {
            for preset in &self.presets {
                let (w, h) = output_size(width, height, preset.width, preset.height, preset.fit);
                let mut link = format!("{url}?preset={}&format=auto", preset.name);
                if let (Fit::Cover, Some(focal)) = (preset.fit, facts.focal_point) {
                    link.push_str("&fp=");
                    link.push_str(&focal_parameter(focal));
                }
                variants.push(VariantLink {
                    preset: preset.name.clone(),
                    url: link,
                    width: w,
                    height: h,
                });
            }
            variants.sort_by_key(|v| (v.width, v.height));
        }
        let width_only: Vec<String> = variants
            .iter()
            .filter(|v| {
                self.presets
                    .iter()
                    .any(|p| p.name == v.preset && p.height.is_none())
            })
            .map(|v| format!("{} {}w", v.url, v.width))
            .collect();
        ImageLinks {
            url,
            width: facts.width,
            height: facts.height,
            srcset: (!width_only.is_empty()).then(|| width_only.join(", ")),
            variants,
        }
    }
}
