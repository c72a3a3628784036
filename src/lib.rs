//! pinn: physics-informed neural networks built from simple sinusoidal networks.
//!
//! Data flows one way (README, "What a run does"): an equation file or a
//! [`problem::ProblemBuilder`] → [`problem::Problem`] → collocation points
//! ([`geometry`]) → [`net`] + [`jet`] → residuals ([`expr`]) → loss and
//! optimizer phases ([`train`]) → evaluation against [`reference`] →
//! [`report`]; [`solve`] runs the whole pipeline. Underneath:
//! [`scalar`] (the float types), [`multi_index`], [`unknowns`], [`config`]
//! and [`table`] (numeric CSV tables). [`bandwidth`] measures the NTK
//! bandwidth of the networks at initialization, behind the rule
//! ω = 2π·f_max/κ that `auto` ω uses. [`fit`] uses the same networks for
//! the paper's other task: a signal (audio, a picture) as a function of its
//! coordinates.
//!
//! A problem built in Rust, with its PDE residual as Rust code, trained and
//! checked in memory (`examples/heat_in_code.rs` is the full version):
//!
//! ```
//! use pinn::expr::Values;
//! use pinn::problem::{Condition, ProblemBuilder};
//! use pinn::solve::{train_and_evaluate, TrainOptions};
//!
//! let mut file = ProblemBuilder::new("heat")
//!     .inputs(&["t", "x"])
//!     .outputs(&["u"])
//!     .constant("alpha", "0.4 / pi^2")
//!     .domain("t", 0.0, 1.0)
//!     .domain("x", 0.0, 1.0)
//!     // u_t − α u_xx in Rust, reading u_t and u_xx (the same jets as an expression).
//!     .residual_code("diffusion", &["u_t", "u_xx", "alpha"], |v: &mut dyn Values| {
//!         let (u_t, u_xx, alpha) = (v.read(0), v.read(1), v.read(2));
//!         let d = v.mul(alpha, u_xx);
//!         v.sub(u_t, d)
//!     })
//!     .condition(Condition::on("t = 0").require("u = sin(pi * x)"))
//!     .condition(Condition::on("x = 0, x = 1").require("u = 0"))
//!     .reference("u", "exp(-alpha * pi^2 * t) * sin(pi * x)")
//!     .build()
//!     .expect("a valid problem");
//! // The defaults, shortened for a doc test.
//! file.config.adam.steps = 50;
//! file.config.quasi_newton.iters = 20;
//! file.config.sampling.interior_points = 256;
//! let trained = train_and_evaluate(&file.problem, &file.config, TrainOptions::default())
//!     .expect("trains");
//! println!("{}", trained.summary.line());
//! assert!(trained.summary.errors.unwrap().rel_l2[0] < 0.5);
//! ```
//!
//! The same from an equation file, into a run folder:
//!
//! ```no_run
//! use pinn::problem::EquationFile;
//! use pinn::solve::{solve, SolveOptions};
//!
//! let file = EquationFile::load("heat").expect("a builtin, or a path to a file");
//! let options = SolveOptions { out_dir: "results/runs/heat".into(), progress: true, stop: Default::default(), force: false };
//! let summary = solve(&file.problem, &file.config, &options).expect("solve");
//! println!("{}", summary.line());
//! ```

pub mod bandwidth;
pub mod config;
pub mod constraint;
pub mod evaluate;
pub mod expr;
pub mod fit;
pub mod geometry;
pub mod jet;
pub mod limits;
pub mod multi_index;
pub mod net;
pub mod problem;
pub mod reference;
pub mod report;
pub mod scalar;
pub mod simd;
pub mod solve;
pub mod table;
pub mod train;
pub mod unknowns;
