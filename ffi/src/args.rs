//! Checked conversions of C arguments: pointers to references and slices, `(ptr, len)` to
//! UTF-8 text, and text into caller-owned buffers.

use std::ffi::c_char;

use crate::result::{FfiError, FfiResult, ts_result};

/// `&T` from a pointer that must not be NULL.
///
/// # Safety
/// A non-NULL `ptr` must point to a valid `T` for `'a`.
pub(crate) unsafe fn reference<'a, T>(ptr: *const T, what: &str) -> FfiResult<&'a T> {
    if !ptr.is_aligned() {
        return Err(misaligned(what));
    }
    // SAFETY: alignment checked; validity is the caller's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| FfiError::null(what))
}

/// `&mut T` from a pointer that must not be NULL.
///
/// # Safety
/// A non-NULL `ptr` must point to a valid `T`, not aliased, for `'a`.
pub(crate) unsafe fn reference_mut<'a, T>(ptr: *mut T, what: &str) -> FfiResult<&'a mut T> {
    if !ptr.is_aligned() {
        return Err(misaligned(what));
    }
    // SAFETY: alignment checked; validity is the caller's contract.
    unsafe { ptr.as_mut() }.ok_or_else(|| FfiError::null(what))
}

/// Checks an output pointer (non-NULL, aligned) without writing to it yet.
pub(crate) fn out_ptr<T>(ptr: *mut T, what: &str) -> FfiResult<*mut T> {
    if ptr.is_null() {
        Err(FfiError::null(what))
    } else if !ptr.is_aligned() {
        Err(misaligned(what))
    } else {
        Ok(ptr)
    }
}

fn misaligned(what: &str) -> FfiError {
    FfiError::new(
        ts_result::InvalidArgument,
        format!("{what} is not aligned for its type"),
    )
}

/// A slice from `(ptr, len)`. `len == 0` gives an empty slice whatever `ptr` is; otherwise
/// `ptr` must be non-NULL and aligned, and `len` must fit in `isize::MAX` bytes.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` valid, initialized `T`s for `'a`.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize, what: &str) -> FfiResult<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(FfiError::new(
            ts_result::NullArgument,
            format!("{what} is NULL but its length is {len}"),
        ));
    }
    if !ptr.is_aligned() {
        return Err(misaligned(what));
    }
    let max = isize::MAX.unsigned_abs() / size_of::<T>().max(1);
    if len > max {
        return Err(FfiError::new(
            ts_result::InvalidArgument,
            format!("{what}: length {len} is too large"),
        ));
    }
    // SAFETY: non-NULL, aligned, size bounded; validity is the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// UTF-8 text from `(ptr, len)` (not necessarily NUL-terminated), at most `max` bytes.
///
/// # Safety
/// As [`slice`].
pub(crate) unsafe fn text<'a>(
    ptr: *const c_char,
    len: usize,
    max: usize,
    what: &str,
) -> FfiResult<&'a str> {
    if len > max {
        return Err(FfiError::new(
            ts_result::InputTooLarge,
            format!("{what}: {len} bytes, at most {max} are accepted"),
        ));
    }
    // SAFETY: forwarded contract.
    let bytes = unsafe { slice(ptr.cast::<u8>(), len, what) }?;
    if bytes.is_ascii() {
        // SAFETY: ASCII is UTF-8 (the common case, checked word by word).
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).map_err(|e| {
        FfiError::new(
            ts_result::InvalidUtf8,
            format!("{what} is not valid UTF-8: {e}"),
        )
    })
}

/// Like [`text`], but a NULL pointer is the empty string (an optional JSON argument: settings,
/// options).
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn optional_text<'a>(
    ptr: *const c_char,
    len: usize,
    max: usize,
    what: &str,
) -> FfiResult<&'a str> {
    if ptr.is_null() {
        return Ok("");
    }
    // SAFETY: forwarded contract.
    unsafe { text(ptr, len, max, what) }
}

/// Writes `text` NUL-terminated into `buf` (`len` bytes) and its length (without the NUL) into
/// `*out_len`. When `len <= text.len()` nothing is written to `buf`, `*out_len` still receives
/// the length and the result is `BufferTooSmall` (the `snprintf` convention, so a caller can
/// query the size with `buf = NULL, len = 0`).
///
/// # Safety
/// A non-NULL `buf` must point to `len` writable bytes; `out_len` must be NULL or writable.
pub(crate) unsafe fn write_text(
    text: &str,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
    what: &str,
) -> FfiResult {
    let out_len = out_ptr(out_len, "the length output")?;
    if buf.is_null() && len > 0 {
        return Err(FfiError::new(
            ts_result::NullArgument,
            format!("{what} buffer is NULL but its length is {len}"),
        ));
    }
    let n = text.len();
    if len <= n {
        // SAFETY: checked non-NULL and aligned above.
        unsafe { out_len.write(n) };
        return Err(FfiError::new(
            ts_result::BufferTooSmall,
            format!(
                "{what}: a buffer of {len} bytes is too small, {} are needed",
                n + 1
            ),
        ));
    }
    // SAFETY: `buf` has `len > n` writable bytes; `out_len` checked above.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
        *buf.add(n) = 0;
        out_len.write(n);
    }
    Ok(())
}
