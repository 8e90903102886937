//! Output handed to JavaScript: each chunk is copied into a Buffer that the
//! JavaScript engine allocates.
//!
//! A Buffer wrapping Rust's own allocation (napi's external buffers) is freed
//! only after a garbage collection and a later finalizer tick, and the engine
//! does not see the spare capacity of the vector behind it. Under a slow
//! reader that left about 90 MiB of dropped chunks waiting. An engine-owned
//! copy is counted exactly, so the collector runs when the dropped chunks add
//! up; it is also where the reads a chunk is made of are joined, so each byte
//! is copied once on its way from the queue to JavaScript.

use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use rspty_core::Chunk;

/// A chunk of output on its way to JavaScript, where it becomes a `Buffer`.
pub struct OutputChunk(pub Chunk);

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
        let len = chunk.0.len();
        let mut data: *mut std::ffi::c_void = ptr::null_mut();
        let mut buffer = ptr::null_mut();
        // SAFETY: napi_create_buffer writes the new Buffer and the address of its `len` bytes
        // through the two valid out-pointers.
        let status = unsafe { sys::napi_create_buffer(env, len, &mut data, &mut buffer) };
        check_status!(status, "could not create a Buffer of {} bytes", len)?;
        let mut at = 0;
        for piece in chunk.0.pieces() {
            // SAFETY: the pieces add up to `len`, the size of the Buffer just created, and the
            // engine's new allocation cannot overlap them.
            unsafe {
                ptr::copy_nonoverlapping(piece.as_ptr(), data.cast::<u8>().add(at), piece.len())
            };
            at += piece.len();
        }
        Ok(buffer)
    }
}
