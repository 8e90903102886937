//! Output handed to JavaScript: each chunk is copied into a Buffer that the
//! JavaScript engine allocates.
//!
//! A Buffer wrapping Rust's own allocation (napi's external buffers) is freed
//! only after a garbage collection and a later finalizer tick, and the engine
//! does not see the spare capacity of the vector behind it. Under a slow
//! reader that left about 90 MiB of dropped chunks waiting. An engine-owned
//! copy costs one memcpy per chunk and is counted exactly, so the collector
//! runs when the dropped chunks add up.

use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;

/// A chunk of output on its way to JavaScript, where it becomes a `Buffer`.
pub struct OutputChunk(pub Vec<u8>);

impl TypeName for OutputChunk {
    fn type_name() -> &'static str {
        "Buffer"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for OutputChunk {
    unsafe fn to_napi_value(env: sys::napi_env, chunk: Self) -> Result<sys::napi_value> {
        let mut buffer = ptr::null_mut();
        // SAFETY: the source pointer and length describe `chunk`'s live bytes; the engine copies
        // them before returning, and the result pointer is written only on success.
        let status = unsafe {
            sys::napi_create_buffer_copy(
                env,
                chunk.0.len(),
                chunk.0.as_ptr().cast(),
                ptr::null_mut(),
                &mut buffer,
            )
        };
        check_status!(
            status,
            "could not create a Buffer of {} bytes",
            chunk.0.len()
        )?;
        Ok(buffer)
    }
}
