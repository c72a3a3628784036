//! pinn: physics-informed neural networks built from simple sinusoidal networks.
//!
//! Data flows one way (see DESIGN.md): equation file → [`problem::Problem`] →
//! [`sample`] → [`net`] + [`jet`] → residuals ([`expr`]) → loss and optimizer
//! ([`train`]) → evaluation against [`reference`] → [`report`].

pub mod config;
pub mod evaluate;
pub mod expr;
pub mod jet;
pub mod multi_index;
pub mod net;
pub mod problem;
pub mod reference;
pub mod report;
pub mod sample;
pub mod solve;
pub mod train;
