//! Columns of numbers from Python: a list or tuple, anything exporting a one-dimensional
//! buffer (`array.array`, numpy arrays, `memoryview`), anything with `tolist()`, or a single
//! number for every row. numpy is never imported: buffers are read through `memoryview`.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyList, PyMemoryView, PyString, PyTuple};

use crate::errors::invalid_input;

/// One column: a value per row, or one value for all rows.
#[derive(Debug, Clone)]
pub(crate) enum Column<T> {
    /// `values[i]` is row `i`'s value.
    Each(Vec<T>),
    /// The same value for every row.
    All(T),
}

/// Numbers decoded from a buffer, in the type the buffer holds.
enum Decoded {
    Floats(Vec<f64>),
    Ints(Vec<i64>),
}

/// A buffer's format character and byte order (`true`: little-endian).
fn format(fmt: &str) -> Option<(char, bool)> {
    let native_le = cfg!(target_endian = "little");
    let mut chars = fmt.chars();
    let (code, le) = match chars.next()? {
        '@' | '=' => (chars.next()?, native_le),
        '<' => (chars.next()?, true),
        '>' | '!' => (chars.next()?, false),
        c => (c, native_le),
    };
    chars.next().is_none().then_some((code, le))
}

fn bytes_n<const N: usize>(chunk: &[u8], le: bool) -> [u8; N] {
    let mut out = [0u8; N];
    for (o, b) in out.iter_mut().zip(chunk) {
        *o = *b;
    }
    if le != cfg!(target_endian = "little") {
        out.reverse();
    }
    out
}

/// Decodes the bytes of a one-dimensional buffer of format `code` and `size`-byte items.
fn decode(what: &str, code: char, le: bool, size: usize, raw: &[u8]) -> PyResult<Decoded> {
    let signed = code.is_ascii_lowercase();
    let ints = |f: &dyn Fn(&[u8]) -> i64| Decoded::Ints(raw.chunks_exact(size).map(f).collect());
    Ok(match (code, size) {
        ('d', 8) => Decoded::Floats(
            raw.chunks_exact(8)
                .map(|c| f64::from_ne_bytes(bytes_n(c, le)))
                .collect(),
        ),
        ('f', 4) => Decoded::Floats(
            raw.chunks_exact(4)
                .map(|c| f64::from(f32::from_ne_bytes(bytes_n(c, le))))
                .collect(),
        ),
        ('?', 1) => ints(&|c| i64::from(c.first().copied().unwrap_or(0) != 0)),
        ('b' | 'B' | 'c', 1) => ints(&|c| {
            let b = c.first().copied().unwrap_or(0);
            if signed {
                i64::from(b as i8)
            } else {
                i64::from(b)
            }
        }),
        ('h' | 'H', 2) => ints(&|c| {
            let b = bytes_n::<2>(c, le);
            if signed {
                i64::from(i16::from_ne_bytes(b))
            } else {
                i64::from(u16::from_ne_bytes(b))
            }
        }),
        ('i' | 'I' | 'l' | 'L', 4) => ints(&|c| {
            let b = bytes_n::<4>(c, le);
            if signed {
                i64::from(i32::from_ne_bytes(b))
            } else {
                i64::from(u32::from_ne_bytes(b))
            }
        }),
        ('i' | 'I' | 'l' | 'L' | 'q' | 'Q' | 'n' | 'N', 8) => ints(&|c| {
            let b = bytes_n::<8>(c, le);
            if signed {
                i64::from_ne_bytes(b)
            } else {
                // beyond i64::MAX: saturate (rejected later as too large)
                i64::try_from(u64::from_ne_bytes(b)).unwrap_or(i64::MAX)
            }
        }),
        _ => {
            return Err(invalid_input(format!(
                "{what}: unsupported buffer format {code:?} ({size}-byte items); use float64, float32 or integers"
            )));
        }
    })
}

/// The numbers of `obj` through the buffer protocol, or `None` when it exports no buffer.
fn from_buffer(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Option<Decoded>> {
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Ok(None);
    }
    let Ok(view) = PyMemoryView::from(obj) else {
        return Ok(None);
    };
    let ndim: usize = view.getattr("ndim")?.extract()?;
    if ndim != 1 {
        return Err(invalid_input(format!(
            "{what}: expected a one-dimensional array, got {ndim} dimensions"
        )));
    }
    let fmt: String = view.getattr("format")?.extract()?;
    let size: usize = view.getattr("itemsize")?.extract()?;
    let Some((code, le)) = format(&fmt) else {
        return Err(invalid_input(format!(
            "{what}: unsupported buffer format {fmt:?}"
        )));
    };
    // `tobytes` copies in logical order, also for strided views
    let raw = view.call_method0("tobytes")?;
    let raw = raw.cast::<PyBytes>()?;
    decode(what, code, le, size, raw.as_bytes()).map(Some)
}

fn is_scalar(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyFloat>() || obj.is_instance_of::<PyInt>()
}

fn not_numbers(what: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    let ty = obj
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
    invalid_input(format!(
        "{what}: expected a sequence of numbers (list, tuple, array.array or numpy array), not a {ty}"
    ))
}

/// A column of floats of length `n` (or one number for all).
pub(crate) fn floats(what: &str, obj: &Bound<'_, PyAny>, n: usize) -> PyResult<Column<f64>> {
    if is_scalar(obj) && !obj.is_instance_of::<PyBool>() {
        return Ok(Column::All(obj.extract()?));
    }
    let v = if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        match obj.extract::<Vec<f64>>() {
            Ok(v) => v,
            Err(_) => item_by_item(what, obj, |x| x.extract::<f64>().ok())?,
        }
    } else if let Some(d) = from_buffer(what, obj)? {
        match d {
            Decoded::Floats(v) => v,
            // integers in metric units: exact below 2**53, the range that matters
            Decoded::Ints(v) => v.into_iter().map(|x| x as f64).collect(),
        }
    } else if obj.hasattr("tolist")? {
        return floats(what, &obj.call_method0("tolist")?, n);
    } else {
        item_by_item(what, obj, |x| x.extract::<f64>().ok())?
    };
    check_len(what, v.len(), n)?;
    Ok(Column::Each(v))
}

/// A column of integers of length `n` (or one integer for all); floats must be integral.
pub(crate) fn ints(what: &str, obj: &Bound<'_, PyAny>, n: usize) -> PyResult<Column<i64>> {
    if obj.is_instance_of::<PyInt>() {
        return Ok(Column::All(obj.extract()?));
    }
    let integral = |x: f64| (x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64);
    let v = if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        match obj.extract::<Vec<i64>>() {
            Ok(v) => v,
            Err(_) => item_by_item(what, obj, |x| {
                x.extract::<i64>()
                    .ok()
                    .or_else(|| x.extract::<f64>().ok().and_then(integral))
            })?,
        }
    } else if let Some(d) = from_buffer(what, obj)? {
        match d {
            Decoded::Ints(v) => v,
            Decoded::Floats(v) => {
                let mut out = Vec::with_capacity(v.len());
                for (i, x) in v.into_iter().enumerate() {
                    out.push(integral(x).ok_or_else(|| {
                        invalid_input(format!("{what}[{i}]: {x} is not an integer"))
                    })?);
                }
                out
            }
        }
    } else if obj.hasattr("tolist")? {
        return ints(what, &obj.call_method0("tolist")?, n);
    } else {
        item_by_item(what, obj, |x| x.extract::<i64>().ok())?
    };
    check_len(what, v.len(), n)?;
    Ok(Column::Each(v))
}

fn check_len(what: &str, got: usize, n: usize) -> PyResult<()> {
    if got == n {
        Ok(())
    } else {
        Err(invalid_input(format!(
            "{what}: {got} values for a fleet of {n} (give one per HPA, or one number for all)"
        )))
    }
}

/// The slow path: any iterable, with the index of the first bad item in the error.
fn item_by_item<T>(
    what: &str,
    obj: &Bound<'_, PyAny>,
    one: impl Fn(&Bound<'_, PyAny>) -> Option<T>,
) -> PyResult<Vec<T>> {
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(not_numbers(what, obj));
    }
    let iter = obj.try_iter().map_err(|_| not_numbers(what, obj))?;
    let mut out = Vec::new();
    for (i, item) in iter.enumerate() {
        let item = item?;
        let v = if item.is_instance_of::<PyBool>() {
            None
        } else {
            one(&item)
        };
        out.push(v.ok_or_else(|| {
            invalid_input(format!(
                "{what}[{i}]: expected a number, not {}",
                item.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        })?);
    }
    Ok(out)
}
