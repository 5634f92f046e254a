//! Rebuilds the binary when the studio page's files change: they are embedded with
//! include_dir, which cannot tell cargo which files it read.
fn main() {
    println!("cargo:rerun-if-changed=src/cli/studio/page");
}
