//! Output of results: CSV tables, JSON, and PNG pictures.
//!
//! Pure output code: it takes plain numbers and names, never training
//! types, so any stage can report. Every file is written atomically
//! (temporary file in the same folder, then rename), so an interrupted run
//! never leaves a half-written result behind.

mod atomic;
mod csv_out;
mod error;
mod json;
pub mod plot;

pub use atomic::{write_atomic, write_bytes_atomic};
pub use csv_out::{write_cells_csv, write_solution_csv, write_table_csv, Cell, OutputColumns};
pub use error::ReportError;
pub use json::write_json;
pub use plot::{
    chart, chart_grid, curves, heatmaps, line_1d, pictures, slices, value_label, windows, Chart,
    Colormap, Panel, PanelScale, Picture, Series, SeriesStyle, Window,
};
