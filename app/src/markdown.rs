//! Markdown to safe HTML (server only): pulldown-cmark renders, ammonia sanitizes. Everything a
//! person writes is shown through here, so script, style and event-handler payloads never reach a
//! page.

use pulldown_cmark::{html, Options, Parser};

/// Renders Markdown and removes anything unsafe from the result. Links get
/// `rel="noopener noreferrer nofollow"`.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default().link_rel(Some("noopener noreferrer nofollow")).clean(&unsafe_html).to_string()
}

/// Plain text as HTML (for automatic timeline events, whose sentences quote names people typed).
pub fn text(plain: &str) -> String {
    format!("<p>{}</p>", ammonia::clean_text(plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered() {
        assert_eq!(render("**Rolled back** `v2.3`"), "<p><strong>Rolled back</strong> <code>v2.3</code></p>\n");
    }

    #[test]
    fn script_payloads_are_removed() {
        let html = render("<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[x](javascript:alert(3)) [ok](https://example.com)");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains(r#"<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>"#), "{html}");
    }

    #[test]
    fn plain_text_is_escaped() {
        assert_eq!(text("<b>Ops</b> & co"), "<p>&lt;b&gt;Ops&lt;&#47;b&gt;&#32;&amp;&#32;co</p>");
    }
}
