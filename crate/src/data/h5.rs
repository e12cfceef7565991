//! The course's HDF5 files (`train_signs.h5` / `test_signs.h5`) read from bytes.
//!
//! Layout, as h5py wrote it for the course (prefix `train` or `test`, detected):
//!
//! | dataset | shape | dtype |
//! |---|---|---|
//! | `{prefix}_set_x` | (m, 64, 64, 3) | uint8 |
//! | `{prefix}_set_y` | (m,) or (1, m) | any integer |
//! | `list_classes`   | (n_classes,)   | any integer |
//!
//! Reading takes a byte slice, so the browser can pass a `File`'s bytes and the command
//! line a file it read: the same code path everywhere. The reader is the pure-Rust
//! `hdf5-reader` crate: it reads h5py's default files (contiguous), chunked + gzip
//! files, and the newest HDF5 2.0 format (`libver="latest"`).
//!
//! Reading is bounded: every dataset's shape is checked before its values are read, so
//! a file that claims 100 million pictures is refused, not allocated.

use hdf5_reader::{ByteOrder, Datatype, Hdf5File, OpenOptions};
use super::{Dataset, BYTES_PER_IMAGE, IMAGE_CHANNELS, IMAGE_SIDE, MAX_CLASSES, MAX_IMAGES};
use crate::error::Result;
use crate::message::Message;

const HDF5_SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];

/// Loads one course HDF5 file (train or test) from its bytes.
///
/// Checks, in order, each with its own message: HDF5 signature, truncation, the three
/// datasets present, shapes and dtypes, image count = label count, labels in
/// `0..n_classes` (each label indexes `list_classes`).
pub fn load_h5(bytes: &[u8]) -> Result<Dataset> {
    load_course_file(bytes).map(|(_, data)| data)
}

/// Which half of the course's data a file holds, from its datasets (not its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// `train_set_x` / `train_set_y`.
    Train,
    /// `test_set_x` / `test_set_y`.
    Test,
}

impl Split {
    /// `train` or `test`: the prefix of the file's dataset names.
    pub fn prefix(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }
}

/// [`load_h5`], also saying whether the file is the training or the test set: the page
/// files them by what they hold, since a file's name can say the opposite.
pub fn load_course_file(bytes: &[u8]) -> Result<(Split, Dataset)> {
    let file = open(bytes)?;
    let root = file
        .root_group()
        .map_err(|e| Message::H5RootUnreadable { detail: e.to_string() }.data())?;
    let (_, names) = root
        .member_names()
        .map_err(|e| Message::H5Unlisted { detail: e.to_string() }.data())?;
    let split = detect_split(&names)?;
    let prefix = split.prefix();
    let x_name = format!("{prefix}_set_x");
    let y_name = format!("{prefix}_set_y");

    let x = dataset(&file, &names, &x_name)?;
    let y = dataset(&file, &names, &y_name)?;
    let c = dataset(&file, &names, "list_classes")?;

    let m = check_images_shape(&x_name, x.shape())?;
    if !matches!(
        x.dtype(),
        Datatype::FixedPoint {
            size: 1,
            signed: false,
            ..
        }
    ) {
        return Err(Message::H5PicturesNotBytes { name: x_name, dtype: Box::new(describe_dtype(x.dtype())) }.data());
    }
    let n_labels = check_vector_shape(&y_name, y.shape(), MAX_IMAGES, true)?;
    let n_classes = check_vector_shape("list_classes", c.shape(), MAX_CLASSES, false)?;
    if n_classes == 0 {
        return Err(Message::H5NoClasses {}.data());
    }
    if m != n_labels {
        return Err(Message::H5CountMismatch { x: x_name, m, y: y_name, labels: n_labels }.data());
    }

    // Bytes, not `read_array::<u8>`: one non-generic read path keeps the wasm small.
    let pixels = x.read_native_bytes().map_err(|e| read_error(&x_name, e))?;
    if pixels.len() != m * BYTES_PER_IMAGE {
        return Err(Message::H5PicturesShort { name: x_name, m }.data());
    }
    let raw_labels = read_integers(&y, &y_name)?;
    let classes = read_integers(&c, "list_classes")?;
    if raw_labels.len() != m || classes.len() != n_classes {
        return Err(Message::H5LabelsShort { name: y_name }.data());
    }
    // The file's integers become byte labels here (so the range is checked with the
    // dataset's name); `Dataset::from_parts` checks the rest.
    let mut labels = Vec::with_capacity(m);
    for (i, &label) in raw_labels.iter().enumerate() {
        if label < 0 || label >= n_classes as i64 {
            return Err(Message::H5LabelRange {
                label: label.to_string(),
                picture: i,
                name: y_name,
                last: n_classes - 1,
                classes: n_classes,
            }
            .data());
        }
        labels.push(label as u8);
    }
    Dataset::from_parts(pixels, labels, classes).map(|data| (split, data))
}

/// Loads the training and the test file and checks that they list the same classes in
/// the same order (else a label would mean one digit in training and another in test).
pub fn load_train_test(train: &[u8], test: &[u8]) -> Result<(Dataset, Dataset)> {
    let train_set = load_h5(train).map_err(|e| Message::H5TrainingFile { cause: Box::new(e.message().clone()) }.data())?;
    let test_set = load_h5(test).map_err(|e| Message::H5TestFile { cause: Box::new(e.message().clone()) }.data())?;
    if train_set.classes != test_set.classes {
        return Err(Message::H5ClassesDiffer {
            train: format!("{:?}", train_set.classes),
            test: format!("{:?}", test_set.classes),
        }
        .data());
    }
    Ok((train_set, test_set))
}

/// Opens the bytes as HDF5 after the cheap checks a student's wrong file fails first.
fn open(bytes: &[u8]) -> Result<Hdf5File> {
    if bytes.is_empty() {
        return Err(Message::H5Empty {}.data());
    }
    if !has_signature(bytes) {
        return Err(Message::H5NotHdf5 {}.data());
    }
    // Caps on what a read may allocate, so that a forged file cannot ask for gigabytes.
    let options = OpenOptions {
        chunk_cache_bytes: 4 << 20,
        max_chunk_bytes: 64 << 20,
        max_read_bytes: MAX_IMAGES * BYTES_PER_IMAGE,
        max_object_header_bytes: 1 << 20,
        ..OpenOptions::default()
    };
    let file = Hdf5File::from_bytes_with_options(bytes, options)
        .map_err(|e| Message::H5Unreadable { detail: e.to_string() }.data())?;
    let sb = file.superblock();
    let claimed = sb.base_address.saturating_add(sb.eof_address);
    if claimed > bytes.len() as u64 {
        return Err(Message::H5Truncated { claimed: claimed.to_string(), got: bytes.len() }.data());
    }
    Ok(file)
}

/// HDF5 puts its signature at byte 0, or at 512, 1024, 2048... behind a user block.
fn has_signature(bytes: &[u8]) -> bool {
    let mut at = 0usize;
    loop {
        match bytes.get(at..at + HDF5_SIGNATURE.len()) {
            Some(window) if window == HDF5_SIGNATURE => return true,
            Some(_) => {}
            None => return false,
        }
        at = if at == 0 { 512 } else { at * 2 };
    }
}

/// Which split the file holds, from which `*_set_x` it has.
fn detect_split(names: &[String]) -> Result<Split> {
    let has = |n: &str| names.iter().any(|m| m == n);
    match (has("train_set_x"), has("test_set_x")) {
        (true, false) => Ok(Split::Train),
        (false, true) => Ok(Split::Test),
        (true, true) => Err(Message::H5BothSplits {}.data()),
        (false, false) => Err(Message::H5NoSplit { names: Box::new(list_names(names)) }.data()),
    }
}

/// What a file holds: its first ten names (code, shown as they are), and how many more.
fn list_names(names: &[String]) -> Message {
    if names.is_empty() {
        return Message::H5NoDatasets {};
    }
    let shown = names.iter().take(10).map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    if names.len() > 10 {
        Message::H5NamesMore { names: shown, more: names.len() - 10 }
    } else {
        Message::Plain { text: shown }
    }
}

fn dataset(file: &Hdf5File, names: &[String], name: &str) -> Result<hdf5_reader::Dataset> {
    if !names.iter().any(|n| n == name) {
        return Err(Message::H5Missing { name: name.to_string(), names: Box::new(list_names(names)) }.data());
    }
    file.dataset(name)
        .map_err(|e| Message::H5CannotOpen { name: name.to_string(), detail: e.to_string() }.data())
}

fn read_error(name: &str, e: hdf5_reader::error::Error) -> crate::ConvLabError {
    Message::H5CannotRead { name: name.to_string(), detail: e.to_string() }.data()
}

fn shape_text(shape: &[u64]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

/// (m, 64, 64, 3) with 1 <= m <= MAX_IMAGES; returns m.
fn check_images_shape(name: &str, shape: &[u64]) -> Result<usize> {
    let side = IMAGE_SIDE as u64;
    let ok = shape.len() == 4
        && shape[1] == side
        && shape[2] == side
        && shape[3] == IMAGE_CHANNELS as u64;
    if !ok {
        return Err(Message::H5ImagesShape { name: name.to_string(), shape: shape_text(shape) }.data());
    }
    let m = shape[0];
    if m == 0 {
        return Err(Message::H5NoPictures { name: name.to_string() }.data());
    }
    if m > MAX_IMAGES as u64 {
        return Err(Message::H5TooManyPictures { name: name.to_string(), m: m.to_string(), max: MAX_IMAGES }.data());
    }
    Ok(m as usize)
}

/// A list of values (labels, else classes): shape (n,), or (1, n) / (n, 1) as after the
/// notebook's reshape.
fn check_vector_shape(name: &str, shape: &[u64], max: usize, labels: bool) -> Result<usize> {
    let (name, shape_text) = (name.to_string(), shape_text(shape));
    let n = match shape {
        [n] => *n,
        [1, n] | [n, 1] => *n,
        _ if labels => return Err(Message::H5LabelsShape { name, shape: shape_text }.data()),
        _ => return Err(Message::H5ClassesShape { name, shape: shape_text }.data()),
    };
    if n > max as u64 {
        let n = n.to_string();
        return Err(if labels {
            Message::H5TooManyLabels { name, n, max }
        } else {
            Message::H5TooManyClasses { name, n, max }
        }
        .data());
    }
    Ok(n as usize)
}

/// A dataset's type: numpy's name for a number type (shown as it is), else in words.
fn describe_dtype(dtype: &Datatype) -> Message {
    let text = match dtype {
        Datatype::FixedPoint { size, signed, .. } => {
            format!("{}int{}", if *signed { "" } else { "u" }, u32::from(*size) * 8)
        }
        Datatype::FloatingPoint { size, .. } => format!("float{}", u32::from(*size) * 8),
        Datatype::String { .. } => return Message::H5DtypeText {},
        _ => return Message::H5DtypeOther {},
    };
    Message::Plain { text }
}

/// Any integer dtype (1-8 bytes, signed or not, either byte order) as i64.
fn read_integers(ds: &hdf5_reader::Dataset, name: &str) -> Result<Vec<i64>> {
    let (size, signed) = match ds.dtype() {
        Datatype::FixedPoint {
            size,
            signed,
            byte_order: ByteOrder::LittleEndian | ByteOrder::BigEndian,
        } => (usize::from(*size), *signed),
        other => {
            return Err(Message::H5NotIntegers { name: name.to_string(), dtype: Box::new(describe_dtype(other)) }.data())
        }
    };
    if !matches!(size, 1 | 2 | 4 | 8) {
        return Err(Message::H5IntegerSize { name: name.to_string(), size }.data());
    }
    // Native-endian bytes, decoded here: one read path for every integer type (a generic
    // `read_array::<T>` per type would add 100 KB to the wasm).
    let bytes = ds.read_native_bytes().map_err(|e| read_error(name, e))?;
    let values = bytes
        .chunks_exact(size)
        .map(|b| {
            let mut raw = [0u8; 8];
            let unsigned = if cfg!(target_endian = "little") {
                raw[..size].copy_from_slice(b);
                u64::from_le_bytes(raw)
            } else {
                raw[8 - size..].copy_from_slice(b);
                u64::from_be_bytes(raw)
            };
            if signed {
                // Sign-extend from `size` bytes.
                let shift = 64 - 8 * size as u32;
                ((unsigned << shift) as i64) >> shift
            } else {
                // Values above i64::MAX become i64::MAX: out of range for any label anyway.
                i64::try_from(unsigned).unwrap_or(i64::MAX)
            }
        })
        .collect();
    Ok(values)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Fixtures are embedded, so these tests also run in the browser.
    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/h5/",
                $name
            ))
            .as_slice()
        };
    }

    fn err(bytes: &[u8]) -> String {
        match load_h5(bytes) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    /// A JSON array of whole numbers.
    fn numbers(v: &serde_json::Value) -> Vec<i64> {
        v.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect()
    }

    /// The pixel sum and the sampled pixels ([n, y, x, channel, value]) of `r` (a
    /// reference h5py wrote) against the loaded images.
    fn check_pixels(ds: &Dataset, r: &serde_json::Value, what: &str) {
        let sum: u64 = ds.images.iter().map(|&v| u64::from(v)).sum();
        assert_eq!(sum, r["pixel_sum"].as_u64().unwrap(), "{what} pixel sum");
        for p in r["pixels"].as_array().unwrap() {
            let q: Vec<usize> = numbers(p).into_iter().map(|v| v as usize).collect();
            assert_eq!(ds.images[[q[0], q[1], q[2], q[3]]] as usize, q[4], "{what} pixel {q:?}");
        }
    }

    /// Compares a loaded fixture with what h5py read back (expected.json).
    fn check_against_h5py(ds: &Dataset, file: &str) {
        let expected: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/h5/expected.json"
        )))
        .unwrap();
        let e = expected
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["file"] == file)
            .unwrap();
        assert_eq!(ds.len() as u64, e["m"].as_u64().unwrap());
        check_pixels(ds, e, file);
        let labels: Vec<i64> = ds.labels.iter().map(|&l| i64::from(l)).collect();
        assert_eq!(labels, numbers(&e["labels"]));
        assert_eq!(ds.classes, numbers(&e["classes"]));
    }

    #[test]
    fn the_split_comes_from_the_datasets_inside() {
        let (split, _) = load_course_file(fixture!("ok_contiguous_train.h5")).unwrap();
        assert_eq!(split, Split::Train);
        let (split, _) = load_course_file(fixture!("ok_gzip_test.h5")).unwrap();
        assert_eq!(split, Split::Test);
    }

    #[test]
    fn reads_h5py_default_contiguous_file() {
        let ds = load_h5(fixture!("ok_contiguous_train.h5")).unwrap();
        assert_eq!(ds.images.dim(), (6, 64, 64, 3));
        check_against_h5py(&ds, "ok_contiguous_train.h5");
    }

    #[test]
    fn reads_chunked_gzip_test_file() {
        let ds = load_h5(fixture!("ok_gzip_test.h5")).unwrap();
        check_against_h5py(&ds, "ok_gzip_test.h5");
    }

    #[test]
    fn reads_hdf5_2_latest_format_with_int32_labels() {
        let ds = load_h5(fixture!("ok_latest_int32_train.h5")).unwrap();
        check_against_h5py(&ds, "ok_latest_int32_train.h5");
    }

    #[test]
    fn reads_big_endian_labels_of_shape_1_by_m() {
        let ds = load_h5(fixture!("ok_bigendian_labels_train.h5")).unwrap();
        check_against_h5py(&ds, "ok_bigendian_labels_train.h5");
    }

    #[test]
    fn train_and_test_load_together() {
        let (train, test) = load_train_test(
            fixture!("ok_contiguous_train.h5"),
            fixture!("ok_gzip_test.h5"),
        )
        .unwrap();
        assert_eq!((train.len(), test.len()), (6, 12));
    }

    #[test]
    fn empty_file_is_refused() {
        assert!(err(&[]).contains("empty"));
    }

    #[test]
    fn not_hdf5_is_refused() {
        let e = err(fixture!("not_hdf5.h5"));
        assert!(e.contains("not an HDF5 file"), "{e}");
    }

    #[test]
    fn truncated_file_is_refused() {
        let e = err(fixture!("truncated.h5"));
        assert!(e.contains("truncated"), "{e}");
        // Even a few bytes short is caught, by the superblock's end-of-file address.
        let whole = fixture!("ok_contiguous_train.h5");
        let e = err(&whole[..whole.len() - 10]);
        assert!(
            e.contains("truncated") && e.contains(&format!("{} bytes arrived", whole.len() - 10)),
            "{e}"
        );
        // Cut inside the superblock.
        let e = err(&whole[..40]);
        assert!(e.contains("damaged or truncated"), "{e}");
    }

    /// Asserts that the file is refused with a message holding every one of `parts`.
    fn refused(bytes: &[u8], parts: &[&str]) {
        let e = err(bytes);
        assert!(parts.iter().all(|p| e.contains(p)), "{e}\nshould hold {parts:?}");
    }

    #[test]
    fn missing_datasets_are_named() {
        refused(fixture!("missing_x.h5"), &["Missing dataset", "train_set_x", "`train_set_y`"]);
        refused(fixture!("missing_y.h5"), &["Missing dataset", "`train_set_y`"]);
        refused(fixture!("missing_classes.h5"), &["Missing dataset", "`list_classes`"]);
    }

    #[test]
    fn wrong_shape_is_refused() {
        refused(fixture!("wrong_shape_x.h5"), &["`train_set_x` has shape (2, 32, 32, 3), expected (m, 64, 64, 3)"]);
    }

    #[test]
    fn wrong_dtype_is_refused() {
        refused(fixture!("wrong_dtype_x.h5"), &["`train_set_x` holds float32 values", "uint8"]);
        refused(fixture!("float_labels.h5"), &["`train_set_y` holds float64 values", "integers"]);
    }

    #[test]
    fn labels_out_of_range_are_refused() {
        refused(fixture!("label_out_of_range.h5"), &["Label 6 of picture 1", "must be 0 to 5"]);
        refused(fixture!("negative_label.h5"), &["Label -1 of picture 1"]);
    }

    #[test]
    fn image_and_label_counts_must_agree() {
        refused(fixture!("count_mismatch.h5"), &["holds 3 pictures but `train_set_y` holds 2 labels"]);
    }

    #[test]
    fn huge_dimensions_are_refused_before_allocating() {
        refused(fixture!("huge_dims.h5"), &["claims 100000000 pictures", &MAX_IMAGES.to_string()]);
    }

    #[test]
    fn class_lists_must_agree() {
        let e = load_train_test(
            fixture!("ok_contiguous_train.h5"),
            fixture!("ok_three_classes_test.h5"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("different classes ([0, 1, 2, 3, 4, 5] and [0, 1, 2])"),
            "{e}"
        );
    }

    #[test]
    fn errors_say_which_file() {
        let e = load_train_test(fixture!("not_hdf5.h5"), fixture!("ok_gzip_test.h5"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("Training file: "), "{e}");
        let e = load_train_test(fixture!("ok_contiguous_train.h5"), fixture!("truncated.h5"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("Test file: "), "{e}");
    }

    /// The shared sign-digit files against h5py's reading (tests/reference/sign_digits_h5.json).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn reads_shared_sign_digits_like_h5py() {
        let Some(dir) = crate::testdata::sign_digits_dir() else {
            return;
        };
        let train = std::fs::read(dir.join("train_sign_digits.h5")).unwrap();
        let test = std::fs::read(dir.join("test_sign_digits.h5")).unwrap();
        let (train, test) = load_train_test(&train, &test).unwrap();
        let reference: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/sign_digits_h5.json"
        )))
        .unwrap();
        for (ds, split) in [(&train, "train"), (&test, "test")] {
            let r = &reference[split];
            let shape: Vec<usize> = numbers(&r["shape"]).into_iter().map(|v| v as usize).collect();
            assert_eq!(ds.images.shape(), shape.as_slice());
            check_pixels(ds, r, split);
            let mut counts = vec![0i64; ds.classes.len()];
            for &l in &ds.labels {
                counts[l as usize] += 1;
            }
            assert_eq!(counts, numbers(&r["label_counts"]));
            let first: Vec<i64> = ds.labels[..10].iter().map(|&l| i64::from(l)).collect();
            assert_eq!(first, numbers(&r["first_labels"]));
        }
        assert_eq!(train.len(), 1117);
        assert_eq!(test.len(), 120);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod corruption {
    use super::*;

    /// Damaged files must give errors, never panics or hangs: bytes of the first 2 KB
    /// (the metadata) overwritten in turn, plus seeded random damage anywhere. The default
    /// run samples every 23rd byte; `CONVLAB_H5_CORRUPTION_FULL=1` tries every byte
    /// (19,332 inputs, about 5 minutes: none panicked or hung on 2026-11-28).
    #[test]
    fn corrupted_fixtures_error_without_panicking() {
        use rand::{Rng, SeedableRng};
        let files: [&[u8]; 3] = [
            include_bytes!("../../tests/fixtures/h5/ok_gzip_test.h5"),
            include_bytes!("../../tests/fixtures/h5/ok_latest_int32_train.h5"),
            include_bytes!("../../tests/fixtures/h5/ok_contiguous_train.h5"),
        ];
        let full = std::env::var_os("CONVLAB_H5_CORRUPTION_FULL").is_some();
        let (step, random) = if full { (1, 300) } else { (23, 30) };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let (mut runs, mut panics, mut ok) = (0usize, Vec::new(), 0usize);
        for (f, bytes) in files.iter().enumerate() {
            let mut cases: Vec<Vec<u8>> = Vec::new();
            for pos in (0..bytes.len().min(2048)).step_by(step) {
                for v in [0x00u8, 0xff, bytes[pos] ^ 0x01] {
                    let mut b = bytes.to_vec();
                    b[pos] = v;
                    cases.push(b);
                }
            }
            for _ in 0..random {
                let mut b = bytes.to_vec();
                for _ in 0..rng.random_range(1..8) {
                    let i = rng.random_range(0..b.len());
                    b[i] = rng.random();
                }
                cases.push(b);
            }
            for (k, b) in cases.iter().enumerate() {
                runs += 1;
                let t = std::time::Instant::now();
                let r = std::panic::catch_unwind(|| load_h5(b));
                if t.elapsed().as_millis() > 300 {
                    eprintln!(
                        "slow: file {f} case {k}: {:?} -> {:?}",
                        t.elapsed(),
                        r.as_ref()
                            .map(|r| r.as_ref().map(|d| d.len()).map_err(|e| e.to_string()))
                    );
                }
                match r {
                    Ok(Ok(_)) => ok += 1,
                    Ok(Err(_)) => {}
                    Err(_) => panics.push((f, k)),
                }
            }
        }
        eprintln!(
            "corrupted h5 inputs: {runs} run, {ok} still loaded, {} panicked",
            panics.len()
        );
        assert!(
            panics.is_empty(),
            "{} of {runs} corrupted inputs panicked: {:?}",
            panics.len(),
            &panics[..panics.len().min(10)]
        );
    }
}
