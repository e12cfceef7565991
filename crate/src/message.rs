//! The core's messages that the page shows, as codes with their numbers. The page words a
//! code from its catalogue in the student's language (www/i18n/en.js, zh.js: the key is
//! `error.<code>`); the CLI and the Rust tests read the English rendering here. A message
//! is declared once, in the table below: its code, its numbers and its English text.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// One number or word of a message; a message may carry the message that caused it (a
/// layer's failure inside a network, say), worded in the same language.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(u64),
    Real(f64),
    Text(String),
    Cause(Box<Message>),
}

impl std::fmt::Display for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Param::Int(v) => write!(f, "{v}"),
            Param::Real(v) => write!(f, "{v}"),
            Param::Text(v) => write!(f, "{v}"),
            Param::Cause(m) => write!(f, "{m}"),
        }
    }
}

impl Serialize for Param {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Param::Int(v) => s.serialize_u64(*v),
            Param::Real(v) => s.serialize_f64(*v),
            Param::Text(v) => s.serialize_str(v),
            Param::Cause(m) => m.serialize(s),
        }
    }
}

macro_rules! param_from {
    ($($t:ty => $variant:ident as $as:ty),*) => {
        $(impl From<$t> for Param {
            fn from(v: $t) -> Param { Param::$variant(v as $as) }
        })*
    };
}
param_from!(usize => Int as u64, u32 => Int as u64, f32 => Real as f64, f64 => Real as f64);
impl From<String> for Param {
    fn from(v: String) -> Param { Param::Text(v) }
}
impl From<&'static str> for Param {
    fn from(v: &'static str) -> Param { Param::Text(v.to_string()) }
}
impl From<Box<Message>> for Param {
    fn from(v: Box<Message>) -> Param { Param::Cause(v) }
}

/// Declares every message: `Name = "code" { field: type, ... } => "English with {field}"`.
macro_rules! messages {
    ($( $(#[$doc:meta])* $name:ident = $code:literal { $($field:ident : $ty:ty),* } => $text:literal, )*) => {
        /// A message of the core, with its numbers.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Message { $( $(#[$doc])* $name { $($field: $ty),* }, )* }

        impl Message {
            /// Every code a message can have (a page test checks each has a catalogue key).
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// The code the page words ("shape.stride-zero").
            pub fn code(&self) -> &'static str {
                match self { $( Message::$name { .. } => $code, )* }
            }

            /// The numbers and words the text is filled with, by name.
            pub fn params(&self) -> Vec<(&'static str, Param)> {
                match self { $( Message::$name { $($field),* } => vec![$((stringify!($field), Param::from($field.clone()))),*], )* }
            }

            /// The English text (the CLI's, and the page's English catalogue's).
            pub fn english(&self) -> String {
                match self { $( Message::$name { $($field),* } => format!($text, $($field = $field),*), )* }
            }
        }
    };
}

messages! {
    /// Stride 0 in the output-size formula.
    StrideZero = "shape.stride-zero" {} => "stride s must be at least 1 (s = 0 would never move the filter)",
    FilterZero = "shape.filter-zero" {} => "filter size f must be at least 1",
    InputZero = "shape.input-zero" {} => "input size n must be at least 1",
    PaddedOverflow = "shape.padded-overflow" {} => "n + 2p is too large to compute",
    /// Without padding the message speaks of n alone, not of n + 2p.
    WindowLarger = "shape.window-larger" { f: usize, n: usize } => "f = {f} is larger than the input n = {n}: the window does not fit anywhere",
    FilterLargerPadded = "shape.filter-larger-padded" { f: usize, padded: usize } => "filter f = {f} is larger than the padded input n + 2p = {padded}: it does not fit anywhere",
    SameZero = "shape.same-zero" {} => "input size n and filter size f must be at least 1",
    SameOverflow = "shape.same-overflow" {} => "sizes too large to compute",
    /// A layer of a network that does not fit the shape it is given.
    InLayer = "layers.in-layer" { layer: usize, name: String, cause: Box<Message> } => "layer {layer} ({name}): {cause}",
    UnknownEdgeFilter = "edges.unknown-filter" { name: String } => "unknown edge filter \"{name}\": use one of vertical, horizontal, sobel_v, sobel_h, scharr_v, scharr_h",
    PhotoDamaged = "photo.header-damaged" { format: &'static str, width: u32, height: u32 } => "This {format} file says it is {width}x{height} pixels: it is damaged.",
    PhotoTooLarge = "photo.too-large" { width: u32, height: u32, megapixels: usize, limit: usize } => "The photo is {width}x{height} pixels ({megapixels} megapixels), more than the limit of {limit} megapixels: it was refused before decoding. Use a smaller photo.",
    /// The classifier's doubts about an answer (a warning, not an error).
    NotTrainedEnough = "classify.not-trained" { percent: u32 } => "This model is not trained enough: it answers only {percent}% of the test photos right, so its answer is close to a guess whatever the photo. Train it for more epochs in section 6, or choose a pretrained model.",
    UnsureBackground = "classify.unsure-background" { percent: u32 } => "The model is unsure (top probability {percent}%): this photo is unlike its training photos: its background is not plain (the training photos have a plain light wall).",
    UnsureDark = "classify.unsure-dark" { percent: u32 } => "The model is unsure (top probability {percent}%): this photo is unlike its training photos: its background is dark (the training photos have a plain light wall).",
    UnsurePose = "classify.unsure-pose" { percent: u32 } => "The model is unsure (top probability {percent}%): this photo is unlike its training photos: the training photos show the palm towards the camera, upright, filling the frame, in front of a plain light wall; a turned or distant hand, other light or another sign fools it.",
    /// Training settings out of range (section 6's boxes).
    LrNotPositive = "train.lr-not-positive" { lr: String } => "the learning rate must be a positive number, got {lr}",
    LrTooLarge = "train.lr-too-large" { lr: String } => "a learning rate of {lr} is far too large: Adam uses values like 0.001 to 0.01",
    L2Range = "train.l2-range" { l2: String } => "L2 weight decay must be between 0 and 1 (typical: 1e-4), got {l2}",
    EpochsRange = "train.epochs-range" { epochs: usize } => "the number of epochs must be between 1 and 100000, got {epochs}",
    BatchRange = "train.batch-range" { batch: usize } => "the minibatch size must be between 1 and 65536 (the assignment uses 64), got {batch}",
    /// Test-time averaging: what the probabilities are the mean of.
    Averaged = "classify.averaged" { count: usize, views: Box<Message> } => "averaged over {count} views: {views}",
    ViewPhoto = "classify.view-photo" {} => "the photo",
    ViewMirror = "classify.view-mirror" {} => "its mirror image",
    ViewZoom = "classify.view-zoom" { zoom: String } => "the photo zoomed {zoom}x",
    ViewMirrorZoom = "classify.view-mirror-zoom" { zoom: String } => "its mirror image zoomed {zoom}x",
    ViewTurn = "classify.view-turn" { degrees: String } => "the photo turned {degrees}°",
    ViewMirrorTurn = "classify.view-mirror-turn" { degrees: String } => "its mirror image turned {degrees}°",
    /// The robust model's own views, said at once.
    ViewsDefault = "classify.views-default" { degrees: String } => "the photo and its mirror image, each also turned {degrees}° either way",
    /// Lists in words: "a, b and c" is ListAnd { ListComma { a, b }, c }.
    ListAnd = "list.and" { first: Box<Message>, last: Box<Message> } => "{first} and {last}",
    ListComma = "list.comma" { first: Box<Message>, rest: Box<Message> } => "{first}, {rest}",
    /// Why the square the network sees is where it is (data::hand_crop).
    CropFound = "crop.found" {} => "cropped to the hand found against the plain background",
    CropCentre = "crop.centre" {} => "the centre square",
    CropTooSmall = "crop.too-small" {} => "the photo is too small to look for the hand",
    CropUneven = "crop.uneven" {} => "the background is too uneven to tell the hand from it",
    CropNoHand = "crop.no-hand" {} => "no hand stands out from the background",
    CropFills = "crop.fills" {} => "the hand fills the photo",
    CropReachesEdges = "crop.reaches-edges" {} => "the hand reaches several edges of the photo",
    CropFillsMost = "crop.fills-most" {} => "the hand fills most of the photo",
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

/// `{code, params, message}`: what the page words (and its English, for the console).
impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Params<'a>(&'a [(&'static str, Param)]);
        impl Serialize for Params<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
        let params = self.params();
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("code", self.code())?;
        map.serialize_entry("params", &Params(&params))?;
        map.serialize_entry("message", &self.english())?;
        map.end()
    }
}

/// One message of each code with sample numbers: the page's catalogue test words each
/// and compares its English with [`Message::english`].
pub fn samples() -> Vec<Message> {
    let inner = Message::WindowLarger { f: 5, n: 3 };
    let all = vec![
        Message::StrideZero {},
        Message::FilterZero {},
        Message::InputZero {},
        Message::PaddedOverflow {},
        inner.clone(),
        Message::FilterLargerPadded { f: 9, padded: 7 },
        Message::SameZero {},
        Message::SameOverflow {},
        Message::InLayer { layer: 2, name: "max pool".into(), cause: Box::new(inner) },
        Message::UnknownEdgeFilter { name: "bogus".into() },
        Message::PhotoDamaged { format: "PNG", width: 0, height: 480 },
        Message::PhotoTooLarge { width: 10000, height: 8000, megapixels: 80, limit: 50 },
        Message::NotTrainedEnough { percent: 17 },
        Message::UnsureBackground { percent: 31 },
        Message::UnsureDark { percent: 32 },
        Message::UnsurePose { percent: 33 },
        Message::LrNotPositive { lr: "0".into() },
        Message::LrTooLarge { lr: "20".into() },
        Message::L2Range { l2: "-1".into() },
        Message::EpochsRange { epochs: 0 },
        Message::BatchRange { batch: 100000 },
        Message::Averaged { count: 2, views: Box::new(Message::ListAnd { first: Box::new(Message::ViewPhoto {}), last: Box::new(Message::ViewMirror {}) }) },
        Message::ViewPhoto {},
        Message::ViewMirror {},
        Message::ViewZoom { zoom: "1.1".into() },
        Message::ViewMirrorZoom { zoom: "1.1".into() },
        Message::ViewTurn { degrees: "15".into() },
        Message::ViewMirrorTurn { degrees: "-15".into() },
        Message::ViewsDefault { degrees: "15".into() },
        Message::ListAnd { first: Box::new(Message::ViewPhoto {}), last: Box::new(Message::ViewMirror {}) },
        Message::ListComma { first: Box::new(Message::ViewPhoto {}), rest: Box::new(Message::ViewMirror {}) },
        Message::CropFound {},
        Message::CropCentre {},
        Message::CropTooSmall {},
        Message::CropUneven {},
        Message::CropNoHand {},
        Message::CropFills {},
        Message::CropReachesEdges {},
        Message::CropFillsMost {},
    ];
    debug_assert_eq!(all.len(), Message::CODES.len());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_sample_and_codes_are_unique() {
        let mut codes: Vec<&str> = samples().iter().map(Message::code).collect();
        codes.sort_unstable();
        let mut all = Message::CODES.to_vec();
        all.sort_unstable();
        assert_eq!(codes, all);
        all.dedup();
        assert_eq!(all.len(), Message::CODES.len(), "a code is declared twice");
    }

    #[test]
    fn a_cause_is_worded_inside_its_message_and_serialised_as_a_message() {
        let m = Message::InLayer { layer: 2, name: "max pool".into(), cause: Box::new(Message::WindowLarger { f: 5, n: 3 }) };
        assert_eq!(m.english(), "layer 2 (max pool): f = 5 is larger than the input n = 3: the window does not fit anywhere");
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["code"], "layers.in-layer");
        assert_eq!(json["params"]["layer"], 2);
        assert_eq!(json["params"]["cause"]["code"], "shape.window-larger");
        assert_eq!(json["params"]["cause"]["params"]["n"], 3);
        assert_eq!(json["message"], m.english());
    }
}
