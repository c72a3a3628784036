//! Errors that point into the equation file: `file:line:col: error: ...`
//! followed by the source line and a caret under the offending text.

use crate::expr::ExprError;
use std::fmt;
use std::ops::Range;
use toml::Spanned;

/// An invalid or unreadable equation file.
#[derive(Clone, Debug, PartialEq)]
pub struct ProblemError {
    /// The file (or `builtin:NAME`) the error is in.
    pub file: String,
    /// 1-based line and column (in characters) of the offending text, when known.
    pub position: Option<(usize, usize)>,
    /// What was expected and what was found.
    pub message: String,
    /// Source line and caret lines, plus any notes, ready to print.
    detail: String,
}

impl fmt::Display for ProblemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: error: {}", self.file, self.message)?,
            None => write!(f, "{}: error: {}", self.file, self.message)?,
        }
        f.write_str(&self.detail)
    }
}

impl std::error::Error for ProblemError {}

impl ProblemError {
    /// An error about a whole file that could not be read (too large, not a
    /// file): placed at its start, without a snippet.
    pub fn at_start(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            position: Some((1, 1)),
            ..Self::general(file, message)
        }
    }

    /// An error with no position (unknown problem name).
    pub fn general(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            position: None,
            message: message.into(),
            detail: String::new(),
        }
    }
}

/// The bytes of file `name` as text; bytes that are not UTF-8 are an error
/// at their line, with the byte's place in that line.
pub(crate) fn decode(bytes: Vec<u8>, name: &str) -> Result<String, ProblemError> {
    let e = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let at = e.utf8_error().valid_up_to();
    let bytes = e.as_bytes();
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // The valid prefix is unchanged in the lossy text, so `at` is the same
    // place there, and the snippet shows the rest of the line readably.
    let text = String::from_utf8_lossy(bytes);
    let src = Source { text: &text, name };
    let (line, _) = src.line_col(at);
    Err(src.error(
        at..at + 1,
        format!(
            "invalid UTF-8: byte 0x{:02x} (byte {} of line {line}) does not begin a UTF-8 character; the file must be UTF-8 text",
            bytes[at],
            at - line_start + 1
        ),
    ))
}

/// The text of an equation file and its name, for locating errors.
pub(crate) struct Source<'a> {
    pub text: &'a str,
    pub name: &'a str,
}

impl Source<'_> {
    /// 1-based line and character column of byte `at`.
    pub fn line_col(&self, at: usize) -> (usize, usize) {
        let at = floor_char_boundary(self.text, at.min(self.text.len()));
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, self.text[line_start..at].chars().count() + 1)
    }

    /// An error covering bytes `span` of the file.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> ProblemError {
        let mut e = ProblemError::general(self.name, message);
        e.position = Some(self.line_col(span.start));
        e.detail = self.snippet(span);
        e
    }

    /// Adds a `note:` line with its own snippet to `e`.
    pub fn with_note(&self, mut e: ProblemError, at: usize, text: &str) -> ProblemError {
        let (line, col) = self.line_col(at);
        e.detail
            .push_str(&format!("\n{}:{line}:{col}: note: {text} here", self.name));
        e.detail.push_str(&self.snippet(at..at + 1));
        e
    }

    /// An error inside the string value `s` (as written, quotes included in
    /// its span) at byte `offset` of its content.
    pub fn in_string(
        &self,
        s: &Spanned<String>,
        offset: usize,
        message: impl Into<String>,
    ) -> ProblemError {
        let at = self.content_offset(s.span(), offset);
        self.error(at..at + 1, message)
    }

    /// Converts an expression error in string `s` to a file error.
    pub fn expr_error(&self, s: &Spanned<String>, e: ExprError) -> ProblemError {
        let err = self.in_string(s, e.offset, e.message);
        match e.note {
            Some(n) => self.with_note(err, self.content_offset(s.span(), n.offset), &n.text),
            None => err,
        }
    }

    /// A TOML syntax or type error at its span (or the start of the file).
    pub fn toml_error(&self, e: &toml::de::Error) -> ProblemError {
        let span = e.span().unwrap_or(0..0);
        self.error(
            span,
            crate::config::explain_toml_message(e.message().trim_end()),
        )
    }

    /// File byte offset of byte `offset` of the content of the string literal at `span`.
    ///
    /// Exact for literal strings and for basic strings; escapes are walked so
    /// that `"\u00e9 + nuu"` still points at `nuu`.
    pub fn content_offset(&self, span: Range<usize>, offset: usize) -> usize {
        let Some(raw) = self.text.get(span.clone()) else {
            return span.start;
        };
        let (delim, basic) = if raw.starts_with("\"\"\"") {
            (3, true)
        } else if raw.starts_with("'''") {
            (3, false)
        } else if raw.starts_with('"') {
            (1, true)
        } else if raw.starts_with('\'') {
            (1, false)
        } else {
            // Not a string literal (a bare number, a table): point at it.
            return span.start;
        };
        let mut body_start = delim;
        // A newline right after an opening triple quote is not part of the value.
        if delim == 3 {
            if raw[3..].starts_with("\r\n") {
                body_start += 2;
            } else if raw[3..].starts_with('\n') {
                body_start += 1;
            }
        }
        let body = &raw[body_start..];
        let raw_offset = if basic {
            unescaped_to_raw(body, offset)
        } else {
            offset
        };
        (span.start + body_start + raw_offset).min(span.end.saturating_sub(1).max(span.start))
    }

    fn snippet(&self, span: Range<usize>) -> String {
        let start = floor_char_boundary(self.text, span.start.min(self.text.len()));
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line_text = self.text[line_start..line_end].trim_end_matches('\r');
        let (line, col) = self.line_col(start);
        let end = span.end.clamp(start + 1, line_end.max(start + 1));
        let width = self
            .text
            .get(start..end.min(self.text.len()))
            .map_or(1, |s| s.chars().count().max(1));
        // A long line is shown as a window around the caret.
        let chars: Vec<char> = line_text.chars().collect();
        let caret = (col - 1).min(chars.len());
        let from = if chars.len() > SNIPPET_CHARS {
            caret.saturating_sub(SNIPPET_CHARS / 2)
        } else {
            0
        };
        let to = chars.len().min(from + SNIPPET_CHARS);
        let shown: String = [
            if from > 0 { "…" } else { "" },
            &chars[from..to].iter().collect::<String>(),
            if to < chars.len() { "…" } else { "" },
        ]
        .concat();
        let gutter = " ".repeat(line.to_string().len());
        let lead = usize::from(from > 0);
        let pad: String = std::iter::repeat_n(' ', lead)
            .chain(
                chars[from..caret]
                    .iter()
                    .map(|&c| if c == '\t' { '\t' } else { ' ' }),
            )
            .collect();
        let width = width.min(SNIPPET_CHARS);
        format!(
            "\n{gutter} |\n{line} | {shown}\n{gutter} | {pad}{}",
            "^".repeat(width)
        )
    }
}

/// The most characters of a line an error shows.
const SNIPPET_CHARS: usize = 160;

fn floor_char_boundary(s: &str, mut at: usize) -> usize {
    while at > 0 && !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Raw byte offset in a basic string body of byte `target` of its value.
fn unescaped_to_raw(body: &str, target: usize) -> usize {
    let bytes = body.as_bytes();
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let (mut raw, mut value) = (0, 0);
    while raw < bytes.len() {
        let escape = bytes[raw] == b'\\' && raw + 1 < bytes.len();
        if escape && blank(&bytes[raw + 1]) {
            // A line-ending backslash (multi-line strings): it and all the
            // blanks and newlines after it are not in the value, so the
            // value's next byte is after them.
            raw += 1 + bytes[raw + 1..].iter().take_while(|b| blank(b)).count();
            continue;
        }
        if value >= target {
            break;
        }
        let (raw_len, value_len) = match bytes.get(raw + 1) {
            Some(b'u') if escape => (6, escaped_char_len(body.get(raw + 2..raw + 6))),
            Some(b'U') if escape => (10, escaped_char_len(body.get(raw + 2..raw + 10))),
            _ if escape => (2, 1),
            _ => {
                let next = body.get(raw..).and_then(|r| r.chars().next());
                let len = next.map_or(1, char::len_utf8);
                (len, len)
            }
        };
        raw += raw_len;
        value += value_len;
    }
    raw
}

fn escaped_char_len(hex: Option<&str>) -> usize {
    hex.and_then(|h| u32::from_str_radix(h, 16).ok())
        .and_then(char::from_u32)
        .map_or(1, char::len_utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let src = Source {
            text: "a = 1\nbé = \"x\"\n",
            name: "f.toml",
        };
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(6), (2, 1));
        // 'é' is two bytes but one column: '=' is byte 10, column 4.
        assert_eq!(src.line_col(10), (2, 4));
    }

    #[test]
    fn string_content_offsets() {
        let text = r#"k = "ab\tcd" + 'lit' "#;
        let src = Source {
            text,
            name: "f.toml",
        };
        // Value "ab<TAB>cd": byte 3 of the value ('c') is raw byte 4 of the body.
        assert_eq!(src.content_offset(4..12, 3), 4 + 1 + 4);
        assert_eq!(src.content_offset(15..20, 1), 17);
        let multi = "k = \"\"\"\nxy\"\"\"";
        let src = Source {
            text: multi,
            name: "f.toml",
        };
        assert_eq!(src.content_offset(4..multi.len(), 1), 9);
        // A line-ending backslash drops itself, the newline and the
        // indentation: value "u + nuu", 'n' at byte 4 of the value.
        let folded = "k = \"\"\"\nu + \\\r\n    nuu\"\"\"";
        let src = Source {
            text: folded,
            name: "f.toml",
        };
        let n = folded.find("nuu").expect("in the text");
        assert_eq!(src.content_offset(4..folded.len(), 4), n);
    }

    #[test]
    fn display_has_position_snippet_and_caret() {
        let src = Source {
            text: "name = \"x\"\nres = \"u + nuu\"\n",
            name: "dir/f.toml",
        };
        let s: Spanned<String> = Spanned::new(17..26, "u + nuu".into());
        let e = src.in_string(&s, 4, "unknown name 'nuu'");
        assert_eq!(e.position, Some((2, 12)));
        assert_eq!(
            e.to_string(),
            "dir/f.toml:2:12: error: unknown name 'nuu'\n  |\n2 | res = \"u + nuu\"\n  |            ^"
        );
    }
}
