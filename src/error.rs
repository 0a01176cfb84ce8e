//! The one error type every backend and face reports.

/// What went wrong, by kind. Messages are for people; kinds are for code.
/// New kinds may come in a minor release: a `match` needs a `_` arm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// go-micro's `ErrNotFound`.
    #[error("service not found")]
    NotFound,
    /// `NotFound` with its reason: the service is there, but no node passes
    /// what a selection asked for (its version, label or endpoint filters).
    #[error("not found: {0}")]
    NoMatch(String),
    /// go-micro's `ErrWatcherStopped`.
    #[error("watcher stopped")]
    WatcherStopped,
    /// The caller passed something unusable; nothing was changed.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The backend could not be reached or refused the operation.
    #[error("backend unavailable: {0}")]
    BackendUnavailable(String),
    /// A wait ran out of time.
    #[error("timed out")]
    Timeout,
    /// A bug or an impossible state inside microreg.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Whether this is [`Error::NotFound`] or [`Error::NoMatch`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound | Error::NoMatch(_))
    }

    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidArgument(message.into())
    }

    /// Shorthand for [`Error::BackendUnavailable`].
    pub fn unavailable(message: impl Into<String>) -> Self {
        Error::BackendUnavailable(message.into())
    }
}

/// `Result` with microreg's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
