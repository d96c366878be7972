//! HCL's operators on values already evaluated: unary `!` and `-`, the
//! binary comparisons, logic and arithmetic (as hcl-rs computes them,
//! except that what would panic inside hcl-rs's number type is an error),
//! and an object key's text.
//!
//! Pure functions of values; evaluates no expression.

use hcl::Value;
use hcl::edit::expr::{BinaryOperator, UnaryOperator};
use hcl::eval::ErrorKind;

use super::limits::{Error, unexpected};

/// An object key as hcl-rs takes it: a string, or a bool or number as text.
pub fn key_text(v: Value) -> Result<String, Error> {
    match v {
        Value::String(s) => Ok(s),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(unexpected(other, "a string, boolean or number")),
    }
}

pub fn unary(op: UnaryOperator, v: Value) -> Result<Value, Error> {
    match (op, v) {
        (UnaryOperator::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
        (UnaryOperator::Neg, Value::Number(n)) => Ok(Value::Number(-n)),
        (op, v) => Err(ErrorKind::UnaryOp(op, v).into()),
    }
}

/// hcl-rs's table of binary operators, on the values already evaluated.
pub fn binary(lhs: Value, op: BinaryOperator, rhs: Value) -> Result<Value, Error> {
    use BinaryOperator::*;
    use Value::{Bool, Number};
    Ok(match (lhs, op, rhs) {
        (lhs, Eq, rhs) => Bool(lhs == rhs),
        (lhs, NotEq, rhs) => Bool(lhs != rhs),
        (Bool(lhs), And, Bool(rhs)) => Bool(lhs && rhs),
        (Bool(lhs), Or, Bool(rhs)) => Bool(lhs || rhs),
        (Number(lhs), LessEq, Number(rhs)) => Bool(lhs <= rhs),
        (Number(lhs), GreaterEq, Number(rhs)) => Bool(lhs >= rhs),
        (Number(lhs), Less, Number(rhs)) => Bool(lhs < rhs),
        (Number(lhs), Greater, Number(rhs)) => Bool(lhs > rhs),
        (Number(lhs), op @ (Plus | Minus | Mul | Div | Mod), Number(rhs)) => {
            Number(arithmetic(lhs, op, rhs)?)
        }
        (lhs, op, rhs) => return Err(ErrorKind::BinaryOp(lhs, op, rhs).into()),
    })
}

/// `lhs op rhs` as hcl-rs computes it, except where hcl-rs would panic or
/// make a number that is not one: division or remainder by zero, integer
/// overflow (exact in 128 bits, else a float) and results beyond f64 are
/// errors. (`5 % 0` in a configuration once crashed rtm.)
fn arithmetic(
    lhs: hcl::Number,
    op: BinaryOperator,
    rhs: hcl::Number,
) -> Result<hcl::Number, Error> {
    use BinaryOperator::*;
    let fail =
        |what: &str| Error::from(ErrorKind::Message(format!("{what} in `{lhs} {op} {rhs}`")));
    if matches!(op, Div | Mod) && rhs.as_f64() == Some(0.0) {
        return Err(fail("division by zero"));
    }
    let int = |n: &hcl::Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    if op != Div
        && let (Some(a), Some(b)) = (int(&lhs), int(&rhs))
    {
        let exact = match op {
            Plus => a.checked_add(b),
            Minus => a.checked_sub(b),
            Mul => a.checked_mul(b),
            _ => a.checked_rem(b),
        };
        if let Some(n) = exact {
            if let Ok(i) = i64::try_from(n) {
                return Ok(hcl::Number::from(i));
            }
            if let Ok(u) = u64::try_from(n) {
                return Ok(hcl::Number::from(u));
            }
        }
    }
    let (a, b) = (
        lhs.as_f64().unwrap_or(f64::NAN),
        rhs.as_f64().unwrap_or(f64::NAN),
    );
    let x = match op {
        Plus => a + b,
        Minus => a - b,
        Mul => a * b,
        Div => a / b,
        _ => a % b,
    };
    // Integral results come back as integers, as hcl-rs makes them.
    hcl::Number::from_f64(x).ok_or_else(|| fail("a number out of range"))
}
