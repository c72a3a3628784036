//! The integration test binary: one module per concern.

mod balance;
mod bandwidth;
mod builder;
mod cli;
mod common;
mod conditions;
mod fit;
mod functions;
mod fuzz;
mod geometry;
mod hard;
mod hostile;
mod init;
mod inverse;
mod jets;
mod layout;
mod mixed;
mod navier_stokes;
mod omega_rule;
mod parser;
mod problem_set;
mod reference;
mod report;
mod resume;
mod run_folder;
mod training;
