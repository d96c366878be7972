//! Terminal styles for the human and drift renderers, off unless asked for.

use anstyle::{AnsiColor, Style};

#[derive(Debug, Clone, Copy)]
pub struct Styler {
    pub enabled: bool,
}

impl Styler {
    pub fn new(enabled: bool) -> Styler {
        Styler { enabled }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.enabled {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    pub fn symbol(&self, symbol: &str) -> String {
        let color = match symbol.trim() {
            "+" => AnsiColor::Green,
            "-" => AnsiColor::Red,
            "-/+" => AnsiColor::Magenta,
            "i" => AnsiColor::Cyan,
            _ => AnsiColor::Yellow,
        };
        self.paint(Style::new().fg_color(Some(color.into())), symbol)
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    pub fn error(&self, text: &str) -> String {
        self.paint(
            Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            text,
        )
    }

    pub fn warn(&self, text: &str) -> String {
        self.paint(
            Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            text,
        )
    }

    pub fn ok(&self, text: &str) -> String {
        self.paint(
            Style::new().bold().fg_color(Some(AnsiColor::Green.into())),
            text,
        )
    }
}
