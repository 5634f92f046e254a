//! Layer 2, below [`crate::fit`] and [`crate::preset`]: the EQ maths both need. Responses
//! of real biquads on a frequency grid, value ranges, and the one fitter (Levenberg–Marquardt
//! over the bands' parameters, with its one linear solver) that fits a correction curve for
//! `iemlab fit` and re-sets bands when a profile is exported to a device that cannot hold it.

pub mod bands;
pub mod goal;
pub mod graphic;
pub mod linalg;
pub mod peq;
pub mod range;
pub mod response;
pub mod solver;

pub use bands::{GAIN_PENALTY, fit_bands, fit_bands_from};
pub use goal::Goal;
pub use range::Range;
pub use response::{ResponseGrid, standard_freqs};
pub use solver::{Problem, Slot};
