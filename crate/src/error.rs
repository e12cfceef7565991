//! One error type for the whole core: every failure is a value with a message a student
//! can read, never a panic.

use thiserror::Error;

/// What went wrong, grouped by what the user can do about it.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConvLabError {
    /// Sizes that do not fit together (filter larger than the padded input, stride 0...).
    #[error("{0}")]
    Shape(String),
    /// A hyperparameter or setting outside what makes sense (NaN learning rate, batch 0...).
    #[error("{0}")]
    Param(String),
    /// A data file that cannot be read or does not hold what it should.
    #[error("{0}")]
    Data(String),
    /// A saved model that does not match what it claims to be.
    #[error("{0}")]
    Weights(String),
    /// Training produced NaN or infinite values.
    #[error("{0}")]
    Diverged(String),
    /// A message the page words in the student's language (crate::message): a code and
    /// its numbers; shown here in English.
    #[error("{0}")]
    Coded(crate::message::Message),
}

impl From<crate::message::Message> for ConvLabError {
    fn from(m: crate::message::Message) -> Self {
        ConvLabError::Coded(m)
    }
}

impl ConvLabError {
    /// The message as a code with its numbers, when it has one.
    pub fn message(&self) -> Option<&crate::message::Message> {
        match self {
            ConvLabError::Coded(m) => Some(m),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, ConvLabError>;

/// Shorthand constructors keep call sites short: `shape_err!("...{}", x)`.
#[macro_export]
macro_rules! shape_err {
    ($($arg:tt)*) => { $crate::error::ConvLabError::Shape(format!($($arg)*)) };
}
#[macro_export]
macro_rules! param_err {
    ($($arg:tt)*) => { $crate::error::ConvLabError::Param(format!($($arg)*)) };
}
#[macro_export]
macro_rules! data_err {
    ($($arg:tt)*) => { $crate::error::ConvLabError::Data(format!($($arg)*)) };
}
