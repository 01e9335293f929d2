//! The process's allocator: mimalloc. Many short-lived connections allocate
//! and free small buffers on several threads; glibc's allocator spent twice
//! the time of mimalloc on that pattern in the SMTP AUTH benchmark.
//!
//! mimalloc keeps memory a thread freed for that thread's next allocations
//! and returns it to the system later, when the thread allocates again. A
//! blocking thread that has just freed argon2's 19 MiB block may then sit
//! idle for minutes holding it, so such work calls [`release_freed`].

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Returns what the calling thread has freed to the system now (a few
/// microseconds; call it after large, rare work, not per request).
pub fn release_freed() {
    // SAFETY: `mi_collect` takes no pointers and may be called from any
    // thread at any time; it only returns unused memory.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
