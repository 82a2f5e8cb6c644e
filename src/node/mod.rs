//! The N-API binding: converts JavaScript values and delegates to [`crate::core`].

mod binding;
mod drain;
mod fault;
#[cfg(unix)]
mod lane;
#[cfg(unix)]
mod uv;
mod values;
