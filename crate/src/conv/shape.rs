//! Shape arithmetic of the lecture: output size floor((n + 2p - f) / s) + 1, and
//! TensorFlow's SAME padding (output ceil(n / s), the odd pixel of padding goes after).

use crate::error::Result;
use crate::message::Message;
use serde::{Deserialize, Serialize};

/// Activation shape (height, width, channels); a flat vector is (1, 1, n).
pub type Shape3 = (usize, usize, usize);

/// How the input is padded with zeros before the filter slides over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// No padding: the output shrinks by f - 1 (at stride 1).
    Valid,
    /// TensorFlow's SAME: output ceil(n / s); total padding max((out - 1) s + f - n, 0),
    /// the smaller half before and the larger after.
    Same,
    /// The lecture's p: the same number of zeros on every side.
    Pad(usize),
    /// Any split, one count per side.
    Explicit { top: usize, bottom: usize, left: usize, right: usize },
}

/// Zeros added on each side, after resolving a [`Padding`] for a given input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Pads {
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
}

/// floor((n + p_before + p_after - f) / s) + 1, or an error a student understands.
pub fn output_size(n: usize, f: usize, p_before: usize, p_after: usize, s: usize) -> Result<usize> {
    if s == 0 {
        return Err(Message::StrideZero {}.into());
    }
    if f == 0 {
        return Err(Message::FilterZero {}.into());
    }
    if n == 0 {
        return Err(Message::InputZero {}.into());
    }
    let padded = n
        .checked_add(p_before)
        .and_then(|v| v.checked_add(p_after))
        .ok_or(Message::PaddedOverflow {})?;
    // Without padding (VALID, and pooling) the message speaks of n alone, not of n + 2p.
    if f > padded && padded == n {
        return Err(Message::WindowLarger { f, n }.into());
    }
    if f > padded {
        return Err(Message::FilterLargerPadded { f, padded }.into());
    }
    Ok((padded - f) / s + 1)
}

/// TensorFlow's SAME padding along one axis: (before, after, output size).
pub fn same_padding(n: usize, f: usize, s: usize) -> Result<(usize, usize, usize)> {
    if s == 0 {
        return Err(Message::StrideZero {}.into());
    }
    if f == 0 || n == 0 {
        return Err(Message::SameZero {}.into());
    }
    let out = n.div_ceil(s);
    let needed = (out - 1)
        .checked_mul(s)
        .and_then(|v| v.checked_add(f))
        .ok_or(Message::SameOverflow {})?;
    let total = needed.saturating_sub(n);
    Ok((total / 2, total - total / 2, out))
}

impl Padding {
    /// Resolve to explicit zeros per side and the output (height, width).
    pub fn resolve(
        &self,
        input: (usize, usize),
        filter: (usize, usize),
        stride: usize,
    ) -> Result<(Pads, (usize, usize))> {
        let (h, w) = input;
        let (fh, fw) = filter;
        let pads = match *self {
            Padding::Valid => Pads::default(),
            Padding::Pad(p) => Pads { top: p, bottom: p, left: p, right: p },
            Padding::Explicit { top, bottom, left, right } => Pads { top, bottom, left, right },
            Padding::Same => {
                let (top, bottom, _) = same_padding(h, fh, stride)?;
                let (left, right, _) = same_padding(w, fw, stride)?;
                Pads { top, bottom, left, right }
            }
        };
        let oh = output_size(h, fh, pads.top, pads.bottom, stride)?;
        let ow = output_size(w, fw, pads.left, pads.right, stride)?;
        Ok((pads, (oh, ow)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn lecture_output_sizes() {
        assert_eq!(output_size(6, 3, 0, 0, 1).unwrap(), 4);
        assert_eq!(output_size(7, 3, 0, 0, 2).unwrap(), 3);
        assert_eq!(output_size(39, 3, 0, 0, 1).unwrap(), 37);
        assert_eq!(output_size(37, 5, 0, 0, 2).unwrap(), 17);
    }

    #[test]
    fn tensorflow_same_split_for_even_filter() {
        assert_eq!(same_padding(64, 4, 1).unwrap(), (1, 2, 64));
        assert_eq!(same_padding(64, 8, 8).unwrap(), (0, 0, 8));
        assert_eq!(same_padding(5, 3, 2).unwrap(), (1, 1, 3));
    }

    #[test]
    fn impossible_shapes_are_errors() {
        assert!(output_size(5, 3, 0, 0, 0).unwrap_err().to_string().contains("stride"));
        assert!(output_size(2, 5, 1, 1, 1).unwrap_err().to_string().contains("larger"));
        assert!(output_size(usize::MAX, 3, 1, 1, 1).is_err());
        assert!(output_size(5, 0, 0, 0, 1).unwrap_err().to_string().contains("filter size f must be at least 1"));
        assert!(output_size(0, 3, 1, 1, 1).unwrap_err().to_string().contains("input size n"));
        // Exactly fitting is fine; one more is not.
        assert_eq!(output_size(3, 5, 1, 1, 1).unwrap(), 1);
        assert!(output_size(3, 6, 1, 1, 1).unwrap_err().to_string().contains("n + 2p = 5"));
        let unpadded = output_size(4, 5, 0, 0, 1).unwrap_err().to_string();
        assert!(unpadded.contains("f = 5 is larger than the input n = 4"), "{unpadded}");
        assert!(!unpadded.contains("2p"), "{unpadded}");
        assert!(same_padding(5, 3, 0).is_err());
        assert!(same_padding(usize::MAX, usize::MAX, 1).unwrap_err().to_string().contains("too large"));
    }
}
