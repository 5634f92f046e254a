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
    promote_thread(current_thread_id())
}

/// Asks for real-time (SCHED_FIFO) scheduling for thread `id` of this process (from
/// [`current_thread_id`], e.g. an output stream's callback thread, promoted from outside so
/// that the audio thread itself makes no system call for it). Returns whether it was granted.
pub fn promote_thread(id: u64) -> bool {
    #[cfg(target_os = "linux")]
    {
        if id == 0 {
            return false;
        }
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
        // SAFETY: `id` is a pthread id of a running thread of this process (the caller holds
        // what runs it); the parameter is valid.
        unsafe { libc::pthread_setschedparam(id as libc::pthread_t, libc::SCHED_FIFO, &param) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = id;
        false
    }
}

/// The calling thread's id, to look at its scheduling from another thread (0 where there
/// is no such id). Reads thread-local state only: safe on the audio thread.
pub fn current_thread_id() -> u64 {
    #[cfg(unix)]
    {
        // SAFETY: pthread_self has no preconditions and cannot fail.
        unsafe { libc::pthread_self() as u64 }
    }
    #[cfg(not(unix))]
    {
        0
    }
}

/// Whether thread `id` (from [`current_thread_id`], 0 = unknown) runs at real-time priority,
/// and a few words saying how it is scheduled.
pub fn describe_thread(id: u64) -> (Option<bool>, String) {
    #[cfg(target_os = "linux")]
    if id != 0 {
        let mut policy: libc::c_int = 0;
        let mut param = libc::sched_param { sched_priority: 0 };
        // SAFETY: the id came from pthread_self of a thread of this process that is still
        // running (the output stream holds it); both pointers are valid for the call.
        let ok = unsafe {
            libc::pthread_getschedparam(id as libc::pthread_t, &mut policy, &mut param) == 0
        };
        if ok {
            let name = match policy & !libc::SCHED_RESET_ON_FORK {
                libc::SCHED_FIFO => "SCHED_FIFO",
                libc::SCHED_RR => "SCHED_RR",
                _ => return (Some(false), "normal priority".into()),
            };
            return (
                Some(true),
                format!("real-time ({name} {})", param.sched_priority),
            );
        }
    }
    let _ = id;
    (None, "priority not known".into())
}

/// Gives real-time priority to the other threads of this process that share thread `id`'s
/// name: a sound server's client library runs a second thread per stream beside the one
/// that runs the callback (PipeWire's data loop), and a stream is only as punctual as the
/// slowest of them. Returns how many were promoted.
pub fn promote_siblings(id: u64) -> usize {
    #[cfg(target_os = "linux")]
    {
        let Some(name) = thread_name(id) else {
            return 0;
        };
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return 0;
        };
        let param = libc::sched_param {
            sched_priority: PRIORITY,
        };
        let mut promoted = 0;
        for task in tasks.flatten() {
            let same = std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| comm.trim_end() == name);
            let tid = task
                .file_name()
                .to_str()
                .and_then(|t| t.parse::<libc::pid_t>().ok());
            if let (true, Some(tid)) = (same, tid) {
                // SAFETY: sets the policy of a thread of this process with a valid parameter;
                // a thread that has ended in the meantime makes the call fail, nothing else.
                if unsafe { libc::sched_setscheduler(tid, libc::SCHED_FIFO, &param) } == 0 {
                    promoted += 1;
                }
            }
        }
        promoted
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = id;
        0
    }
}

/// Returns thread `id` to normal scheduling (an output that turned out to spin).
pub fn demote_thread(id: u64) -> bool {
    #[cfg(target_os = "linux")]
    {
        if id == 0 {
            return false;
        }
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: as in `promote_thread`.
        unsafe {
            libc::pthread_setschedparam(id as libc::pthread_t, libc::SCHED_OTHER, &param) == 0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = id;
        false
    }
}

/// The name of thread `id` of this process.
#[cfg(target_os = "linux")]
fn thread_name(id: u64) -> Option<String> {
    if id == 0 {
        return None;
    }
    let mut buf = [0 as libc::c_char; 64];
    // SAFETY: a running thread of this process; the buffer is valid for its length.
    let ok =
        unsafe { libc::pthread_getname_np(id as libc::pthread_t, buf.as_mut_ptr(), buf.len()) };
    if ok != 0 {
        return None;
    }
    // SAFETY: pthread_getname_np wrote a NUL-terminated string into the buffer.
    let name = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    name.to_str().ok().map(str::to_string)
}
