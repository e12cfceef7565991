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

/// A sample value of a message's field, for [`samples`].
trait Sample {
    fn sample() -> Self;
}
impl Sample for usize {
    fn sample() -> Self { 3 }
}
impl Sample for u32 {
    fn sample() -> Self { 7 }
}
impl Sample for f32 {
    fn sample() -> Self { 0.5 }
}
impl Sample for f64 {
    fn sample() -> Self { 0.25 }
}
impl Sample for String {
    fn sample() -> Self { "sample".into() }
}
impl Sample for &'static str {
    fn sample() -> Self { "PNG" }
}
impl Sample for Box<Message> {
    fn sample() -> Self { Box::new(Message::WindowLarger { f: 5, n: 3 }) }
}

impl From<String> for Message {
    /// An uncoded message (see [`Message::Plain`]).
    fn from(text: String) -> Message { Message::Plain { text } }
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

            /// One message of each code, its fields filled with sample values.
            fn each_with_samples() -> Vec<Message> {
                vec![$( Message::$name { $($field: <$ty as Sample>::sample()),* }, )*]
            }
        }
    };
}

messages! {
    /// A message left uncoded on purpose: an internal check a student cannot cause (a
    /// worker's slice out of step, a buffer of the wrong length), or a library's own words
    /// (a JSON parser's, a decoder's). Shown as it is, in English, in every language.
    Plain = "plain" { text: String } => "{text}",
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
    InLayer = "layers.in-layer" { layer: usize, name: Box<Message>, cause: Box<Message> } => "layer {layer} ({name}): {cause}",
    /// A layer's kind, as tables and messages name it (nn::layers::LayerSpec::name).
    LayerConv = "layer.conv" {} => "conv",
    LayerRelu = "layer.relu" {} => "relu",
    LayerMaxPool = "layer.max-pool" {} => "max pool",
    LayerAvgPool = "layer.avg-pool" {} => "avg pool",
    LayerGlobalAvgPool = "layer.global-avg-pool" {} => "global avg pool",
    LayerBatchNorm = "layer.batch-norm" {} => "batch norm",
    LayerDropout = "layer.dropout" {} => "dropout",
    LayerFlatten = "layer.flatten" {} => "flatten",
    LayerDense = "layer.dense" {} => "fully connected",
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
    /// The course's HDF5 files (data::h5), section 6.
    H5Empty = "h5.empty" {} => "The file is empty (0 bytes): expected an HDF5 file such as train_signs.h5.",
    H5NotHdf5 = "h5.not-hdf5" {} => "This is not an HDF5 file (it does not start with the HDF5 signature): expected a file such as train_signs.h5 or test_signs.h5.",
    H5Unreadable = "h5.unreadable" { detail: String } => "The HDF5 file cannot be read: it is damaged or truncated ({detail}). Copy or download it again.",
    H5Truncated = "h5.truncated" { claimed: String, got: usize } => "The HDF5 file is truncated: it says it is {claimed} bytes long but only {got} bytes arrived. Copy or download it again.",
    H5RootUnreadable = "h5.root-unreadable" { detail: String } => "The HDF5 file is damaged: its root group cannot be read ({detail}).",
    H5Unlisted = "h5.unlisted" { detail: String } => "The HDF5 file is damaged: its contents cannot be listed ({detail}).",
    H5BothSplits = "h5.both-splits" {} => "The file holds both `train_set_x` and `test_set_x`: give the training and the test data as two files, as the course does.",
    H5NoSplit = "h5.no-split" { names: Box<Message> } => "Missing dataset: the file has no `train_set_x` or `test_set_x` (it holds {names}). Expected the course's layout: `train_set_x`, `train_set_y`, `list_classes`.",
    H5Missing = "h5.missing" { name: String, names: Box<Message> } => "Missing dataset: the file has no `{name}` (it holds {names}). Expected the course's layout: `*_set_x`, `*_set_y` and `list_classes`.",
    /// What a file holds, for the two messages above: "no datasets", or names.
    H5NoDatasets = "h5.no-datasets" {} => "no datasets",
    H5NamesMore = "h5.names-more" { names: String, more: usize } => "{names} and {more} more",
    H5CannotOpen = "h5.cannot-open" { name: String, detail: String } => "The HDF5 file is damaged: `{name}` cannot be opened ({detail}).",
    H5CannotRead = "h5.cannot-read" { name: String, detail: String } => "`{name}` cannot be read: the file is damaged or truncated ({detail}).",
    H5ImagesShape = "h5.images-shape" { name: String, shape: String } => "`{name}` has shape {shape}, expected (m, 64, 64, 3): m pictures of 64x64 pixels with 3 colour channels.",
    H5NoPictures = "h5.no-pictures" { name: String } => "`{name}` holds no pictures.",
    H5TooManyPictures = "h5.too-many-pictures" { name: String, m: String, max: usize } => "`{name}` claims {m} pictures; ConvLab reads at most {max} pictures per file.",
    H5PicturesNotBytes = "h5.pictures-not-uint8" { name: String, dtype: Box<Message> } => "`{name}` holds {dtype} values, but pictures must be uint8 (bytes 0-255), as the course's files store them.",
    H5LabelsShape = "h5.labels-shape" { name: String, shape: String } => "`{name}` has shape {shape}, expected a list of labels (shape (n,)).",
    H5ClassesShape = "h5.classes-shape" { name: String, shape: String } => "`{name}` has shape {shape}, expected a list of classes (shape (n,)).",
    H5TooManyLabels = "h5.too-many-labels" { name: String, n: String, max: usize } => "`{name}` claims {n} labels; ConvLab reads at most {max}.",
    H5TooManyClasses = "h5.too-many-classes" { name: String, n: String, max: usize } => "`{name}` claims {n} classes; ConvLab reads at most {max}.",
    H5NoClasses = "h5.no-classes" {} => "`list_classes` is empty: the file must list at least one class.",
    H5CountMismatch = "h5.count-mismatch" { x: String, m: usize, y: String, labels: usize } => "`{x}` holds {m} pictures but `{y}` holds {labels} labels: they must match one to one.",
    H5PicturesShort = "h5.pictures-short" { name: String, m: usize } => "`{name}` did not hold the {m} pictures its shape announces.",
    H5LabelsShort = "h5.labels-short" { name: String } => "The HDF5 file is damaged: `{name}` or `list_classes` did not hold what its shape announces.",
    H5LabelRange = "h5.label-range" { label: String, picture: usize, name: String, last: usize, classes: usize } => "Label {label} of picture {picture} in `{name}` is out of range: labels must be 0 to {last} (indices into `list_classes`, which has {classes} classes).",
    H5NotIntegers = "h5.not-integers" { name: String, dtype: Box<Message> } => "`{name}` holds {dtype} values, but it must hold integers.",
    H5IntegerSize = "h5.integer-size" { name: String, size: usize } => "`{name}` holds {size}-byte integers, which ConvLab does not read.",
    /// A dataset's type that is not a number ("uint16", a number type, is Plain).
    H5DtypeText = "h5.dtype-text" {} => "text",
    H5DtypeOther = "h5.dtype-other" {} => "non-numeric",
    H5TrainingFile = "h5.training-file" { cause: Box<Message> } => "Training file: {cause}",
    H5TestFile = "h5.test-file" { cause: Box<Message> } => "Test file: {cause}",
    H5ClassesDiffer = "h5.classes-differ" { train: String, test: String } => "The training and test files list different classes ({train} and {test}): both must list the same classes in the same order.",
    /// A data set's parts (data::Dataset).
    DataTooMany = "data.too-many-pictures" { m: usize, max: usize } => "{m} pictures are too many: at most {max} are accepted.",
    DataClassCount = "data.class-count" { count: usize, max: usize } => "{count} classes are listed: 1 to {max} are needed.",
    DataClassTwice = "data.class-twice" { class: String } => "`list_classes` names class {class} twice: each class must appear once.",
    DataLabelRange = "data.label-range" { label: usize, picture: usize, last: usize, classes: usize } => "Label {label} of picture {picture} is out of range: labels must be 0 to {last} (indices into the {classes} classes).",
    DataJoinClasses = "data.join-classes" { a: String, b: String } => "cannot join sets with other classes: {a} and {b}",
    DataJoinSizes = "data.join-sizes" {} => "cannot join sets of pictures of other sizes",
    DataJoinTooMany = "data.join-too-many" { max: usize } => "too many pictures: at most {max} are accepted.",
    /// Training (train::Trainer): the data it is given, and how a run stops.
    SetTraining = "train.set-training" {} => "training",
    SetTest = "train.set-test" {} => "test",
    TrainSetLabels = "train.set-labels" { set: Box<Message>, m: usize, labels: usize } => "the {set} set has {m} images but {labels} labels",
    TrainImageSize = "train.image-size" { set: Box<Message>, got: String, want: String } => "the {set} images are {got} but the network expects {want}",
    TrainLabelRange = "train.label-range" { set: Box<Message>, label: usize, k: usize, last: usize } => "the {set} set has label {label}, but the network has only {k} outputs (labels 0..{last})",
    TrainEmpty = "train.empty" {} => "the training set is empty",
    TrainClassesDiffer = "train.classes-differ" { train: String, test: String } => "the training classes {train} and the test classes {test} differ",
    TrainPaused = "train.paused" {} => "training is paused: resume it to go on",
    TrainFinished = "train.finished" { epochs: usize } => "training is finished ({epochs} epochs): reset to start again or raise the number of epochs",
    TrainDiverged = "train.diverged" { cost: String, epoch: usize, step: usize, chance: String, lr: String, smaller: String } => "training diverged: the cost became {cost} at epoch {epoch}, step {step} (a uniform guess costs {chance}). The learning rate ({lr}) is probably too high; reset and try a smaller one (for example {smaller}).",
    /// A warning after an evaluation (train::evaluate::collapse_warning).
    TrainCollapsed = "train.collapsed" { top: usize, percent: String } => "the model answers {top} for {percent}% of the pictures: it has collapsed to (nearly) one answer. Usually the learning rate is too high (try 0.001 to 0.009), the run was too short, or the pictures were not scaled to [0, 1]; reset and train again.",
    LabelSmoothingRange = "train.label-smoothing-range" { value: String } => "label smoothing must be at least 0 and below 1 (0.1 is usual), got {value}",
    CosineMinLr = "train.cosine-min-lr" { lr: String, min_lr: String } => "the cosine schedule's final learning rate must be between 0 and the learning rate {lr}, got {min_lr}",
    AdamBeta = "train.adam-beta" { name: String, value: String } => "{name} must be in [0, 1), got {value}",
    AdamEpsilon = "train.adam-epsilon" { value: String } => "epsilon must be a small positive number, got {value}",
    /// A weights file (train::weights), section 6 and 7.
    WeightsNotValid = "weights.not-valid" { detail: String } => "the weights file is not valid: {detail}",
    WeightsFormat = "weights.format" { format: String, expected: String } => "this is not a ConvLab weights file (format \"{format}\", expected \"{expected}\")",
    WeightsVersion = "weights.version" { version: u32, first: u32, current: u32 } => "weights file version {version} is not supported: this ConvLab reads versions {first} and {current}",
    WeightsLayers = "weights.layers" { cause: Box<Message> } => "the layers in the weights file do not form a valid network: {cause}",
    WeightsTensorCount = "weights.tensor-count" { needs: usize, has: usize } => "the network needs {needs} tensors but the file has {has}",
    WeightsTensorName = "weights.tensor-name" { name: String, found: String } => "expected tensor {name} but found {found}",
    WeightsTensorShape = "weights.tensor-shape" { name: String, shape: String, needs: String } => "tensor {name} has shape {shape} but the network needs {needs}",
    WeightsNeedsData = "weights.needs-data" { name: String, version: u32 } => "tensor {name} needs its values as base64 \"data\" (and no \"values\") in a version {version} file",
    WeightsNeedsValues = "weights.needs-values" { name: String, version: u32 } => "tensor {name} needs its values as a \"values\" list (and no \"data\") in a version {version} file",
    WeightsValueCount = "weights.value-count" { name: String, shape: String, count: usize, has: usize } => "tensor {name} of shape {shape} needs {count} values, the file has {has}",
    WeightsNotFinite = "weights.not-finite" { name: String, position: usize } => "tensor {name} has a value that is not a finite number at position {position}",
    WeightsNegativeVariance = "weights.negative-variance" { name: String } => "tensor {name} has a negative variance",
    WeightsBase64 = "weights.base64" { name: String, cause: Box<Message> } => "tensor {name} has data that is not valid base64: {cause}",
    WeightsPartialValue = "weights.partial-value" { name: String, bytes: usize } => "tensor {name} has {bytes} bytes of data, not a whole number of 4-byte values",
    Base64Length = "weights.base64-length" { length: usize } => "its length {length} is not a multiple of 4",
    Base64Padding = "weights.base64-padding" { at: usize } => "misplaced '=' at character {at}",
    Base64Char = "weights.base64-char" { ch: String, at: usize } => "character {ch} at position {at} is not base64",
    WeightsOtherNetwork = "weights.other-network" {} => "these weights are for a different network than the assignment's SIGNS ConvNet trained here",
    /// A photo the core decodes or prepares (data::preprocess).
    PhotoEmpty = "photo.empty-size" { width: usize, height: usize } => "The photo is empty ({width}x{height} pixels).",
    PhotoPixels = "photo.pixels" { width: usize, height: usize, limit: usize } => "The photo has {width}x{height} pixels, more than the limit of {limit} megapixels: use a smaller photo.",
    PhotoFileEmpty = "photo.file-empty" {} => "The photo file is empty (0 bytes).",
    PhotoUnreadable = "photo.cannot-read" { detail: String } => "The photo cannot be read: {detail}",
    PhotoUnsupported = "photo.unsupported" {} => "This file is not a photo ConvLab can read: JPEG, PNG, GIF and WebP are supported.",
    PhotoUndecodable = "photo.cannot-decode" { detail: String } => "The photo cannot be decoded: {detail}",
    PhotoBroken = "photo.broken" { detail: String } => "The photo cannot be decoded (damaged or truncated?): {detail}",
    /// A network's layers (nn::layers, nn::model).
    LayerOverflow = "layer.overflow" {} => "the network is too large: its sizes overflow",
    DropoutRate = "layer.dropout-rate" { rate: String } => "dropout rate must be in [0, 1), got {rate}",
    DenseNeedsFlat = "layer.dense-needs-flat" { h: usize, w: usize, c: usize } => "a fully connected layer needs a flat input: add a flatten layer before it (input is {h}x{w}x{c})",
    DenseNoUnits = "layer.dense-no-units" {} => "a fully connected layer needs at least one unit",
    ModelTooLarge = "model.too-large" { millions: usize } => "the network is too large for this page: more than {millions} million values per image or parameters",
    ModelNoLayers = "model.no-layers" {} => "the network has no layers",
    ModelBadEnd = "model.bad-end" { h: usize, w: usize, c: usize } => "the network must end in a flat vector of at least 2 class scores (flatten, then a fully connected layer), but it ends in {h}x{w}x{c}",
    ModelInputSize = "model.input-size" { want: String, got: String } => "the model expects {want} images, got {got}",
    /// Parameter counts (nn::params): the volumes and shapes sections.
    ParamsOverflow = "params.overflow" {} => "these sizes are too large: the parameter count does not fit in a number",
    ParamsNoChannels = "params.no-channels" {} => "the input must have at least one channel",
    ParamsNoFilters = "params.no-filters" {} => "a convolution needs at least one filter",
    TooLargeToDraw = "params.too-large-to-draw" { padded: usize, max: usize } => "n + 2p = {padded} is too large to draw (at most {max}); the output size formula still holds",
    /// The classifier (section 7).
    ClassifyNoConv = "classify.no-conv" {} => "this network has no convolution to explain",
    ClassifyNotNumber = "classify.not-number" {} => "the network's output is not a number: its weights are broken (NaN)",
    ClassifyNoPicture = "classify.no-picture" { index: usize, count: usize, last: usize } => "there is no picture {index}: the set has {count} pictures (0 to {last})",
    ClassifyPictureSize = "classify.picture-size" { got: String, want: String } => "the picture is {got} but the network expects {want}",
    ClassifyTurn = "classify.turn-range" { degrees: String } => "a turn must be between -90 and 90 degrees, got {degrees}",
    ClassifyZoom = "classify.zoom-range" { zoom: String } => "a zoom factor must be between 0.5 and 2, got {zoom}",
    /// Section 2's filter learned by gradient descent (lesson::learned_filter).
    LearnedTargetNotNumber = "learned-filter.target-not-number" {} => "the target filter must hold ordinary numbers (no NaN or infinity)",
    LearnedImageSmall = "learned-filter.image-small" { h: usize, w: usize } => "the image must be at least 3x3 to learn a 3x3 filter, got {h}x{w}",
    LearnedImageNotNumber = "learned-filter.image-not-number" {} => "the image holds NaN or infinite values",
    LearnedFlat = "learned-filter.flat" {} => "the image is flat (one grey level): every filter whose weights sum to the same value gives the same response, so there is nothing to learn from; pick an image with edges",
    LearnedAngle = "learned-filter.angle" { angle: String } => "the angle must be a number of degrees, got {angle}",
    LearnedDiverged = "learned-filter.diverged" { from: String, to: String, lr: String, suggested: String } => "the loss grew from {from} to {to}: the learning rate {lr} is too large (try {suggested})",
    /// Section 2's edge filters and pictures.
    EdgesNineNumbers = "edges.nine-numbers" { got: usize } => "a 3x3 filter needs 9 numbers, got {got}",
    EdgesNotNumbers = "edges.not-numbers" {} => "filter values must be ordinary numbers (no NaN or infinity)",
    EdgesImageEmpty = "edges.image-empty" { h: usize, w: usize } => "the image is empty ({h}x{w})",
    TestPictureUnknown = "edges.unknown-picture" { name: String, names: String } => "unknown test picture \"{name}\": use one of {names}",
    TestPictureSize = "edges.picture-size" { max: usize, h: usize, w: usize } => "test pictures are 1 to {max} pixels on each side, asked for {h}x{w}",
    GreyRange = "edges.grey-range" { low: String, high: String } => "the grey range must go from a smaller to a larger number, got {low} to {high}",
    /// Convolution, pooling, the stepper and backprop (sections 1, 4, 5, 6 of the lecture).
    ConvFilterChannels = "conv.filter-channels" { fc: usize, c: usize } => "the filter has {fc} channels but the input has {c}: they must match",
    ConvFiltersChannels = "conv.filters-channels" { fc: usize, c: usize } => "the filters have {fc} channels but the input has {c}: they must match",
    ConvBiases = "conv.biases" { k: usize, got: usize } => "{k} filters need {k} biases, got {got}",
    ConvEmptyBatch = "conv.empty-batch" {} => "the batch is empty: it needs at least one image",
    ConvNoChannels = "conv.no-channels" { c_in: usize, c_out: usize } => "a convolution needs at least one input channel and one filter (got {c_in} and {c_out})",
    StepperCellOutside = "conv.cell-outside" { i: usize, j: usize, oh: usize, ow: usize } => "output cell ({i}, {j}) is outside the {oh}x{ow} output",
    PoolEmpty = "pool.empty" {} => "pooling needs at least one image and one channel",
    PoolTooLarge = "pool.too-large" {} => "the input is too large to pool in one call",
    PoolUnknown = "pool.unknown" { name: String } => "unknown pooling \"{name}\": use max or avg",
    ReceptiveNoLayer = "receptive.no-layer" { layer: usize, count: usize } => "there is no layer {layer} (the network has {count})",
    ReceptiveCellOutside = "receptive.cell-outside" { row: usize, col: usize, layer: usize, h: usize, w: usize } => "cell ({row}, {col}) is outside layer {layer}'s {h}x{w} output",
    BackpropStepPast = "backprop.step-past" { done: usize, n: usize } => "step {done} is past the last of the {n} windows",
    BackpropFilterFit = "backprop.filter-fit" { h: usize, w: usize, f: usize, fw: usize } => "the filter must be square and fit in the {h}x{w} input (got {f}x{fw})",
    BackpropDzSize = "backprop.dz-size" { oh: usize, ow: usize, h: usize, w: usize } => "dZ must be {oh}x{ow}, the size of the layer's output (got {h}x{w})",
    BackpropDySize = "backprop.dy-size" { oh: usize, ow: usize, h: usize, w: usize } => "dY must be {oh}x{ow}, the size of the pooled output (got {h}x{w})",
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
    let mut all = Message::each_with_samples();
    // A layer's failure as the page meets it: the layer named, the cause a shape message.
    for m in &mut all {
        if let Message::InLayer { name, .. } = m {
            **name = Message::LayerMaxPool {};
        }
    }
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
        let m = Message::InLayer { layer: 2, name: Box::new(Message::LayerMaxPool {}), cause: Box::new(Message::WindowLarger { f: 5, n: 3 }) };
        assert_eq!(m.english(), "layer 2 (max pool): f = 5 is larger than the input n = 3: the window does not fit anywhere");
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["code"], "layers.in-layer");
        assert_eq!(json["params"]["layer"], 2);
        assert_eq!(json["params"]["cause"]["code"], "shape.window-larger");
        assert_eq!(json["params"]["cause"]["params"]["n"], 3);
        assert_eq!(json["message"], m.english());
    }
}
