//! Helper threads that must not slow down the work they run beside.

/// Make the calling thread yield to the build's own threads.
///
/// With `idle_class` (serve's background search index) the thread joins
/// Linux's idle class: it runs only on a core nothing else wants (at nice
/// 10 it still took a tenth of a core from each edit's render). Otherwise
/// it gets the lowest nice level, which still guarantees it a share: a
/// build waits for these threads' results, and must not stall on a busy
/// machine.
pub fn lower_priority(idle_class: bool) {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread's own id, with a
    // parameter struct that lives across the call.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::pid_t;
        let param = libc::sched_param { sched_priority: 0 };
        if !idle_class || libc::sched_setscheduler(tid, libc::SCHED_IDLE, &param) != 0 {
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = idle_class;
}
