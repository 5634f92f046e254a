//! End to end through real audio servers: so far, the comparison of a server's recording
//! with the file played.

mod e2e {
    pub mod compare;
    pub mod noise;
}
