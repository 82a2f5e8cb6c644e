//! The N-API binding: converts JavaScript values and delegates to [`crate::core`].

mod binding;
#[cfg(unix)]
mod lane;
#[cfg(unix)]
mod uv;
