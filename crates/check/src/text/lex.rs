//! The format's tokens, and a cursor over one statement's.

use std::fmt;

use p3_field::PrimeField32;
use tessera_stark::Val;

use super::{ParseError, Result};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    /// An integer literal: its value when it fits a `u64`, and its value mod p.
    Int(Option<u64>, u32),
    Str(String),
    Sym(char),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) => write!(f, "`{s}`"),
            Tok::Int(Some(v), _) => write!(f, "`{v}`"),
            Tok::Int(None, _) => write!(f, "a large integer"),
            Tok::Str(_) => write!(f, "a string"),
            Tok::Sym(c) => write!(f, "`{c}`"),
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) line: usize,
}

pub(super) fn error<T>(line: usize, message: impl Into<String>) -> Result<T> {
    Err(ParseError {
        line,
        message: message.into(),
    })
}

/// Splits `text` into statements: one per line, except that a line with an open `(` or `[`
/// continues on the next (long messages span lines).
pub(super) fn lex(text: &str) -> Result<Vec<Vec<Token>>> {
    let mut statements = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut depth = 0usize;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let push = |current: &mut Vec<Token>, tok| current.push(Token { tok, line: line_no });
            if c.is_whitespace() {
                i += 1;
            } else if c == '#' {
                break;
            } else if c == '"' {
                let (s, end) = string(&chars, i + 1, line_no)?;
                push(&mut current, Tok::Str(s));
                i = end;
            } else if c.is_ascii_digit() {
                let (mut exact, mut modp) = (Some(0u64), 0u64);
                while i < chars.len() && chars[i].is_ascii_digit() {
                    let d = chars[i] as u64 - '0' as u64;
                    exact = exact.and_then(|v| v.checked_mul(10)?.checked_add(d));
                    modp = (modp * 10 + d) % Val::ORDER_U32 as u64;
                    i += 1;
                }
                push(&mut current, Tok::Int(exact, modp as u32));
            } else if c.is_ascii_alphabetic() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                push(&mut current, Tok::Ident(chars[start..i].iter().collect()));
            } else if "[](),:+-*^=<.".contains(c) {
                match c {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                push(&mut current, Tok::Sym(c));
                i += 1;
            } else {
                return error(line_no, format!("unexpected character {c:?}"));
            }
        }
        if depth == 0 && !current.is_empty() {
            statements.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        statements.push(current);
    }
    Ok(statements)
}

/// The string starting after its opening quote at `start`, and the index after its closing one.
fn string(chars: &[char], start: usize, line: usize) -> Result<(String, usize)> {
    let mut s = String::new();
    let mut i = start;
    loop {
        match chars.get(i) {
            None => return error(line, "unterminated string"),
            Some('"') => return Ok((s, i + 1)),
            Some('\\') => {
                match chars.get(i + 1) {
                    Some('"') => s.push('"'),
                    Some('\\') => s.push('\\'),
                    other => {
                        return error(line, format!("unknown escape \\{}", other.unwrap_or(&' ')))
                    }
                }
                i += 2;
            }
            Some(&c) => {
                s.push(c);
                i += 1;
            }
        }
    }
}

/// A position in one statement's tokens.
pub(super) struct Cursor<'a> {
    pub(super) toks: &'a [Token],
    pub(super) pos: usize,
}

impl Cursor<'_> {
    pub(super) fn line(&self) -> usize {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map_or(1, |t| t.line)
    }

    pub(super) fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    pub(super) fn fail<T>(&self, message: impl Into<String>) -> Result<T> {
        error(self.line(), message)
    }

    /// An error saying what was expected and what is there instead.
    pub(super) fn expected<T>(&self, what: &str) -> Result<T> {
        match self.peek() {
            Some(t) => self.fail(format!("expected {what}, found {t}")),
            None => self.fail(format!("expected {what} at the end of the statement")),
        }
    }

    pub(super) fn eat_sym(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(&Tok::Sym(c));
        self.pos += hit as usize;
        hit
    }

    pub(super) fn expect_sym(&mut self, c: char) -> Result<()> {
        if self.eat_sym(c) {
            Ok(())
        } else {
            self.expected(&format!("`{c}`"))
        }
    }

    pub(super) fn eat_keyword(&mut self, word: &str) -> bool {
        let hit = matches!(self.peek(), Some(Tok::Ident(s)) if s == word);
        self.pos += hit as usize;
        hit
    }

    pub(super) fn ident(&mut self, what: &str) -> Result<String> {
        match self.peek() {
            Some(Tok::Ident(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => self.expected(what),
        }
    }

    pub(super) fn int(&mut self, what: &str) -> Result<u64> {
        match self.peek() {
            Some(&Tok::Int(Some(v), _)) => {
                self.pos += 1;
                Ok(v)
            }
            _ => self.expected(what),
        }
    }

    pub(super) fn string(&mut self, what: &str) -> Result<String> {
        match self.peek() {
            Some(Tok::Str(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => self.expected(what),
        }
    }

    pub(super) fn end(&self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(t) => self.fail(format!("unexpected {t} after the end of the statement")),
        }
    }
}
