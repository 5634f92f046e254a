//! Real-time scheduling for the thread that feeds the output, as audio servers give their
//! audio threads: a sound card does not wait for a busy CPU. Granted to root, or to users
//! with a real-time priority limit (e.g. `@audio - rtprio 95` in
//! `/etc/security/limits.conf`); otherwise the thread stays a normal one.

/// SCHED_FIFO priority asked for: above ordinary threads, below interrupt threads (50).
#[cfg(target_os = "linux")]
const PRIORITY: libc::c_int = 40;

/// Asks for real-time (SCHED_FIFO) scheduling for the calling thread, at most at the
/// priority the process's limit allows. Returns whether it was granted.
pub fn promote_current_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one rlimit through a valid pointer.
        let allowed = if unsafe { libc::getrlimit(libc::RLIMIT_RTPRIO, &mut limit) } == 0 {
            limit.rlim_cur
        } else {
            0
        };
        // Root may exceed the limit; others get at most what it allows.
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let priority = if root {
            PRIORITY
        } else {
            PRIORITY.min(libc::c_int::try_from(allowed).unwrap_or(PRIORITY))
        };
        if priority < 1 {
            return false;
        }
        let param = libc::sched_param {
            sched_priority: priority,
        };
        // SAFETY: sets the scheduling policy of the calling thread with a valid parameter.
        unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}
