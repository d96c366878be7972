//! Which bytes of a configuration file are secrets: the values written in
//! `environment { ... }` blocks. Diagnostics show them as `(sensitive)` in
//! source snippets, so an error on or near an environment line never echoes
//! a password.
//!
//! Found by a lexical scan, not from the parse tree, so a file with a syntax
//! error (a missing comma inside the environment map is a likely one) is
//! covered too. It errs towards hiding: whatever follows the first `=` of a
//! line inside the block is hidden, and so is every line without one (a
//! heredoc body, a continued expression), except lines of brackets only.
//! Must not: evaluate, or hide anything outside an `environment` block.

use std::ops::Range;

/// What a hidden range shows instead.
pub const SHOWN: &str = "(sensitive)";

/// The byte ranges of `text` to hide, in order, not overlapping.
pub fn ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut scan = Scanner { text, at: 0 };
    while let Some(open) = scan.next_environment_block() {
        let close = scan.matching_close(open);
        hide_lines(text, open + 1..close, &mut out);
        scan.at = close;
    }
    out
}

/// `text` with every secret shown as [`SHOWN`], for printing a file's lines
/// (rollback's diff of the file it rewrote).
pub fn hidden(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges(text) {
        out.push_str(&text[at..r.start]);
        out.push_str(SHOWN);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Within `region`, line by line: the text after the first `=`, or the
/// whole line when it has none, unless it is only brackets and commas.
fn hide_lines(text: &str, region: Range<usize>, out: &mut Vec<Range<usize>>) {
    let mut start = region.start;
    while start < region.end {
        let end = text[start..region.end]
            .find('\n')
            .map_or(region.end, |i| start + i);
        let line = &text[start..end];
        let from = match line.find('=') {
            Some(eq) => start + eq + 1,
            None if line
                .trim()
                .chars()
                .all(|c| matches!(c, '{' | '}' | '[' | ']' | '(' | ')' | ',')) =>
            {
                end
            }
            None => start,
        };
        let shown = &text[from..end];
        let lead = shown.len() - shown.trim_start().len();
        let trail = shown.len() - shown.trim_end().len();
        if from + lead < end - trail {
            out.push(from + lead..end - trail);
        }
        start = end + 1;
    }
}

struct Scanner<'t> {
    text: &'t str,
    at: usize,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

impl Scanner<'_> {
    /// The offset of the `{` of the next `environment {`, outside strings and
    /// comments.
    fn next_environment_block(&mut self) -> Option<usize> {
        const WORD: &[u8] = b"environment";
        let bytes = self.text.as_bytes();
        while self.at < bytes.len() {
            if self.skip_quoted_or_comment() {
                continue;
            }
            let i = self.at;
            if bytes[i..].starts_with(WORD)
                && (i == 0 || !is_ident(bytes[i - 1]))
                && bytes.get(i + WORD.len()).is_none_or(|c| !is_ident(*c))
            {
                let mut j = i + WORD.len();
                while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n') {
                    j += 1;
                }
                if bytes.get(j) == Some(&b'{') {
                    self.at = j + 1;
                    return Some(j);
                }
            }
            self.step();
        }
        None
    }

    /// The offset of the `}` closing the block opened at `open` (or the end
    /// of the text when it is never closed).
    fn matching_close(&mut self, open: usize) -> usize {
        let bytes = self.text.as_bytes();
        self.at = open + 1;
        let mut depth = 1usize;
        while self.at < bytes.len() {
            if self.skip_quoted_or_comment() {
                continue;
            }
            match bytes[self.at] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return self.at;
                    }
                }
                _ => {}
            }
            self.step();
        }
        bytes.len()
    }

    /// Steps over one character (never into the middle of one).
    fn step(&mut self) {
        self.at += self.text[self.at..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
    }

    /// Steps over a string, heredoc or comment starting here; whether it did.
    fn skip_quoted_or_comment(&mut self) -> bool {
        let rest = &self.text[self.at..];
        let skip = if rest.starts_with('"') {
            quoted_len(rest)
        } else if rest.starts_with('#') || rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            rest.find("*/").map_or(rest.len(), |i| i + 2)
        } else if rest.starts_with("<<") {
            heredoc_len(rest)
        } else {
            0
        };
        self.at += skip;
        skip > 0
    }
}

/// The length of the quoted string at the start of `s` (to its closing quote,
/// or to the end of the line when it is unclosed).
fn quoted_len(s: &str) -> usize {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return i + 1,
            '\n' => return i,
            _ => escaped = false,
        }
    }
    s.len()
}

/// The length of the heredoc at the start of `s` (`<<EOT` or `<<-EOT` up to
/// its closing marker line), or 2 when `<<` starts no heredoc.
fn heredoc_len(s: &str) -> usize {
    let intro = s[2..].strip_prefix('-').unwrap_or(&s[2..]);
    let marker: String = intro
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let Some(first_newline) = s.find('\n') else {
        return 2;
    };
    if marker.is_empty() {
        return 2;
    }
    let mut at = first_newline + 1;
    while at < s.len() {
        let end = s[at..].find('\n').map_or(s.len(), |i| at + i);
        if s[at..end].trim() == marker {
            return end;
        }
        at = end + 1;
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(text: &str) -> Vec<&str> {
        ranges(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn hides_values_in_environment_blocks_only() {
        let text = "locals {\n  environment = \"prod\"\n}\nfunction \"a\" {\n  # environment { A = 1 }\n  name = \"environment {\"\n  configuration {\n    environment {\n      variables = {\n        API_KEY = \"hunter2\" # rotated\n        TOKEN   = <<EOT\nsecret } line\nEOT\n        OTHER = merge(\n          local.base,\n        )\n      }\n    }\n    memory_size = 128\n  }\n}\n";
        assert_eq!(
            hidden(text),
            [
                "{",
                "\"hunter2\" # rotated",
                "<<EOT",
                "secret } line",
                "EOT",
                "merge(",
                "local.base,",
            ]
        );
    }

    #[test]
    fn one_line_blocks_and_syntax_errors_are_hidden_too() {
        let text = "function \"a\" {\n  configuration {\n    environment { variables = { A = \"x\" B = \"y\" } }\n  }\n}\n";
        assert_eq!(hidden(text), ["{ A = \"x\" B = \"y\" }"]);
        // Never closed: hidden to the end.
        assert_eq!(
            hidden("environment {\n  variables = { A = \"x\n"),
            ["{ A = \"x"]
        );
    }
}
