//! The integration test binary: one module per concern.

mod common;
mod jets;
mod parser;
mod reference;
mod report;
