//! Tokens of the expression language, each with its byte span in the text.
//!
//! The lexer knows nothing about names: identifiers are resolved by the
//! parser against a symbol table, so `u_xx` is one identifier here.

use super::ExprError;

/// Kinds of tokens.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Num(f64),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    Comma,
    Eq,
    /// Comparisons, in `where` predicates only.
    Lt,
    Le,
    Gt,
    Ge,
    /// End of the text; always the last token.
    End,
}

/// A token and its byte span `start..end` in the expression text.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

impl Tok {
    /// How the token is named in "found ..." messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Num(v) => format!("number {v}"),
            Tok::Ident(s) => format!("name '{s}'"),
            Tok::Plus => "'+'".into(),
            Tok::Minus => "'-'".into(),
            Tok::Star => "'*'".into(),
            Tok::Slash => "'/'".into(),
            Tok::Caret => "'^'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::Eq => "'='".into(),
            Tok::Lt => "'<'".into(),
            Tok::Le => "'<='".into(),
            Tok::Gt => "'>'".into(),
            Tok::Ge => "'>='".into(),
            Tok::End => "end of expression".into(),
        }
    }
}

/// Splits `text` into tokens, ending with [`Tok::End`].
pub fn lex(text: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let single = match c {
            b'+' => Some(Tok::Plus),
            b'-' => Some(Tok::Minus),
            b'*' => Some(Tok::Star),
            b'/' => Some(Tok::Slash),
            b'^' => Some(Tok::Caret),
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b',' => Some(Tok::Comma),
            b'=' => Some(Tok::Eq),
            _ => None,
        };
        let or_equal = bytes.get(i + 1) == Some(&b'=');
        let comparison = match (c, or_equal) {
            (b'<', false) => Some(Tok::Lt),
            (b'<', true) => Some(Tok::Le),
            (b'>', false) => Some(Tok::Gt),
            (b'>', true) => Some(Tok::Ge),
            _ => None,
        };
        if let Some(tok) = single {
            i += 1;
            tokens.push(Token { tok, start, end: i });
        } else if let Some(tok) = comparison {
            i += if or_equal { 2 } else { 1 };
            tokens.push(Token { tok, start, end: i });
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == b'.' {
            let (value, end) = number(text, start)?;
            i = end;
            tokens.push(Token {
                tok: Tok::Num(value),
                start,
                end,
            });
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let name = text[start..i].to_string();
            tokens.push(Token {
                tok: Tok::Ident(name),
                start,
                end: i,
            });
        } else {
            return Err(unexpected_char(text, start));
        }
    }
    tokens.push(Token {
        tok: Tok::End,
        start: text.len(),
        end: text.len(),
    });
    Ok(tokens)
}

/// Reads `digits [. digits] [(e|E) [+|-] digits]` or `. digits ...` at `start`.
fn number(text: &str, start: usize) -> Result<(f64, usize), ExprError> {
    let bytes = text.as_bytes();
    let digits = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits(start);
    let int_digits = i - start;
    let mut frac_digits = 0;
    if i < bytes.len() && bytes[i] == b'.' {
        let after = digits(i + 1);
        frac_digits = after - i - 1;
        i = after;
    }
    if int_digits == 0 && frac_digits == 0 {
        return Err(ExprError::new(
            start,
            "expected digits around '.', found a lone '.'",
        ));
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        // An exponent needs digits; `2e` alone is an error rather than 2 * e,
        // since the language has no implicit multiplication.
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        let after = digits(j);
        if after == j {
            return Err(ExprError::new(
                start,
                format!(
                    "malformed number '{}': expected digits after the exponent",
                    &text[start..j]
                ),
            ));
        }
        i = after;
    }
    let literal = &text[start..i];
    literal
        .parse::<f64>()
        .map(|v| (v, i))
        .map_err(|_| ExprError::new(start, format!("malformed number '{literal}'")))
}

fn unexpected_char(text: &str, at: usize) -> ExprError {
    let c = text[at..].chars().next().unwrap_or(' ');
    let hint = match c {
        'π' => " (write pi)",
        '−' => " (write an ASCII '-')",
        '×' | '·' => " (write '*')",
        '[' | ']' | '{' | '}' => " (use '(' and ')' for grouping)",
        _ => "",
    };
    ExprError::new(at, format!("unexpected character '{c}'{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        lex(text)
            .expect("lexes")
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn numbers_in_all_forms() {
        assert_eq!(
            kinds("1 2.5 .5 1e-3 3E+2 4."),
            vec![
                Tok::Num(1.0),
                Tok::Num(2.5),
                Tok::Num(0.5),
                Tok::Num(1e-3),
                Tok::Num(300.0),
                Tok::Num(4.0),
                Tok::End
            ]
        );
    }

    #[test]
    fn identifiers_and_operators_with_spans() {
        let toks = lex("u_xx+d(u,x)=-2^x").expect("lexes");
        assert_eq!(
            toks[0],
            Token {
                tok: Tok::Ident("u_xx".into()),
                start: 0,
                end: 4
            }
        );
        assert_eq!(toks[1].tok, Tok::Plus);
        assert_eq!(
            toks[2],
            Token {
                tok: Tok::Ident("d".into()),
                start: 5,
                end: 6
            }
        );
        let rest: Vec<Tok> = toks[3..].iter().map(|t| t.tok.clone()).collect();
        assert_eq!(
            rest,
            vec![
                Tok::LParen,
                Tok::Ident("u".into()),
                Tok::Comma,
                Tok::Ident("x".into()),
                Tok::RParen,
                Tok::Eq,
                Tok::Minus,
                Tok::Num(2.0),
                Tok::Caret,
                Tok::Ident("x".into()),
                Tok::End
            ]
        );
    }

    #[test]
    fn bad_characters_and_numbers_report_offsets() {
        let e = lex("2 * π").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("write pi"), "{e}");
        let e = lex("x + 1e").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("exponent"), "{e}");
        assert_eq!(lex("x + .").unwrap_err().offset, 4);
    }
}
