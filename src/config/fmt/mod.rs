//! The canonical layout behind `rtm fmt`: the same rules as HashiCorp's
//! hclwrite `Format` (what `terraform fmt` applies), over a token stream of
//! the original text so comments and blank lines are kept: two-space indent
//! by bracket depth, one space between most tokens, `=` and trailing comments
//! aligned within runs of consecutive single-line attributes.
//!
//! One rule is added to terraform's: exactly one blank line between a block
//! and the next block at the same depth (a comment above a block goes with
//! it), and never two blank lines in a row anywhere outside heredocs.
//!
//! Unlike `terraform fmt` it does not unwrap `"${x}"` into `x`: in rtm a
//! template always yields a string, so that rewrite could change a value's type.
//! Also unlike it: a file with mixed line endings is written back with one
//! ([`LineEnding::of`]), and a byte-order mark is kept.
//! Must not: change what a file means (but for the line endings of a mixed
//! file's heredoc lines); format a file that does not parse.

use std::path::{Path, PathBuf};

mod layout;
mod lex;

use layout::layout;
use lex::lex;

/// The files `rtm fmt --recursive` formats under `dir`: the directory's own
/// `*.rtm.hcl` files, picked as [`super::config_files`] picks them, then each
/// subdirectory's, in name order. As `terraform fmt -recursive` does, hidden
/// directories (`.git`, `.terraform`) are skipped; a symlink to a directory
/// is not followed, so a link loop cannot trap the walk.
pub fn config_files_recursive(dir: &Path) -> Result<Vec<PathBuf>, super::Error> {
    let mut files = super::config_files(dir)?;
    let entries = std::fs::read_dir(dir).map_err(|source| super::Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut subdirs: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .collect();
    subdirs.sort();
    for name in subdirs {
        // `-C .` shows `sub/x.rtm.hcl`, as config_files shows `x.rtm.hcl`.
        let sub = if dir == Path::new(".") {
            PathBuf::from(name)
        } else {
            dir.join(name)
        };
        files.extend(config_files_recursive(&sub)?);
    }
    Ok(files)
}

/// Formats one file's text. Fails with the parser's message (and its
/// 1-based line and column) when the text is not valid HCL.
///
/// The file's line ending ([`LineEnding::of`]) is used on every line of the
/// result, and a UTF-8 byte-order mark is kept: fmt changes layout, not
/// encoding. (terraform fmt drops a BOM; rtm keeps it, as an editor that
/// wrote one expects to find it.)
pub fn format_source(src: &str) -> Result<String, FormatError> {
    let (bom, body) = match src.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", src),
    };
    let ending = LineEnding::of(body);
    // Laid out with LF only, then written back with the file's ending.
    let lf: std::borrow::Cow<'_, str> = if body.contains("\r\n") {
        body.replace("\r\n", "\n").into()
    } else {
        body.into()
    };
    if let Err(e) = hcl::edit::parser::parse_body(&lf) {
        let loc = e.location();
        return Err(FormatError {
            line: loc.line(),
            column: loc.column(),
            message: e
                .message()
                .lines()
                .next()
                .unwrap_or("syntax error")
                .to_string(),
        });
    }
    let tokens = lex(&lf).ok_or_else(|| FormatError {
        line: 1,
        column: 1,
        message: "cannot tokenize this file".into(),
    })?;
    let laid_out = layout(tokens);
    Ok(match ending {
        LineEnding::Lf => format!("{bom}{laid_out}"),
        LineEnding::CrLf => format!("{bom}{}", laid_out.replace('\n', "\r\n")),
    })
}

/// The line ending `rtm fmt` writes a file back with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    CrLf,
}

impl LineEnding {
    /// The ending most of the file's lines have; on a tie, its first line's;
    /// LF for a file without a newline. terraform fmt keeps each line's own
    /// ending, so a mixed file stays mixed; rtm picks the dominant one and
    /// uses it throughout, so fmt never leaves a file mixed. In a heredoc
    /// that rewrites the minority lines' endings, and so those bytes of the
    /// string: the price of one ending per file.
    pub fn of(text: &str) -> LineEnding {
        let newlines = text.matches('\n').count();
        let crlf = text.matches("\r\n").count();
        let lf = newlines - crlf;
        if crlf != lf {
            return if crlf > lf {
                LineEnding::CrLf
            } else {
                LineEnding::Lf
            };
        }
        match text.find('\n') {
            Some(at) if at > 0 && text.as_bytes()[at - 1] == b'\r' => LineEnding::CrLf,
            _ => LineEnding::Lf,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct FormatError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::lex::template_literal_end;
    use super::*;

    #[test]
    fn aligns_indents_and_spaces_like_terraform_fmt() {
        let src = "settings {\nregion = \"us-east-1\" # r\n  parallelism=8\n}\n";
        let want = "settings {\n  region      = \"us-east-1\" # r\n  parallelism = 8\n}\n";
        assert_eq!(format_source(src).unwrap(), want);
    }

    #[test]
    fn formatting_is_idempotent_and_keeps_comments() {
        let src = "# c\nfunction \"a\" {\n  # inner\n  name = \"${var.x}-y\" // t\n  l = [\n  \"a\",\n  ]\n}\n";
        let once = format_source(src).unwrap();
        assert!(once.contains("# inner") && once.contains("// t"), "{once}");
        assert_eq!(format_source(&once).unwrap(), once);
    }

    #[test]
    fn one_blank_line_between_blocks() {
        let src = "\n\nsettings {\n  region = \"a\"\n}\nfunction \"a\" {\n  name = \"a\"\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n  configuration { timeout = 3 }\n  # memory\n  configuration {\n    memory_size = 128\n  }\n  description = \"x\"\n}\n\n\n\n# b\nfunction \"b\" {\n  x = <<EOT\n\n\nkeep\nEOT\n}\n# end\n";
        let want = "settings {\n  region = \"a\"\n}\n\nfunction \"a\" {\n  name = \"a\"\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n\n  configuration { timeout = 3 }\n\n  # memory\n  configuration {\n    memory_size = 128\n  }\n  description = \"x\"\n}\n\n# b\nfunction \"b\" {\n  x = <<EOT\n\n\nkeep\nEOT\n}\n# end\n";
        let once = format_source(src).unwrap();
        assert_eq!(once, want);
        assert_eq!(format_source(&once).unwrap(), once);
    }

    #[test]
    fn line_ending_is_the_dominant_one_then_the_first() {
        assert_eq!(LineEnding::of("a\r\nb\r\nc\n"), LineEnding::CrLf);
        assert_eq!(LineEnding::of("a\nb\r\nc\n"), LineEnding::Lf);
        assert_eq!(LineEnding::of("a\r\nb\n"), LineEnding::CrLf);
        assert_eq!(LineEnding::of("a\nb\r\n"), LineEnding::Lf);
        assert_eq!(LineEnding::of("a = 1"), LineEnding::Lf);
        assert_eq!(LineEnding::of("\r\n"), LineEnding::CrLf);
    }

    #[test]
    fn a_dollar_before_an_escape_opens_nothing() {
        // `$$${` is `$` then the escape `$${`, as hclsyntax scans it.
        assert_eq!(template_literal_end(b"$$${ x }\"", 0, true), 8);
        assert_eq!(template_literal_end(b"ab${ x }", 0, true), 2);
        assert_eq!(template_literal_end(b"a%%{ x }\nb", 0, false), 9);
    }

    #[test]
    fn refuses_invalid_input() {
        assert!(format_source("function \"a\" {\n  name = \n}\n").is_err());
    }
}
