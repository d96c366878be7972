//! The layout rules over the token stream: hclwrite's spacing, indent by
//! bracket depth, `=` and comment alignment, and rtm's one blank line
//! between blocks. Must not lex (it reads `lex`'s tokens only).

use super::lex::{Kind, Token, bracket_change};

/// hclwrite's `spaceAfterToken`.
pub(super) fn space_after(
    subject: &Token<'_>,
    before: Option<&Token<'_>>,
    after: Option<&Token<'_>>,
) -> bool {
    use Kind::*;
    let Some(after) = after else { return false };
    let s = subject.kind;
    let a = after.kind;
    if a == Newline {
        return false;
    }
    if s == Ident && a == OParen {
        return false;
    }
    if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) {
        return false;
    }
    if s == Dot || a == Dot {
        return false;
    }
    if a == Comma || a == Ellipsis {
        return false;
    }
    if s == Comma {
        return true;
    }
    if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
        || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc)
    {
        return false;
    }
    if s == Ident && subject.text == "in" && before.is_some_and(|b| b.kind == Ident) {
        return true;
    }
    if a == OBrack && (s == Ident || s == Number || bracket_change(s) < 0) {
        return false;
    }
    if s == Bang {
        return false;
    }
    if s == Minus {
        return match before.map(|b| b.kind) {
            None => false,
            Some(OParen | OBrace | OBrack | Equal | Colon | Comma | Question | Minus | Bang) => {
                false
            }
            // After an arithmetic, comparison or logical operator a minus is a
            // negation; hclwrite does not list `=>`, so it spaces that one.
            Some(Operator) => before.is_some_and(|b| b.text == "=>"),
            _ => true,
        };
    }
    if s == OBrace || a == CBrace {
        return !(s == OBrace && a == CBrace);
    }
    if matches!(s, TemplateInterp | TemplateControl) && a == OBrace {
        return true;
    }
    if s == CBrace && a == TemplateSeqEnd {
        return true;
    }
    if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) {
        return false;
    }
    if bracket_change(s) > 0 {
        return false;
    }
    if bracket_change(a) < 0 {
        return false;
    }
    true
}

pub(super) fn is_newline(t: &Token<'_>) -> bool {
    t.kind == Kind::Newline || (t.kind == Kind::Comment && t.text.ends_with('\n'))
}

/// What a line is, for the blank lines between blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Blank,
    /// A line that is only a comment (it belongs to what follows it).
    Comment,
    /// `name "label" {`
    BlockOpen,
    /// The `}` that closes a block.
    BlockClose,
    /// A block on one line: `tracing_config { mode = "Active" }`.
    BlockWhole,
    /// Anything else: attributes, their continuation lines, heredoc bodies.
    Other,
}

pub(super) struct Line<'a> {
    lead: Vec<Token<'a>>,
    assign: Vec<Token<'a>>,
    comment: Vec<Token<'a>>,
}

/// Columns as hclwrite counts them: one per space, one per grapheme cluster
/// (so a flag emoji, a family emoji or `e` with a combining accent is one,
/// and so is a wide CJK character: terraform counts clusters, not display
/// width). One known difference: go-textseg follows Unicode 15.0, before
/// rule GB9c, so terraform counts an Indic conjunct such as `क्ष` as two.
pub(super) fn width(tokens: &[Token<'_>]) -> usize {
    use unicode_segmentation::UnicodeSegmentation;
    tokens
        .iter()
        .map(|t| t.spaces_before + t.text.trim_end_matches('\n').graphemes(true).count())
        .sum()
}

pub(super) fn layout(tokens: Vec<Token<'_>>) -> String {
    // Split into lines at newline tokens (a `#` comment ends its line).
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut cur = Vec::new();
    for t in tokens {
        let nl = is_newline(&t);
        cur.push(t);
        if nl {
            lines.push(Line {
                lead: std::mem::take(&mut cur),
                assign: Vec::new(),
                comment: Vec::new(),
            });
        }
    }
    if !cur.is_empty() {
        lines.push(Line {
            lead: cur,
            assign: Vec::new(),
            comment: Vec::new(),
        });
    }
    // Trailing comments and assignments into their own cells.
    for line in &mut lines {
        if line.lead.is_empty() {
            continue;
        }
        let last = line.lead.len() - 1;
        let has_newline_tok = line.lead[last].kind == Kind::Newline;
        let comment_idx = if has_newline_tok && last >= 1 {
            last - 1
        } else {
            last
        };
        if line.lead.len() > 1 && line.lead[comment_idx].kind == Kind::Comment && comment_idx > 0 {
            line.comment = line.lead.split_off(comment_idx);
        }
        if let Some(eq) = line
            .lead
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, t)| t.kind == Kind::Equal)
            .map(|(i, _)| i)
        {
            let mut net = 0;
            for t in &line.lead[eq..] {
                net += bracket_change(t.kind);
                if t.kind == Kind::OHeredoc {
                    break;
                }
            }
            if net == 0 {
                line.assign = line.lead.split_off(eq);
            }
        }
    }
    // Spaces between tokens.
    for line in &mut lines {
        for cell in [&mut line.lead, &mut line.assign] {
            for i in 0..cell.len() {
                let sp = {
                    let before = if i > 0 { cell.get(i - 1) } else { None };
                    space_after(&cell[i], before, cell.get(i + 1))
                };
                if let Some(next) = cell.get_mut(i + 1) {
                    next.spaces_before = usize::from(sp);
                }
            }
        }
        if let Some(first) = line.assign.first_mut() {
            first.spaces_before = 1;
        }
        for (i, t) in line.comment.iter_mut().enumerate() {
            if i > 0 {
                t.spaces_before = 0;
            }
        }
    }
    // Indentation by bracket depth, noting which lines open and close blocks.
    let mut indents: Vec<i32> = Vec::new();
    // Parallel to `indents`: whether that level was opened by a block.
    let mut opened_by_block: Vec<bool> = Vec::new();
    let mut roles: Vec<(Role, usize)> = Vec::with_capacity(lines.len());
    for line in &mut lines {
        if line.lead.is_empty() {
            roles.push((Role::Other, indents.len()));
            continue;
        }
        if line.lead[0].kind == Kind::Newline {
            line.lead[0].spaces_before = 0;
            roles.push((Role::Blank, indents.len()));
            continue;
        }
        if matches!(line.lead[0].kind, Kind::StringLit) {
            // A heredoc body line: verbatim.
            roles.push((Role::Other, indents.len()));
            continue;
        }
        let block_line = line.lead[0].kind == Kind::Ident
            && line
                .lead
                .iter()
                .chain(&line.assign)
                .find(|t| matches!(t.kind, Kind::Equal | Kind::OBrace))
                .is_some_and(|t| t.kind == Kind::OBrace);
        let mut closes_block = false;
        let mut net = 0;
        for t in line.lead.iter().chain(line.assign.iter()) {
            net += bracket_change(t.kind);
            if t.kind == Kind::OHeredoc {
                break;
            }
        }
        if net < 0 {
            let mut closed = -net;
            let mut first = true;
            while closed > 0 {
                let Some(top) = indents.last_mut() else { break };
                if first {
                    closes_block = line.lead[0].kind == Kind::CBrace
                        && opened_by_block.last().copied().unwrap_or(false);
                    first = false;
                }
                if closed > *top {
                    closed -= *top;
                    indents.pop();
                    opened_by_block.pop();
                } else if closed < *top {
                    *top -= closed;
                    closed = 0;
                } else {
                    indents.pop();
                    opened_by_block.pop();
                    closed = 0;
                }
            }
        }
        let level = indents.len();
        if line.lead[0].kind != Kind::CHeredoc {
            line.lead[0].spaces_before = 2 * level;
        }
        if net > 0 {
            indents.push(net);
            opened_by_block.push(block_line);
        }
        let only_comment = line
            .lead
            .iter()
            .all(|t| matches!(t.kind, Kind::Comment | Kind::Newline));
        let role = match (block_line, net, closes_block) {
            _ if only_comment => Role::Comment,
            (true, 1.., _) => Role::BlockOpen,
            (true, 0, _) => Role::BlockWhole,
            (_, _, true) => Role::BlockClose,
            _ => Role::Other,
        };
        roles.push((role, level));
    }
    // Align `=` within runs of single-line attributes, then trailing comments.
    align(&mut lines, false);
    align(&mut lines, true);
    let mut out = String::new();
    // For each line, the first line from it on that is not a comment: a
    // comment belongs to what follows it.
    let mut next_code: Vec<Option<(Role, usize)>> = vec![None; roles.len()];
    let mut following = None;
    for (i, &(role, level)) in roles.iter().enumerate().rev() {
        if role != Role::Comment {
            following = Some((role, level));
        }
        next_code[i] = following;
    }
    let mut previous: Option<(Role, usize)> = None;
    for (i, (line, &(role, level))) in lines.iter().zip(&roles).enumerate() {
        match (previous, role) {
            // One blank line at most, none at the start.
            (None | Some((Role::Blank, _)), Role::Blank) => continue,
            // One blank line between a block and the next block.
            (Some((Role::BlockClose | Role::BlockWhole, before_level)), _)
                if matches!(
                    next_code[i],
                    Some((Role::BlockOpen | Role::BlockWhole, l)) if l == before_level
                ) && level == before_level =>
            {
                out.push('\n');
            }
            _ => {}
        }
        previous = Some((role, level));
        for t in line.lead.iter().chain(&line.assign).chain(&line.comment) {
            // Token text is kept whole: terraform keeps the trailing blanks
            // of a comment or a heredoc's closing line too.
            for _ in 0..t.spaces_before {
                out.push(' ');
            }
            out.push_str(t.text);
        }
    }
    out
}

/// Aligns the first token of the assignment cell (or, with `comments`, of
/// the trailing-comment cell) across each run of lines that have one.
pub(super) fn align(lines: &mut [Line<'_>], comments: bool) {
    let member = |l: &Line<'_>| {
        if comments {
            !l.comment.is_empty()
        } else {
            !l.assign.is_empty()
        }
    };
    let columns = |l: &Line<'_>| {
        if comments {
            width(&l.lead) + width(&l.assign)
        } else {
            width(&l.lead)
        }
    };
    let mut start: Option<usize> = None;
    let mut max = 0;
    let n = lines.len();
    for i in 0..=n {
        if i < n && member(&lines[i]) {
            if start.is_none() {
                start = Some(i);
                max = 0;
            }
            max = max.max(columns(&lines[i]));
        } else if let Some(s) = start.take() {
            for line in &mut lines[s..i] {
                let c = columns(line);
                let cell = if comments {
                    &mut line.comment
                } else {
                    &mut line.assign
                };
                if let Some(first) = cell.first_mut() {
                    first.spaces_before = max - c + 1;
                }
            }
        }
    }
}
