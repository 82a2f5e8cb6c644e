//! Tape → JavaScript: the drain function's argument built around a written [`Tape`], and
//! the few N-API value constructors the binding needs (strings, Buffers, coded errors).

use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;

use crate::core::error::Error as CoreError;
use crate::core::transfer::{Extra, MessageBatch, Tape};

/// The drain function's argument around the tape already written (see [`Drained`]).
pub(super) unsafe fn assemble(
    env: sys::napi_env,
    tape: &mut Tape,
    new_tape: Option<sys::napi_value>,
) -> Result<sys::napi_value> {
    // The text's chunks: the first travels alone, the rest in an array (see op::NEXT_TEXT).
    let mut chunks = Vec::new();
    for (range, ascii) in tape.text_chunks() {
        let part = &tape.text[range];
        let mut v = ptr::null_mut();
        if ascii {
            check(sys::napi_create_string_latin1(
                env,
                part.as_ptr().cast(),
                part.len() as isize,
                &mut v,
            ))?;
        } else {
            check(sys::napi_create_string_utf8(
                env,
                part.as_ptr().cast(),
                part.len() as isize,
                &mut v,
            ))?;
        }
        chunks.push(v);
    }
    let text_value = chunks[0];
    let Tape { bin, extras, .. } = tape;
    if bin.is_empty() && extras.is_empty() && new_tape.is_none() && chunks.len() == 1 {
        return Ok(text_value);
    }
    let bin_value = if bin.is_empty() {
        undefined(env)?
    } else {
        bytes(env, bin, true)?
    };
    let extras_value = if extras.is_empty() {
        undefined(env)?
    } else {
        let mut arr = ptr::null_mut();
        check(sys::napi_create_array_with_length(
            env,
            extras.len(),
            &mut arr,
        ))?;
        for (i, x) in extras.drain(..).enumerate() {
            check(sys::napi_set_element(env, arr, i as u32, extra(env, x)?))?;
        }
        arr
    };
    let more_texts = if chunks.len() == 1 {
        undefined(env)?
    } else {
        let mut arr = ptr::null_mut();
        check(sys::napi_create_array_with_length(
            env,
            chunks.len() - 1,
            &mut arr,
        ))?;
        for (i, v) in chunks[1..].iter().enumerate() {
            check(sys::napi_set_element(env, arr, i as u32, *v))?;
        }
        arr
    };
    let mut out = ptr::null_mut();
    check(sys::napi_create_array_with_length(env, 5, &mut out))?;
    let tape_value = match new_tape {
        Some(t) => t,
        None => undefined(env)?,
    };
    for (i, v) in [text_value, bin_value, extras_value, tape_value, more_texts]
        .into_iter()
        .enumerate()
    {
        check(sys::napi_set_element(env, out, i as u32, v))?;
    }
    Ok(out)
}

/// One value the tape could not carry inline.
unsafe fn extra(env: sys::napi_env, x: Extra) -> Result<sys::napi_value> {
    match x {
        Extra::Error(e) => error(env, &e),
        Extra::LockLost(e, watch) => {
            let err = error(env, &e)?;
            check(sys::napi_set_named_property(
                env,
                err,
                c"watchId".as_ptr(),
                int(env, watch as i64)?,
            ))?;
            Ok(err)
        }
        Extra::Text(t) => string(env, &t),
        Extra::Bytes(b) => bytes(env, &b, true),
        Extra::Messages(batch, binary) => {
            let mut arr = ptr::null_mut();
            check(sys::napi_create_array_with_length(env, 3, &mut arr))?;
            let mut n = 0;
            messages(env, batch, binary, &mut |v| {
                check(sys::napi_set_element(env, arr, n, v))?;
                n += 1;
                Ok(())
            })?;
            Ok(arr)
        }
    }
}

/// Puts a message batch's `payloads`, `names` and `meta` (see [`Drained`]).
unsafe fn messages(
    env: sys::napi_env,
    batch: MessageBatch,
    binary: bool,
    put: &mut impl FnMut(sys::napi_value) -> Result<()>,
) -> Result<()> {
    let MessageBatch {
        payloads,
        ascii,
        names,
        mut meta,
    } = batch;
    let mut all = ptr::null_mut();
    if binary {
        all = bytes(env, &payloads, true)?;
    } else if ascii {
        // One-byte string: offsets in bytes are offsets in characters.
        check(sys::napi_create_string_latin1(
            env,
            payloads.as_ptr().cast(),
            payloads.len() as isize,
            &mut all,
        ))?;
    } else {
        // JavaScript string offsets count UTF-16 units: decode each payload (invalid UTF-8
        // becomes U+FFFD, as for any other reply) and rewrite its end offset.
        let mut units: Vec<u16> = Vec::with_capacity(payloads.len());
        let mut start = 0usize;
        for end in meta.iter_mut().step_by(3) {
            let e = *end as usize;
            units.extend(String::from_utf8_lossy(&payloads[start..e]).encode_utf16());
            start = e;
            *end = units.len() as u32;
        }
        check(sys::napi_create_string_utf16(
            env,
            units.as_ptr(),
            units.len() as isize,
            &mut all,
        ))?;
    }
    put(all)?;
    let mut table = ptr::null_mut();
    check(sys::napi_create_array_with_length(
        env,
        names.len(),
        &mut table,
    ))?;
    for (i, n) in names.iter().enumerate() {
        check(sys::napi_set_element(
            env,
            table,
            i as u32,
            bytes(env, n, binary)?,
        ))?;
    }
    put(table)?;
    let mut data = ptr::null_mut();
    let mut buffer = ptr::null_mut();
    check(sys::napi_create_arraybuffer(
        env,
        meta.len() * 4,
        &mut data,
        &mut buffer,
    ))?;
    if !meta.is_empty() {
        ptr::copy_nonoverlapping(meta.as_ptr(), data.cast::<u32>(), meta.len());
    }
    let mut typed = ptr::null_mut();
    check(sys::napi_create_typedarray(
        env,
        sys::TypedarrayType::uint32_array,
        meta.len(),
        buffer,
        0,
        &mut typed,
    ))?;
    put(typed)
}

pub(super) fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            Status::from(status),
            "N-API call failed while converting a reply",
        ))
    }
}

unsafe fn int(env: sys::napi_env, i: i64) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    check(sys::napi_create_int64(env, i, &mut v))?;
    Ok(v)
}

unsafe fn undefined(env: sys::napi_env) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    check(sys::napi_get_undefined(env, &mut v))?;
    Ok(v)
}

unsafe fn string(env: sys::napi_env, b: &[u8]) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    check(sys::napi_create_string_utf8(
        env,
        b.as_ptr().cast(),
        b.len() as isize,
        &mut v,
    ))?;
    Ok(v)
}

unsafe fn bytes(env: sys::napi_env, b: &[u8], binary: bool) -> Result<sys::napi_value> {
    if !binary {
        return string(env, b);
    }
    let mut v = ptr::null_mut();
    let mut data = ptr::null_mut();
    check(sys::napi_create_buffer_copy(
        env,
        b.len(),
        b.as_ptr().cast(),
        &mut data,
        &mut v,
    ))?;
    Ok(v)
}

unsafe fn error(env: sys::napi_env, e: &CoreError) -> Result<sys::napi_value> {
    let code = string(env, e.code().as_bytes())?;
    let msg = string(env, e.to_string().as_bytes())?;
    let mut v = ptr::null_mut();
    match e {
        CoreError::InvalidArg(_) => check(sys::napi_create_type_error(env, code, msg, &mut v))?,
        _ => check(sys::napi_create_error(env, code, msg, &mut v))?,
    }
    Ok(v)
}
