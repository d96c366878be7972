//! Diagnostics: what went wrong (or looks risky) at which file:line:col, and
//! how to show it. Collected, never thrown: the loader keeps going after a
//! mistake so a user sees every problem of a configuration in one run.
//!
//! Pure: renders to a `String`; printing is the cli's job.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A second location a diagnostic refers to, e.g. the policy line a function
/// violates.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

/// One finding about the configuration. `line` and `column` are 1-based;
/// `column` counts characters, as editors do. `span` is the byte range in the
/// file, used to underline the snippet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Text written next to the underline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The text of every file read, kept so diagnostics can show snippets.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

#[derive(Debug, Clone)]
struct SourceFile {
    path: PathBuf,
    text: String,
    /// Byte offset at which each line starts.
    line_starts: Vec<usize>,
    /// Environment values: shown as `(sensitive)` in snippets.
    sensitive: Vec<Range<usize>>,
}

impl Sources {
    /// Adds a file and returns its index.
    pub fn add(&mut self, path: PathBuf, text: String) -> usize {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let sensitive = super::sensitive::ranges(&text);
        self.files.push(SourceFile {
            path,
            text,
            line_starts,
            sensitive,
        });
        self.files.len() - 1
    }

    pub fn path(&self, id: usize) -> &Path {
        &self.files[id].path
    }

    pub fn text(&self, id: usize) -> &str {
        &self.files[id].text
    }

    pub fn get(&self, path: &Path) -> Option<&str> {
        self.file(path).map(|f| f.text.as_str())
    }

    fn file(&self, path: &Path) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path == path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, id: usize, offset: usize) -> (usize, usize) {
        let f = &self.files[id];
        line_col_in(&f.text, &f.line_starts, offset)
    }
}

fn line_col_in(text: &str, line_starts: &[usize], offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let line = line_starts.partition_point(|&s| s <= offset).max(1);
    let start = line_starts[line - 1];
    // `offset` may fall inside a multi-byte char if a span is odd; count
    // characters of the valid prefix only.
    let col = text
        .get(start..offset)
        .map(|s| s.chars().count())
        .unwrap_or(offset - start);
    (line, col + 1)
}

/// Renders diagnostics the way rustc does: a headline, the location, the
/// source lines with the span underlined and the label beside it, then help
/// and notes. `styled` adds ANSI colours.
pub fn render_human(diags: &[Diagnostic], sources: &Sources, styled: bool) -> String {
    let mut out = String::new();
    for d in diags {
        render_one(&mut out, d, sources, styled);
        out.push('\n');
    }
    out
}

fn paint(styled: bool, code: &str, text: &str) -> String {
    if styled {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn render_one(out: &mut String, d: &Diagnostic, sources: &Sources, styled: bool) {
    let (head_color, caret) = match d.severity {
        Severity::Error => ("1;31", '^'),
        Severity::Warning => ("1;33", '^'),
    };
    let _ = writeln!(
        out,
        "{}: {}",
        paint(styled, head_color, d.severity.as_str()),
        paint(styled, "1", &d.message)
    );
    let file = sources.file(&d.file);
    let gutter = gutter_width(d);
    snippet(
        out,
        &d.file,
        d.line,
        d.column,
        d.span.clone(),
        d.label.as_deref(),
        file,
        gutter,
        caret,
        styled,
        head_color,
    );
    if let Some(help) = &d.help {
        let _ = writeln!(
            out,
            "{:gutter$}= {}: {help}",
            "",
            paint(styled, "1", "help")
        );
    }
    for note in &d.notes {
        let _ = writeln!(
            out,
            "{:gutter$}= {}: {}",
            "",
            paint(styled, "1", "note"),
            note.message
        );
        let nfile = sources.file(&note.file);
        snippet(
            out,
            &note.file,
            note.line,
            note.column,
            note.span.clone(),
            None,
            nfile,
            gutter,
            '-',
            styled,
            "1;36",
        );
    }
}

fn gutter_width(d: &Diagnostic) -> usize {
    let max_line = d
        .notes
        .iter()
        .map(|n| n.line)
        .chain(std::iter::once(d.line))
        .max()
        .unwrap_or(1);
    max_line.to_string().len() + 1
}

#[allow(clippy::too_many_arguments)]
fn snippet(
    out: &mut String,
    path: &Path,
    line: usize,
    column: usize,
    span: Option<Range<usize>>,
    label: Option<&str>,
    file: Option<&SourceFile>,
    gutter: usize,
    caret: char,
    styled: bool,
    color: &str,
) {
    let blue = "1;34";
    // Line 0: the diagnostic is about the command line, not a file.
    if line == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "{:w$}{} {}:{line}:{column}",
        "",
        paint(styled, blue, "-->"),
        path.display(),
        w = gutter - 1
    );
    let Some(file) = file else { return };
    if line > file.line_starts.len() {
        return;
    }
    let bar = paint(styled, blue, "|");
    let _ = writeln!(out, "{:gutter$}{bar}", "");
    // One line of context above, when it is not blank: enough to see the block.
    if line >= 2 {
        let prev = file.shown_line(line - 1).text;
        if !prev.trim().is_empty() {
            let _ = writeln!(out, "{:<gutter$}{bar} {prev}", line - 1);
        }
    }
    let shown = file.shown_line(line);
    let _ = writeln!(out, "{:<gutter$}{bar} {}", line, shown.text);
    // Underline: from the column to the span's end on this line (at least one).
    let line_start = file.line_starts[line - 1];
    let (start_col, end_col) = match span {
        Some(r) => (
            shown.column(r.start.max(line_start), false),
            shown.column(r.end.min(shown.end), true),
        ),
        None => (column.saturating_sub(1), column),
    };
    let line_chars = shown.text.chars().count();
    let width = end_col
        .saturating_sub(start_col)
        .max(1)
        .min(line_chars.saturating_sub(start_col).max(1));
    let pad: String = shown
        .text
        .chars()
        .take(start_col)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let marks: String = std::iter::repeat_n(caret, width).collect();
    let label = label.map(|l| format!(" {l}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{:gutter$}{bar} {pad}{}",
        "",
        paint(styled, color, &format!("{marks}{label}"))
    );
}

/// A source line as a snippet shows it: environment values replaced.
struct ShownLine<'a> {
    text: String,
    /// The line's pieces: (original byte range, hidden).
    pieces: Vec<(Range<usize>, bool)>,
    source: &'a str,
    /// Where the line ends in the file (before `\r\n` or `\n`).
    end: usize,
}

impl ShownLine<'_> {
    /// The shown character column (0-based) of byte `offset` of the file; a
    /// hidden piece's `end` side is after its `(sensitive)`.
    fn column(&self, offset: usize, end: bool) -> usize {
        let mut col = 0;
        for (range, hidden) in &self.pieces {
            if offset < range.start || (offset == range.start && !(end && *hidden)) {
                return col;
            }
            if *hidden {
                if offset < range.end {
                    return col
                        + if end {
                            super::sensitive::SHOWN.len()
                        } else {
                            0
                        };
                }
                col += super::sensitive::SHOWN.len();
            } else {
                let upto = offset.min(range.end);
                col += self
                    .source
                    .get(range.start..upto)
                    .map_or(upto - range.start, |s| s.chars().count());
                if offset <= range.end {
                    return col;
                }
            }
        }
        col
    }
}

impl SourceFile {
    /// Line `line` (1-based) without its line ending, secrets hidden.
    fn shown_line(&self, line: usize) -> ShownLine<'_> {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        let end = if self.text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        let mut pieces = Vec::new();
        let mut at = start;
        for r in &self.sensitive {
            if r.end <= start || r.start >= end {
                continue;
            }
            let (a, b) = (r.start.max(start), r.end.min(end));
            if a > at {
                pieces.push((at..a, false));
            }
            pieces.push((a..b, true));
            at = b;
        }
        if at < end || pieces.is_empty() {
            pieces.push((at..end, false));
        }
        let text = pieces
            .iter()
            .map(|(r, hidden)| {
                if *hidden {
                    super::sensitive::SHOWN
                } else {
                    &self.text[r.clone()]
                }
            })
            .collect();
        ShownLine {
            text,
            pieces,
            source: &self.text,
            end,
        }
    }
}

/// The closest candidate to `word` when it is near enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase());
        let limit = (c.len().max(word.len()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal-string-alignment distance: a swap of two neighbours (`evn` for
/// `env`) counts as one edit, as it is one typo.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_chars() {
        let mut s = Sources::default();
        let id = s.add("a.rtm.hcl".into(), "ab\né = 1\n".into());
        assert_eq!(s.line_col(id, 0), (1, 1));
        assert_eq!(s.line_col(id, 3), (2, 1));
        assert_eq!(s.line_col(id, 6), (2, 3));
        assert_eq!(s.line_col(id, 999), (3, 1));
    }

    #[test]
    fn suggests_near_misses_only() {
        let c = [
            "update_runtime_on",
            "runtime_version_arn",
            "pin_until",
            "reason",
        ];
        assert_eq!(
            did_you_mean("update_runtime_of", &c),
            Some("update_runtime_on")
        );
        assert_eq!(did_you_mean("pinuntil", &c), Some("pin_until"));
        assert_eq!(did_you_mean("colour", &c), None);
    }

    #[test]
    fn renders_a_snippet_with_the_span_underlined() {
        let mut s = Sources::default();
        let text = "function \"a\" {\n  memory_size = 5\n}\n";
        s.add("f.rtm.hcl".into(), text.into());
        let d = Diagnostic {
            severity: Severity::Error,
            file: "f.rtm.hcl".into(),
            line: 2,
            column: 17,
            message: "memory_size must be between 128 and 10240".into(),
            help: Some("use at least 128".into()),
            label: Some("5 MB".into()),
            notes: vec![],
            span: Some(31..32),
        };
        let out = render_human(&[d], &s, false);
        assert!(out.contains("--> f.rtm.hcl:2:17"), "{out}");
        assert!(out.contains("2 |   memory_size = 5\n"), "{out}");
        assert!(out.contains("                ^ 5 MB"), "{out}");
        assert!(out.contains("= help: use at least 128"), "{out}");
    }
}
