//! The integration tests, in one binary (as ripgrep's are): a module per area, and
//! `harness` for what they share. One binary links once, instead of once per file.
//!
//! The end-to-end tests through real audio servers are a binary of their own (`e2e.rs`): they
//! need the machine to themselves, one at a time.

// The whole binary runs on this allocator: the system allocator, which also counts, per
// thread, allocations made inside `assert_no_alloc`. Only
// `realtime::the_callback_never_allocates` enters it, on its own thread, and reads that
// thread's count, so the tests running beside it neither add to it nor are measured.
#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

mod harness;

mod ab;
mod alsa_null;
mod cli;
mod conventions;
mod db;
mod decode;
mod dsp_response;
mod engine;
mod export;
mod faults;
mod fit;
mod fuzz_corpus;
mod fuzz_props;
mod import;
mod play;
mod playback_faults;
mod presets;
mod realtime;
mod render_many;
mod studio;
