//! pinn: physics-informed neural networks built from simple sinusoidal networks.
//!
//! Data flows one way (README, "What a run does"): equation file →
//! [`problem::Problem`] → points ([`geometry`]) → [`net`] + [`jet`] → residuals
//! ([`expr`]) → loss and optimizer ([`train`]) → evaluation against
//! [`reference`] → [`report`]; [`solve`] runs the whole pipeline.
//! [`bandwidth`] measures the NTK bandwidth of the networks at
//! initialization, behind the rule ω = 2π·f_max/κ that `auto` ω uses.
//! [`fit`] uses the same networks for the paper's other task: a signal
//! (audio, a picture) as a function of its coordinates.
//!
//! ```
//! use pinn::problem::EquationFile;
//! use pinn::solve::{solve, SolveOptions};
//! use std::sync::{atomic::AtomicBool, Arc};
//!
//! // A built-in equation (or a path to a file).
//! let EquationFile { problem, mut config } = EquationFile::load("heat").expect("built-in");
//! // The file's settings, shortened for a doc test.
//! config.adam.steps = 50;
//! config.quasi_newton.iters = 20;
//! config.sampling.interior_points = 256;
//! let out = std::env::temp_dir().join("pinn-doc-example");
//! let options = SolveOptions { out_dir: out.clone(), progress: false, stop: Arc::new(AtomicBool::new(false)) };
//! let summary = solve(&problem, &config, &options).expect("solve");
//! println!("{}", summary.line());
//! assert!(summary.errors.unwrap().rel_l2[0] < 0.5);
//! assert!(out.join("solution.csv").is_file());
//! ```

pub mod bandwidth;
pub mod config;
pub mod evaluate;
pub mod expr;
pub mod fit;
pub mod geometry;
pub mod jet;
pub mod multi_index;
pub mod net;
pub mod problem;
pub mod reference;
pub mod report;
pub mod scalar;
pub mod solve;
pub mod table;
pub mod train;
pub mod unknowns;
