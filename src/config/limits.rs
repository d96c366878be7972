//! What evaluating a configuration may take, and how evaluation fails: the
//! limits (1 MiB per string, 100,000 elements per list or map, 256 MiB of
//! values per load), the `Budget` every value is charged to, what a value
//! costs, and the error type with its message (long values cut short,
//! secrets named by type only).
//!
//! Accounts and describes only; evaluates nothing.

use std::cell::Cell;

use hcl::Value;
use hcl::eval::ErrorKind;

use super::value::type_name;

/// The longest string a configuration may make.
pub const MAX_STRING_BYTES: usize = 1 << 20;
/// The most elements one list or map may hold (and instances one for_each).
pub const MAX_ELEMENTS: usize = 100_000;
/// The most all evaluated values of one load may take together.
pub const MAX_TOTAL_BYTES: usize = 256 << 20;

/// What a value costs, roughly as it sits in memory: each value, plus the
/// bytes of strings and keys, plus a map entry's key and hash.
pub const VALUE_BYTES: usize = size_of::<Value>();
pub const ENTRY_BYTES: usize = size_of::<String>() + size_of::<u64>();

/// The memory all evaluations of one load have taken so far.
#[derive(Debug, Default)]
pub struct Budget {
    used: Cell<usize>,
    overrun_reported: Cell<bool>,
}

impl Budget {
    pub fn new() -> Budget {
        Budget::default()
    }

    pub fn charge(&self, bytes: usize) -> Result<(), Error> {
        let used = self.used.get().saturating_add(bytes);
        self.used.set(used);
        if used > MAX_TOTAL_BYTES {
            Err(Error::Limit(Limit::Total))
        } else {
            Ok(())
        }
    }

    /// Whether an overrun is to be reported now: once a load is over budget
    /// every later evaluation fails too, and one message says why.
    pub fn report_overrun(&self) -> bool {
        !self.overrun_reported.replace(true)
    }
}

/// Why an evaluation failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// As hcl-rs reports it (same kind and values).
    Hcl(hcl::eval::Error),
    /// A value over one of the limits.
    Limit(Limit),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A string of this many bytes.
    String(usize),
    /// A list or map of this many elements.
    Elements(usize),
    /// All values together over [`MAX_TOTAL_BYTES`].
    Total,
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::String(n) => write!(
                f,
                "it makes a string of {n} bytes; a string may hold at most 1 MiB ({MAX_STRING_BYTES} bytes)"
            ),
            Limit::Elements(n) => write!(
                f,
                "it makes a list or map of {n} elements; one may hold at most {MAX_ELEMENTS}"
            ),
            Limit::Total => write!(
                f,
                "the configuration's values take more than {} MiB together, the most rtm evaluates",
                MAX_TOTAL_BYTES >> 20
            ),
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::Hcl(hcl::eval::Error::from(kind))
    }
}

impl From<Limit> for Error {
    fn from(limit: Limit) -> Error {
        Error::Limit(limit)
    }
}

impl Error {
    /// The budget ran out (reported once per load, see [`Budget::report_overrun`]).
    pub fn is_overrun(&self) -> bool {
        *self == Error::Limit(Limit::Total)
    }
}

/// hcl-rs's "unexpected value" error.
pub fn unexpected(value: Value, expected: &'static str) -> Error {
    ErrorKind::Unexpected(value, expected).into()
}

/// What went wrong, for a diagnostic: long values cut short, and for a
/// `sensitive` attribute the values named by type only (`"hunter2" + 1`
/// must not come back in a message).
pub fn message(e: &Error, sensitive: bool) -> String {
    let kind = match e {
        Error::Limit(limit) => return limit.to_string(),
        Error::Hcl(e) => e.kind(),
    };
    let shown = |v: &Value| {
        if sensitive {
            return format!("a {}", type_name(v));
        }
        let text = v.to_string();
        if text.chars().count() > 60 {
            format!("`{}...`", text.chars().take(57).collect::<String>())
        } else {
            format!("`{text}`")
        }
    };
    match kind {
        ErrorKind::Unexpected(v, expected) => {
            format!("unexpected value {}, expected {expected}", shown(v))
        }
        ErrorKind::UnaryOp(op, v) => {
            format!("unary operator `{op}` is not applicable to {}", shown(v))
        }
        ErrorKind::BinaryOp(lhs, op, rhs) => format!(
            "binary operator `{op}` is not applicable to {} and {}",
            shown(lhs),
            shown(rhs)
        ),
        ErrorKind::FuncCall(name, _) if sensitive => format!(
            "error calling function `{name}` (its message is not shown: environment values are sensitive)"
        ),
        ErrorKind::Message(_) if sensitive => {
            "the expression fails (the message is not shown: environment values are sensitive)"
                .into()
        }
        other => other.to_string(),
    }
}

/// What `v` costs, or the limit it breaks.
pub fn measure(v: &Value) -> Result<usize, Limit> {
    Ok(VALUE_BYTES
        + match v {
            Value::String(s) if s.len() > MAX_STRING_BYTES => {
                return Err(Limit::String(s.len()));
            }
            Value::String(s) => s.len(),
            Value::Array(items) if items.len() > MAX_ELEMENTS => {
                return Err(Limit::Elements(items.len()));
            }
            Value::Array(items) => items.iter().map(measure).sum::<Result<usize, _>>()?,
            Value::Object(map) if map.len() > MAX_ELEMENTS => {
                return Err(Limit::Elements(map.len()));
            }
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| Ok(ENTRY_BYTES + k.len() + measure(v)?))
                .sum::<Result<usize, _>>()?,
            _ => 0,
        })
}
