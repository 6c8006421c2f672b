//! Helper threads that must not slow down the work they run beside.

/// For background work nobody waits for (serve's search index): the thread
/// joins Linux's idle class and runs only on a core nothing else wants (at
/// nice 10 it still took a tenth of a core from each edit's render).
/// Where that is refused, it gets the lowest nice level.
pub fn run_when_idle() {
    #[cfg(target_os = "linux")]
    {
        // Zeroed, then the one field set: musl's struct has more fields
        // than glibc's (sched_priority 0 is all SCHED_IDLE takes).
        // SAFETY: sched_param is plain integers, for which zero is valid.
        let mut param: libc::sched_param = unsafe { std::mem::zeroed() };
        param.sched_priority = 0;
        // SAFETY: a plain system call on the calling thread's own id, with
        // a parameter struct that lives across the call.
        if unsafe { libc::sched_setscheduler(thread_id(), libc::SCHED_IDLE, &param) } != 0 {
            yield_to_others();
        }
    }
}

/// For helper work a build waits for (the photo index, the output
/// listing): the lowest nice level, which yields to the build's own threads
/// but still guarantees a share, so a busy machine cannot stall the build.
pub fn yield_to_others() {
    #[cfg(target_os = "linux")]
    // SAFETY: a plain system call on the calling thread's own id.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, thread_id() as libc::id_t, 19);
    }
}

#[cfg(target_os = "linux")]
fn thread_id() -> libc::pid_t {
    // SAFETY: gettid takes no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as libc::pid_t }
}

/// Free `value` on a thread of its own: a build's pages, photos and
/// sources are tens of thousands of allocations, and freeing them took
/// milliseconds the build's result does not have to wait for. (When the
/// process ends first, the system takes the memory back at once.)
pub fn drop_in_background<T: Send + 'static>(value: T) {
    // (When no thread can be made, `value` is freed here, with the closure.)
    let _ = std::thread::Builder::new()
        .name("wenming-drop".into())
        .spawn(move || {
            yield_to_others();
            drop(value);
        });
}
