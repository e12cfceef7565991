//! One error type for the whole core: every failure is a value with a message a student
//! can read, never a panic. Every kind carries a [`Message`] (a code and its numbers, which
//! the page words in the student's language); the few left uncoded (internal checks a
//! student cannot cause) carry [`Message::Plain`], shown in English everywhere.

use crate::message::Message;
use thiserror::Error;

/// What went wrong, grouped by what the user can do about it.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConvLabError {
    /// Sizes that do not fit together (filter larger than the padded input, stride 0...).
    #[error("{0}")]
    Shape(Message),
    /// A hyperparameter or setting outside what makes sense (NaN learning rate, batch 0...).
    #[error("{0}")]
    Param(Message),
    /// A data file that cannot be read or does not hold what it should.
    #[error("{0}")]
    Data(Message),
    /// A saved model that does not match what it claims to be.
    #[error("{0}")]
    Weights(Message),
    /// Training produced NaN or infinite values.
    #[error("{0}")]
    Diverged(Message),
    /// A message of no kind above (the sizes a lesson's formula refuses, mostly).
    #[error("{0}")]
    Coded(Message),
}

impl From<Message> for ConvLabError {
    fn from(m: Message) -> Self {
        ConvLabError::Coded(m)
    }
}

impl ConvLabError {
    /// The message as a code with its numbers (the page words it; Display is its English).
    pub fn message(&self) -> &Message {
        match self {
            ConvLabError::Shape(m)
            | ConvLabError::Param(m)
            | ConvLabError::Data(m)
            | ConvLabError::Weights(m)
            | ConvLabError::Diverged(m)
            | ConvLabError::Coded(m) => m,
        }
    }

    /// The same kind of error with its message wrapped (`wrap(message)`): a cause inside a
    /// message that says where it happened.
    pub fn map_message(self, wrap: impl FnOnce(Message) -> Message) -> Self {
        match self {
            ConvLabError::Shape(m) => ConvLabError::Shape(wrap(m)),
            ConvLabError::Param(m) => ConvLabError::Param(wrap(m)),
            ConvLabError::Data(m) => ConvLabError::Data(wrap(m)),
            ConvLabError::Weights(m) => ConvLabError::Weights(wrap(m)),
            ConvLabError::Diverged(m) => ConvLabError::Diverged(wrap(m)),
            ConvLabError::Coded(m) => ConvLabError::Coded(wrap(m)),
        }
    }
}

pub type Result<T> = std::result::Result<T, ConvLabError>;

/// Shorthand constructors for the uncoded messages ([`Message::Plain`]), kept for internal
/// checks only: `shape_err!("...{}", x)`. A message a student can meet has a code instead.
#[macro_export]
macro_rules! shape_err {
    ($($arg:tt)*) => { $crate::error::ConvLabError::Shape($crate::message::Message::Plain { text: format!($($arg)*) }) };
}
#[macro_export]
macro_rules! param_err {
    ($($arg:tt)*) => { $crate::error::ConvLabError::Param($crate::message::Message::Plain { text: format!($($arg)*) }) };
}
#[macro_export]
macro_rules! data_err {
    ($($arg:tt)*) => { $crate::error::ConvLabError::Data($crate::message::Message::Plain { text: format!($($arg)*) }) };
}

/// A message as the error of its kind: `Message::H5Empty {}.data()`.
impl Message {
    pub fn shape(self) -> ConvLabError {
        ConvLabError::Shape(self)
    }
    pub fn param(self) -> ConvLabError {
        ConvLabError::Param(self)
    }
    pub fn data(self) -> ConvLabError {
        ConvLabError::Data(self)
    }
    pub fn weights(self) -> ConvLabError {
        ConvLabError::Weights(self)
    }
    pub fn diverged(self) -> ConvLabError {
        ConvLabError::Diverged(self)
    }
}
