//! Numeric tables in CSV: the one reader behind observation files, reference
//! tables and CSV signals, so that all of them agree on what a table is and
//! on where a bad cell is.
//!
//! A table has a header row naming its columns; cells are trimmed, a row must
//! have as many cells as the header, and the chosen columns are read as
//! finite numbers. Every error carries the position of what is wrong (line,
//! character column and byte offset into the text) and the column concerned,
//! so each caller words it in its own error type.
//!
//! ```
//! use pinn::table::{Column, Options, Table};
//!
//! let table = Table::from_text("x, u\n0, 1.5\n1, \n", "data.csv", Options::default()).unwrap();
//! let columns = [Column::number(table.column("x").unwrap()), Column::blank_as_nan(1)];
//! let rows = table.rows(&columns).unwrap();
//! assert_eq!(rows[0], [0.0, 1.5]);
//! assert!(rows[1][1].is_nan());
//! ```

use std::fmt;
use std::io::{Cursor, Read};

/// Where something is in a table's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: u64,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte offset from the start of the text.
    pub byte: usize,
}

/// What is wrong with a table.
#[derive(Debug)]
pub enum ErrorKind {
    /// The source could not be read.
    Io(std::io::Error),
    /// The header names no column (an empty or blank text).
    NoHeader,
    /// No column has the error's name; `header` is the names there are.
    MissingColumn { header: Vec<String> },
    /// The error's column name appears more than once in the header.
    DuplicateColumn,
    /// A row has `found` cells where the header has `expected`.
    Ragged { expected: u64, found: u64 },
    /// A row (record `record`, 0 for the header) is not valid UTF-8.
    Utf8 { record: u64, error: csv::Utf8Error },
    /// A cell is not a number; `cell` is its trimmed text, empty when blank.
    NotNumber { cell: String },
    /// A cell is a number but not a finite one (NaN, inf).
    NotFinite { cell: String },
    /// The caller's check refused the cell's value, saying why.
    Rejected { cell: String, message: String },
}

/// A table that cannot be read, and where.
#[derive(Debug)]
pub struct TableError {
    /// The file (or the name standing for it).
    pub file: String,
    /// The offending cell; for a header problem, the header's cell or its
    /// start; for a ragged or non-UTF-8 row, the row's start. `None` only
    /// for [`ErrorKind::Io`].
    pub position: Option<Position>,
    /// The column's 0-based index in the header, when one is concerned.
    pub field: Option<usize>,
    /// The column's name, when one is concerned and known.
    pub column: Option<String>,
    pub kind: ErrorKind,
}

impl TableError {
    /// What is wrong, without the file and position.
    pub fn message(&self) -> String {
        let column = self.column.as_deref().unwrap_or("");
        match &self.kind {
            ErrorKind::Io(e) => format!("cannot read the table: {e}"),
            ErrorKind::NoHeader => "the table is empty (no header)".into(),
            ErrorKind::MissingColumn { header } => {
                format!("no column `{column}` (header: {})", header.join(", "))
            }
            ErrorKind::DuplicateColumn => format!("column `{column}` appears more than once"),
            ErrorKind::Ragged { expected, found } => {
                format!("row has {found} fields, expected {expected} like the header")
            }
            ErrorKind::Utf8 { error, .. } => format!("invalid UTF-8: {error}"),
            ErrorKind::NotNumber { cell } if cell.is_empty() => {
                format!("column `{column}`: empty cell")
            }
            ErrorKind::NotNumber { cell } => format!("column `{column}`: `{cell}` is not a number"),
            ErrorKind::NotFinite { cell } => format!("column `{column}`: `{cell}` is not finite"),
            ErrorKind::Rejected { message, .. } => format!("column `{column}`: {message}"),
        }
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(
                f,
                "{}:{}:{}: {}",
                self.file,
                p.line,
                p.column,
                self.message()
            ),
            None => write!(f, "{}: {}", self.file, self.message()),
        }
    }
}

impl std::error::Error for TableError {}

/// How a table is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Lines starting with `#` are comments (a reference table's source).
    pub comments: bool,
}

/// One column to read: its index in the header, and whether a blank cell
/// reads as NaN (no value there) instead of being an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub index: usize,
    pub blank_as_nan: bool,
}

impl Column {
    /// Every cell must be a finite number.
    pub fn number(index: usize) -> Self {
        Self {
            index,
            blank_as_nan: false,
        }
    }

    /// A finite number, or blank for NaN.
    pub fn blank_as_nan(index: usize) -> Self {
        Self {
            index,
            blank_as_nan: true,
        }
    }
}

/// A CSV table whose header has been read; its rows are read on demand, in
/// order, so an error in a row is found after those of the rows above it.
pub struct Table {
    file: String,
    reader: csv::Reader<Cursor<Vec<u8>>>,
    header: Vec<String>,
    /// Byte offset and line of the header row (after any comment lines).
    header_at: (usize, u64),
    comments: bool,
}

impl Table {
    /// A table from `text`; `file` names it in errors.
    pub fn from_text(text: &str, file: &str, options: Options) -> Result<Self, Box<TableError>> {
        Self::from_bytes(text.as_bytes().to_vec(), file, options)
    }

    /// A table from everything `source` holds (read at once: cell positions
    /// need the text).
    pub fn from_reader(
        mut source: impl Read,
        file: &str,
        options: Options,
    ) -> Result<Self, Box<TableError>> {
        let mut bytes = Vec::new();
        source.read_to_end(&mut bytes).map_err(|e| {
            Box::new(TableError {
                file: file.to_string(),
                position: None,
                field: None,
                column: None,
                kind: ErrorKind::Io(e),
            })
        })?;
        Self::from_bytes(bytes, file, options)
    }

    fn from_bytes(bytes: Vec<u8>, file: &str, options: Options) -> Result<Self, Box<TableError>> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(options.comments.then_some(b'#'))
            .from_reader(Cursor::new(bytes));
        let header = reader.headers().cloned();
        let text = reader.get_ref().get_ref();
        let header = header.map_err(|e| csv_error(file, text, options.comments, e))?;
        let header_at = row_start(text, header.position(), options.comments);
        Ok(Self {
            file: file.to_string(),
            reader,
            header: header.iter().map(str::to_string).collect(),
            header_at,
            comments: options.comments,
        })
    }

    /// The column names, trimmed, in file order.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// An error unless the header names at least one column.
    pub fn require_header(&self) -> Result<(), Box<TableError>> {
        if self.header.iter().all(String::is_empty) {
            return Err(self.header_error(None, ErrorKind::NoHeader));
        }
        Ok(())
    }

    /// An error at the second occurrence of the first name the header
    /// repeats (whether or not that column is read).
    pub fn require_unique_names(&self) -> Result<(), Box<TableError>> {
        match (0..self.header.len()).find(|&i| self.header[..i].contains(&self.header[i])) {
            Some(i) => Err(self.header_error(Some(i), ErrorKind::DuplicateColumn)),
            None => Ok(()),
        }
    }

    /// The index of the first column named `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The index of the one column named `name`: an error when there is no
    /// such column or more than one.
    pub fn column(&self, name: &str) -> Result<usize, Box<TableError>> {
        let mut hits = (0..self.header.len()).filter(|&i| self.header[i] == name);
        match (hits.next(), hits.next()) {
            (Some(i), None) => Ok(i),
            (Some(_), Some(second)) => {
                Err(self.header_error(Some(second), ErrorKind::DuplicateColumn))
            }
            (None, _) => {
                let mut e = self.header_error(
                    None,
                    ErrorKind::MissingColumn {
                        header: self.header.clone(),
                    },
                );
                e.column = Some(name.to_string());
                Err(e)
            }
        }
    }

    /// Reads every remaining row: per row, the value of each of `columns`,
    /// in their order.
    pub fn rows(self, columns: &[Column]) -> Result<Vec<Vec<f64>>, Box<TableError>> {
        self.rows_checked(columns, |_, _| Ok(()))
    }

    /// As [`Table::rows`], with `check(k, value)` run on each value of
    /// `columns[k]` as it is read; a refusal is an error at that cell.
    pub fn rows_checked<F>(
        mut self,
        columns: &[Column],
        mut check: F,
    ) -> Result<Vec<Vec<f64>>, Box<TableError>>
    where
        F: FnMut(usize, f64) -> Result<(), String>,
    {
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        loop {
            let more = self.reader.read_record(&mut record);
            if !more.map_err(|e| csv_error(&self.file, self.text(), self.comments, e))? {
                return Ok(rows);
            }
            let mut row = Vec::with_capacity(columns.len());
            for (k, &column) in columns.iter().enumerate() {
                let v = self.number(&record, column)?;
                check(k, v).map_err(|message| {
                    let cell = cell_text(&record, column.index);
                    self.cell_error(&record, column.index, ErrorKind::Rejected { cell, message })
                })?;
                row.push(v);
            }
            rows.push(row);
        }
    }

    /// The value of `column` in `record`.
    fn number(&self, record: &csv::StringRecord, column: Column) -> Result<f64, Box<TableError>> {
        let cell = cell_text(record, column.index);
        if cell.is_empty() && column.blank_as_nan {
            return Ok(f64::NAN);
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(self.cell_error(record, column.index, ErrorKind::NotFinite { cell })),
            Err(_) => Err(self.cell_error(record, column.index, ErrorKind::NotNumber { cell })),
        }
    }

    fn text(&self) -> &[u8] {
        self.reader.get_ref().get_ref()
    }

    /// An error at header cell `field`, or at the header's start.
    fn header_error(&self, field: Option<usize>, kind: ErrorKind) -> Box<TableError> {
        let (start, line) = self.header_at;
        let at = field.map_or(start, |i| field_offset(self.text(), start, i));
        Box::new(TableError {
            file: self.file.clone(),
            position: Some(position(self.text(), start, line, at)),
            field,
            column: field.map(|i| self.header[i].clone()),
            kind,
        })
    }

    /// An error at cell `field` of `record`.
    fn cell_error(
        &self,
        record: &csv::StringRecord,
        field: usize,
        kind: ErrorKind,
    ) -> Box<TableError> {
        let (start, line) = row_start(self.text(), record.position(), self.comments);
        let at = field_offset(self.text(), start, field);
        Box::new(TableError {
            file: self.file.clone(),
            position: Some(position(self.text(), start, line, at)),
            field: Some(field),
            column: self.header.get(field).cloned(),
            kind,
        })
    }
}

/// The trimmed text of cell `field` (rows have the header's width; a
/// missing cell reads as blank).
fn cell_text(record: &csv::StringRecord, field: usize) -> String {
    record.get(field).unwrap_or("").to_string()
}

/// csv's errors while reading: ragged rows and invalid UTF-8, at the start
/// of the row.
fn csv_error(file: &str, text: &[u8], comments: bool, e: csv::Error) -> Box<TableError> {
    let position = e.position().map(|p| {
        let (start, line) = row_start(text, Some(p), comments);
        position(text, start, line, start)
    });
    let message = e.to_string();
    let (field, kind) = match e.into_kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            None,
            ErrorKind::Ragged {
                expected: expected_len,
                found: len,
            },
        ),
        csv::ErrorKind::Utf8 { pos, err } => (
            Some(err.field()),
            ErrorKind::Utf8 {
                record: pos.map_or(0, |p| p.record()),
                error: err,
            },
        ),
        csv::ErrorKind::Io(e) => (None, ErrorKind::Io(e)),
        // Reading records from memory raises no other kind.
        _ => (None, ErrorKind::Io(std::io::Error::other(message))),
    };
    Box::new(TableError {
        file: file.to_string(),
        position,
        field,
        column: None,
        kind,
    })
}

/// Byte offset and line where the row csv places at `at` starts: csv puts
/// a row where the previous one ended, before the blank lines and comment
/// lines it skipped (and, after a CRLF, between its CR and LF).
fn row_start(text: &[u8], at: Option<&csv::Position>, comments: bool) -> (usize, u64) {
    let (mut byte, mut line) = at.map_or((0, 1), |p| (p.byte() as usize, p.line()));
    while let Some(&b) = text.get(byte) {
        match b {
            b'\r' => byte += 1,
            b'\n' => (byte, line) = (byte + 1, line + 1),
            b'#' if comments => {
                let end = text[byte..].iter().position(|&b| b == b'\n');
                let Some(end) = end else { break };
                (byte, line) = (byte + end + 1, line + 1);
            }
            _ => break,
        }
    }
    (byte, line)
}

/// The position of byte `at` of the row that starts at byte `start` on
/// `line` (a quoted cell may hold line breaks, so `at` can be further down).
fn position(text: &[u8], start: usize, line: u64, at: usize) -> Position {
    let at = at.min(text.len());
    let start = start.min(at);
    let breaks = text[start..at].iter().filter(|&&b| b == b'\n').count() as u64;
    let line_start = text[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    Position {
        line: line + breaks,
        column: String::from_utf8_lossy(&text[line_start..at])
            .chars()
            .count()
            + 1,
        byte: at,
    }
}

/// Byte offset of cell `field` of the row starting at byte `start`, past
/// the whitespace the reader trims: cells split at commas outside quotes,
/// and a row ends at a line break outside quotes. The row's start when the
/// row has no such cell.
fn field_offset(text: &[u8], start: usize, field: usize) -> usize {
    let mut at = start;
    for _ in 0..field {
        match next_field(text, at) {
            Some(next) => at = next,
            None => return start,
        }
    }
    let end = text[at..]
        .iter()
        .position(|&b| matches!(b, b',' | b'\n' | b'\r'))
        .map_or(text.len(), |i| at + i);
    let cell = String::from_utf8_lossy(&text[at..end]);
    at + (cell.len() - cell.trim_start().len())
}

/// The start of the cell after the one at byte `at`, if the row has one.
fn next_field(text: &[u8], mut at: usize) -> Option<usize> {
    if text.get(at) == Some(&b'"') {
        at += 1;
        while at < text.len() {
            match (text[at], text.get(at + 1)) {
                (b'"', Some(b'"')) => at += 2,
                (b'"', _) => {
                    at += 1;
                    break;
                }
                _ => at += 1,
            }
        }
    }
    while at < text.len() {
        match text[at] {
            b',' => return Some(at + 1),
            b'\n' | b'\r' => return None,
            _ => at += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        Table::from_text(text, "t.csv", Options::default()).unwrap()
    }

    fn numbers(n: usize) -> Vec<Column> {
        (0..n).map(Column::number).collect()
    }

    fn rows_error(text: &str, columns: &[Column]) -> Box<TableError> {
        table(text).rows(columns).unwrap_err()
    }

    fn at(line: u64, column: usize, byte: usize) -> Option<Position> {
        Some(Position { line, column, byte })
    }

    #[test]
    fn reads_named_columns_in_the_order_asked() {
        let t = table(" x , u \n0,1.5\n-2, 3e-3\n");
        assert_eq!(t.header(), ["x", "u"]);
        let (x, u) = (t.column("x").unwrap(), t.column("u").unwrap());
        let rows = t.rows(&[Column::number(u), Column::number(x)]).unwrap();
        assert_eq!(rows, [[1.5, 0.0], [3e-3, -2.0]]);
    }

    #[test]
    fn a_bad_cell_is_reported_at_its_line_column_and_byte() {
        let e = rows_error("x,u\n1,2\n3,  abc\n", &numbers(2));
        assert_eq!(e.position, at(3, 5, 12));
        assert_eq!((e.field, e.column.as_deref()), (Some(1), Some("u")));
        assert!(matches!(&e.kind, ErrorKind::NotNumber { cell } if cell == "abc"));
        assert_eq!(
            e.to_string(),
            "t.csv:3:5: column `u`: `abc` is not a number"
        );
    }

    #[test]
    fn columns_count_characters_and_quoted_commas_stay_in_their_cell() {
        // 'é' is two bytes, one column; the quoted cell holds a comma.
        let e = rows_error("é,b,c\n\"1,5\",2,inf\n", &[Column::number(2)]);
        assert_eq!(e.position, at(2, 9, 15));
        assert!(matches!(&e.kind, ErrorKind::NotFinite { cell } if cell == "inf"));
        let e = rows_error("é,b\n\"1,5\",2\n", &numbers(1));
        assert_eq!(e.position, at(2, 1, 5));
        assert!(matches!(&e.kind, ErrorKind::NotNumber { cell } if cell == "1,5"));
    }

    #[test]
    fn blank_lines_and_crlf_do_not_move_a_row() {
        // csv places a row where the previous one ended; the error is at
        // the row itself.
        let e = rows_error("x,u\r\n1,2\r\n\r\n3,a\r\n", &numbers(2));
        assert_eq!(e.position, at(4, 3, 14));
        let e = rows_error("x\n\n\nb\n", &numbers(1));
        assert_eq!(e.position, at(4, 1, 4));
        let e = rows_error("x,u\n\n1\n", &numbers(2));
        assert!(matches!(e.kind, ErrorKind::Ragged { .. }));
        assert_eq!(e.position, at(3, 1, 5));
    }

    #[test]
    fn nan_and_infinity_are_not_finite() {
        for cell in ["NaN", "inf", "-inf", "1e400"] {
            let e = rows_error(&format!("x\n{cell}\n"), &numbers(1));
            assert!(
                matches!(&e.kind, ErrorKind::NotFinite { .. }),
                "{cell}: {e}"
            );
        }
    }

    #[test]
    fn a_ragged_row_is_reported_at_its_start() {
        let e = rows_error("x,u\n1,2\n3\n", &numbers(2));
        assert_eq!(e.position, at(3, 1, 8));
        assert!(matches!(
            e.kind,
            ErrorKind::Ragged {
                expected: 2,
                found: 1
            }
        ));
    }

    #[test]
    fn rows_are_checked_in_order() {
        // The bad cell above the ragged row is found first.
        let e = rows_error("x,u\n1,a\n3\n", &numbers(2));
        assert!(matches!(e.kind, ErrorKind::NotNumber { .. }), "{e}");
        // Within a row, columns in the order asked.
        let e = rows_error("x,u\nb,a\n", &[Column::number(1), Column::number(0)]);
        assert_eq!(e.column.as_deref(), Some("u"));
    }

    #[test]
    fn a_missing_column_names_what_the_header_has() {
        let e = table("# c\nx,u\n1,2\n").column("v").unwrap_err();
        assert_eq!(e.column.as_deref(), Some("v"));
        assert!(
            matches!(&e.kind, ErrorKind::MissingColumn { header } if header == &["# c"]),
            "{e}"
        );
        assert_eq!(e.position, at(1, 1, 0));
        assert_eq!(table("x").find("v"), None);
    }

    #[test]
    fn a_duplicate_column_is_reported_at_its_second_occurrence() {
        let t = table("x, u ,  x\n1,2,3\n");
        let e = t.column("x").unwrap_err();
        assert!(matches!(e.kind, ErrorKind::DuplicateColumn));
        assert_eq!((e.position, e.field), (at(1, 9, 8), Some(2)));
        let e = t.require_unique_names().unwrap_err();
        assert_eq!((e.position, e.column.as_deref()), (at(1, 9, 8), Some("x")));
        // `find` takes the first; a header without repeats passes.
        assert_eq!(t.find("x"), Some(0));
        assert!(table("x,u\n").require_unique_names().is_ok());
    }

    #[test]
    fn blank_cells_read_as_nan_only_where_allowed() {
        let text = "x,u\n0,\n1,2\n";
        let rows = table(text)
            .rows(&[Column::number(0), Column::blank_as_nan(1)])
            .unwrap();
        assert!(rows[0][1].is_nan());
        assert_eq!(rows[1], [1.0, 2.0]);
        let e = rows_error(text, &numbers(2));
        assert!(matches!(&e.kind, ErrorKind::NotNumber { cell } if cell.is_empty()));
        assert_eq!(e.position, at(2, 3, 6));
        assert_eq!(e.message(), "column `u`: empty cell");
    }

    #[test]
    fn comment_lines_are_skipped_only_when_asked() {
        let text = "# source: somewhere\nx\n# between\n1\n";
        let with = Table::from_text(text, "t.csv", Options { comments: true }).unwrap();
        assert_eq!(with.header(), ["x"]);
        assert_eq!(with.header_at, (20, 2));
        assert_eq!(with.rows(&numbers(1)).unwrap(), [[1.0]]);
        let e = Table::from_text("# c\nx\n1\n", "t.csv", Options { comments: true })
            .unwrap()
            .column("y")
            .unwrap_err();
        assert_eq!(e.position, at(2, 1, 4));
        let without = table(text);
        assert_eq!(without.header(), ["# source: somewhere"]);
        let e = without.rows(&numbers(1)).unwrap_err();
        assert_eq!(e.position, at(2, 1, 20));
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_line_and_byte() {
        let bytes: &[u8] = b"x,u\n1,2\n3,\xff4\n";
        let t = Table::from_reader(bytes, "t.csv", Options::default()).unwrap();
        let e = t.rows(&numbers(2)).unwrap_err();
        assert_eq!(e.position, at(3, 1, 8));
        assert_eq!(e.field, Some(1));
        let ErrorKind::Utf8 { record, error } = &e.kind else {
            panic!("{e}");
        };
        assert_eq!((*record, error.field(), error.valid_up_to()), (2, 1, 0));
        // In the header, the table cannot be opened at all.
        let bytes: &[u8] = b"x,\xc3\n";
        let e = Table::from_reader(bytes, "t.csv", Options::default())
            .err()
            .unwrap();
        assert_eq!((e.position, e.field), (at(1, 1, 0), Some(1)));
        assert!(matches!(e.kind, ErrorKind::Utf8 { record: 0, .. }));
    }

    #[test]
    fn an_empty_text_has_no_header() {
        for text in ["", "\n", " , "] {
            let e = table(text).require_header().unwrap_err();
            assert!(matches!(e.kind, ErrorKind::NoHeader), "{text:?}");
        }
        assert!(table("x\n").require_header().is_ok());
        assert!(table("x\n").rows(&numbers(1)).unwrap().is_empty());
    }

    #[test]
    fn a_check_refusal_is_an_error_at_its_cell() {
        let e = table("x,u\n0.5,1\n2,1\n")
            .rows_checked(&numbers(2), |k, v| {
                if k == 0 && v > 1.0 {
                    Err(format!("{v} > 1"))
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
        assert_eq!(e.position, at(3, 1, 10));
        assert!(
            matches!(&e.kind, ErrorKind::Rejected { cell, message } if cell == "2" && message == "2 > 1")
        );
    }

    #[test]
    fn an_unreadable_source_is_an_io_error() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let e = Table::from_reader(Broken, "t.csv", Options::default())
            .err()
            .unwrap();
        assert!(matches!(e.kind, ErrorKind::Io(_)) && e.position.is_none());
        assert_eq!(e.to_string(), "t.csv: cannot read the table: disk on fire");
    }
}
