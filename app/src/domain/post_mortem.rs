//! Post-mortems: their workflow (draft → in review → published), who may change them at each
//! step, templates split into sections, the timeline pre-filled from an incident, contributing
//! factors (the blameless-writing check is `blame.rs`).

use super::incident::{KeyTime, KeyTimes};
use super::permissions::OrgRole;
use super::FieldError;
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Where a post-mortem is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostMortemStatus {
    Draft,
    InReview,
    Published,
}

impl PostMortemStatus {
    pub const ALL: [PostMortemStatus; 3] = [PostMortemStatus::Draft, PostMortemStatus::InReview, PostMortemStatus::Published];

    pub fn as_str(self) -> &'static str {
        match self {
            PostMortemStatus::Draft => "draft",
            PostMortemStatus::InReview => "in_review",
            PostMortemStatus::Published => "published",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PostMortemStatus::Draft => "Draft",
            PostMortemStatus::InReview => "In review",
            PostMortemStatus::Published => "Published",
        }
    }

    pub fn parse(value: &str) -> Option<PostMortemStatus> {
        PostMortemStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// A post-mortem template (see `template_sections`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub id: i64,
    pub name: String,
    pub body: String,
    pub required_approvals: i64,
    pub is_default: bool,
    pub revision: i64,
}

/// A post-mortem with what it shows of its incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMortem {
    pub id: i64,
    pub incident_id: i64,
    pub incident_title: String,
    pub severity_name: String,
    pub key_times: KeyTimes,
    pub owner_id: i64,
    pub owner_name: String,
    pub status: PostMortemStatus,
    pub users_affected: String,
    pub financial_impact: String,
    pub slos_breached: String,
    pub required_approvals: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A section of a post-mortem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: i64,
    pub position: i64,
    pub heading: String,
    pub guidance: String,
    pub body: String,
    pub body_html: String,
    pub revision: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: Option<String>,
}

impl PostMortem {
    /// Whether someone gave any of the impact figures people write (the duration comes from the
    /// incident's key times).
    pub fn has_impact_figures(&self) -> bool {
        [&self.users_affected, &self.financial_impact, &self.slos_breached].iter().any(|v| !v.trim().is_empty())
    }
}

impl Section {
    /// Whether anything is written in it.
    pub fn is_written(&self) -> bool {
        !self.body.trim().is_empty()
    }

    /// Whether `text` (typed in an editor, not saved) says something else than the saved text,
    /// once line ends and trailing space are normalized as saving does.
    pub fn differs_from(&self, text: &str) -> bool {
        text.replace("\r\n", "\n").trim_end() != self.body.trim_end()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor {
    pub id: i64,
    pub category: FactorCategory,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    pub user_id: i64,
    pub name: String,
    pub decision: Decision,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A comment of the review, or a workflow event (`kind` other than "comment").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub author_name: String,
    pub kind: String,
    pub body_html: String,
    pub created_at: DateTime<Utc>,
}

/// What a section or an impact field said before an edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub id: i64,
    pub part: String,
    pub previous: String,
    pub edited_by_name: String,
    pub edited_at: DateTime<Utc>,
}

/// Who is asking to change a post-mortem, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Editor {
    pub role: OrgRole,
    pub is_owner: bool,
    pub is_reviewer: bool,
}

/// Whether `editor` may change the text of a post-mortem in `status`: in draft every responder
/// (the team writes it together); in review its owner, its reviewers and admins; once published
/// only admins (and every edit is kept). Viewers never.
pub fn may_edit(status: PostMortemStatus, editor: Editor) -> bool {
    match editor.role {
        OrgRole::Viewer => false,
        OrgRole::Admin => true,
        OrgRole::Responder => match status {
            PostMortemStatus::Draft => true,
            PostMortemStatus::InReview => editor.is_owner || editor.is_reviewer,
            PostMortemStatus::Published => false,
        },
    }
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Pending,
    Approved,
    ChangesRequested,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pending => "pending",
            Decision::Approved => "approved",
            Decision::ChangesRequested => "changes_requested",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Pending => "Not reviewed yet",
            Decision::Approved => "Approved",
            Decision::ChangesRequested => "Changes requested",
        }
    }

    pub fn parse(value: &str) -> Option<Decision> {
        [Decision::Pending, Decision::Approved, Decision::ChangesRequested].into_iter().find(|d| d.as_str() == value)
    }
}

/// How many of `decisions` are approvals.
pub fn approvals(decisions: &[Decision]) -> i64 {
    decisions.iter().filter(|d| **d == Decision::Approved).count() as i64
}

/// What keeps a post-mortem in review from being published: the one rule both `check_move` and
/// `publish_blocker` word.
enum PublishBlock {
    ChangesRequested,
    /// Approvals still missing.
    Approvals(i64),
}

/// `decisions` are those that count (reviewers other than the owner).
fn publish_block(decisions: &[Decision], required: i64) -> Option<PublishBlock> {
    if decisions.contains(&Decision::ChangesRequested) {
        return Some(PublishBlock::ChangesRequested);
    }
    let missing = required - approvals(decisions);
    (missing > 0).then_some(PublishBlock::Approvals(missing))
}

/// What still keeps a post-mortem in review from being published, in a few words to show beside
/// its Publish button ("Needs 1 more approval"); `None` when it may be published. `decisions` are
/// those that count (reviewers other than the owner, as `check_move` is given them).
pub fn publish_blocker(decisions: &[Decision], required: i64) -> Option<String> {
    publish_block(decisions, required).map(|block| match block {
        PublishBlock::ChangesRequested => "A reviewer asked for changes".to_string(),
        PublishBlock::Approvals(missing) => format!("Needs {missing} more approval{}", if missing == 1 { "" } else { "s" }),
    })
}

/// Checks a move of the workflow, given the reviewers' decisions; the refusal is a sentence.
/// - draft → in review: needs a reviewer.
/// - in review → draft: back to writing (changes requested, say).
/// - in review → published: needs `required` approvals and no reviewer asking for changes.
pub fn check_move(from: PostMortemStatus, to: PostMortemStatus, decisions: &[Decision], required: i64) -> Result<(), String> {
    use PostMortemStatus::*;
    match (from, to) {
        (Draft, InReview) if decisions.is_empty() => Err("Add at least one reviewer before sending it to review.".to_string()),
        (Draft, InReview) | (InReview, Draft) => Ok(()),
        (InReview, Published) => match publish_block(decisions, required) {
            None => Ok(()),
            Some(PublishBlock::ChangesRequested) => {
                Err("A reviewer asked for changes: make them, and ask that reviewer to approve.".to_string())
            }
            Some(PublishBlock::Approvals(_)) => Err(format!(
                "Publishing needs {required} approval{}; it has {}.",
                if required == 1 { "" } else { "s" },
                approvals(decisions)
            )),
        },
        (Draft, Published) => Err("Send it to review first: publishing needs the reviewers' approval.".to_string()),
        (Published, _) => Err("It is published already.".to_string()),
        (same, other) if same == other => Err(format!("It is {} already.", same.label().to_lowercase())),
        _ => Err("That step is not possible from here.".to_string()),
    }
}

/// A section of a template: its heading and the guidance written under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSection {
    pub heading: String,
    pub guidance: String,
}

/// The heading whose section is pre-filled with the incident's timeline.
pub const TIMELINE_HEADING: &str = "Timeline";

/// The heading of the section where a post-mortem's page shows its impact figures (users
/// affected, duration, financial impact, SLOs breached): the figures are the one place for
/// impact, and the section's own text, if it has any, follows them.
pub const IMPACT_HEADING: &str = "Impact";

/// Whether a section with `heading` is the impact section (`IMPACT_HEADING`, in any case).
pub fn is_impact_heading(heading: &str) -> bool {
    heading.trim().eq_ignore_ascii_case(IMPACT_HEADING)
}

/// Most sections a template may have.
pub const MAX_SECTIONS: usize = 20;

/// Splits a template into its sections: each line starting with `## ` begins one, and the text
/// under it is its guidance. Text before the first heading is ignored.
pub fn template_sections(body: &str) -> Vec<TemplateSection> {
    let mut sections: Vec<TemplateSection> = Vec::new();
    for line in body.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            sections.push(TemplateSection { heading: heading.trim().to_string(), guidance: String::new() });
        } else if let Some(section) = sections.last_mut() {
            if !section.guidance.is_empty() || !line.trim().is_empty() {
                section.guidance.push_str(line);
                section.guidance.push('\n');
            }
        }
    }
    for section in &mut sections {
        section.guidance = section.guidance.trim_end().to_string();
    }
    sections
}

/// Checks a template's name, body and approvals; gives the cleaned name and body.
pub fn validate_template(name: &str, body: &str, required_approvals: i64) -> Result<(String, String), FieldError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(FieldError::new("name", "Give the template a name."));
    }
    if name.chars().count() > 100 {
        return Err(FieldError::new("name", "Keep the name under 100 characters."));
    }
    let body = body.trim().replace("\r\n", "\n");
    let sections = template_sections(&body);
    if sections.is_empty() {
        return Err(FieldError::new("body", "Start each section with a line \"## Heading\"; this template has none."));
    }
    if sections.len() > MAX_SECTIONS {
        return Err(FieldError::new("body", format!("A template has at most {MAX_SECTIONS} sections.")));
    }
    if sections.iter().any(|s| s.heading.is_empty()) {
        return Err(FieldError::new("body", "Every \"## \" line needs a heading after it."));
    }
    if body.chars().count() > 20_000 {
        return Err(FieldError::new("body", "Keep the template under 20,000 characters."));
    }
    if !(0..=5).contains(&required_approvals) {
        return Err(FieldError::new("required_approvals", "Choose between 0 and 5 approvals."));
    }
    Ok((name.to_string(), body))
}

/// A section's Markdown: at most 50,000 characters, line ends normalized.
pub fn normalize_section_body(input: &str) -> Result<String, FieldError> {
    let body = input.replace("\r\n", "\n").trim_end().to_string();
    if body.chars().count() > 50_000 {
        return Err(FieldError::new("body", "Keep a section under 50,000 characters; split it if you need more."));
    }
    Ok(body)
}

/// One of the impact card's short fields: at most 500 characters.
pub fn normalize_impact_field(field: &'static str, input: &str) -> Result<String, FieldError> {
    let value = input.trim();
    if value.chars().count() > 500 {
        return Err(FieldError::new(field, "Keep this under 500 characters; the sections have room for more."));
    }
    Ok(value.to_string())
}

/// The Markdown that pre-fills the timeline section: the key times and the pinned timeline
/// entries, oldest first, in `zone`.
pub fn timeline_markdown<Tz: TimeZone>(key_times: &KeyTimes, pinned: &[(DateTime<Utc>, String)], zone: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let mut entries: Vec<(DateTime<Utc>, String)> = Vec::new();
    for which in KeyTime::ALL {
        if let Some(at) = key_times.get(which) {
            entries.push((at, format!("**{}**", which.label())));
        }
    }
    for (at, body) in pinned {
        // One line per entry: a multi-line note keeps its first line.
        let first = body.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or_default();
        entries.push((*at, first.to_string()));
    }
    entries.sort_by_key(|(at, _)| *at);
    if entries.is_empty() {
        return String::new();
    }
    entries
        .into_iter()
        .map(|(at, text)| format!("- {} — {text}", at.with_timezone(zone).format("%Y-%m-%d %H:%M %Z")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a contributing factor is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorCategory {
    Technical,
    Process,
    HumanFactors,
    External,
}

impl FactorCategory {
    pub const ALL: [FactorCategory; 4] =
        [FactorCategory::Technical, FactorCategory::Process, FactorCategory::HumanFactors, FactorCategory::External];

    pub fn as_str(self) -> &'static str {
        match self {
            FactorCategory::Technical => "technical",
            FactorCategory::Process => "process",
            FactorCategory::HumanFactors => "human_factors",
            FactorCategory::External => "external",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FactorCategory::Technical => "Technical",
            FactorCategory::Process => "Process",
            FactorCategory::HumanFactors => "Human factors",
            FactorCategory::External => "External",
        }
    }

    pub fn parse(value: &str) -> Result<FactorCategory, FieldError> {
        FactorCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == value)
            .ok_or_else(|| FieldError::new("category", "Choose a category from the list."))
    }
}

/// A contributing factor's description: 1 to 1,000 characters.
pub fn normalize_factor(input: &str) -> Result<String, FieldError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(FieldError::new("description", "Describe the factor."));
    }
    if text.chars().count() > 1000 {
        return Err(FieldError::new("description", "Keep a factor under 1,000 characters."));
    }
    Ok(text.to_string())
}

/// How far the action items of a post-mortem or an incident have come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Completion {
    /// Items done or won't do.
    pub finished: i64,
    pub total: i64,
}

impl Completion {
    /// Complete when every item is done or won't do (and there is at least one).
    pub fn is_complete(self) -> bool {
        self.total > 0 && self.finished == self.total
    }

    pub fn text(self) -> String {
        if self.total == 0 { "No action items".to_string() } else { format!("{} of {} done", self.finished, self.total) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn editor(role: OrgRole, is_owner: bool, is_reviewer: bool) -> Editor {
        Editor { role, is_owner, is_reviewer }
    }

    #[test]
    fn who_may_edit_follows_the_workflow() {
        use PostMortemStatus::*;
        let cases = [
            // (status, role, owner, reviewer, may edit)
            (Draft, OrgRole::Responder, false, false, true),
            (Draft, OrgRole::Viewer, true, true, false),
            (InReview, OrgRole::Responder, false, false, false),
            (InReview, OrgRole::Responder, true, false, true),
            (InReview, OrgRole::Responder, false, true, true),
            (InReview, OrgRole::Admin, false, false, true),
            (Published, OrgRole::Responder, true, true, false),
            (Published, OrgRole::Admin, false, false, true),
            (Published, OrgRole::Viewer, false, false, false),
        ];
        for (status, role, owner, reviewer, expected) in cases {
            assert_eq!(may_edit(status, editor(role, owner, reviewer)), expected, "{status:?} {role:?} owner={owner} reviewer={reviewer}");
        }
    }

    #[test]
    fn publishing_needs_the_required_approvals_and_no_changes_requested() {
        use Decision::*;
        use PostMortemStatus::*;
        assert!(check_move(Draft, InReview, &[], 1).unwrap_err().contains("reviewer"));
        assert!(check_move(Draft, InReview, &[Pending], 1).is_ok());
        assert!(check_move(Draft, Published, &[Approved], 1).unwrap_err().contains("review first"));
        assert_eq!(check_move(InReview, Published, &[Pending], 1).unwrap_err(), "Publishing needs 1 approval; it has 0.");
        assert_eq!(check_move(InReview, Published, &[Approved, Pending], 2).unwrap_err(), "Publishing needs 2 approvals; it has 1.");
        assert!(check_move(InReview, Published, &[Approved, ChangesRequested], 1).unwrap_err().contains("asked for changes"));
        assert!(check_move(InReview, Published, &[Approved], 1).is_ok());
        assert!(check_move(InReview, Published, &[Pending], 0).is_ok());
        assert!(check_move(InReview, Draft, &[ChangesRequested], 1).is_ok());
        assert!(check_move(Published, Draft, &[Approved], 1).unwrap_err().contains("published already"));
        assert!(check_move(Draft, Draft, &[], 1).unwrap_err().contains("draft already"));
    }

    #[test]
    fn the_publish_blocker_says_what_is_missing_and_agrees_with_check_move() {
        use Decision::*;
        assert_eq!(publish_blocker(&[Pending], 1).as_deref(), Some("Needs 1 more approval"));
        assert_eq!(publish_blocker(&[Approved, Pending, Pending], 3).as_deref(), Some("Needs 2 more approvals"));
        assert_eq!(publish_blocker(&[Approved, ChangesRequested], 1).as_deref(), Some("A reviewer asked for changes"));
        assert_eq!(publish_blocker(&[], 1).as_deref(), Some("Needs 1 more approval"));
        assert_eq!(publish_blocker(&[Approved], 1), None);
        assert_eq!(publish_blocker(&[Approved, Approved], 1), None);
        assert_eq!(publish_blocker(&[], 0), None);
        let all = [Pending, Approved, ChangesRequested];
        for required in 0..=3 {
            for a in all {
                for b in all {
                    for decisions in [vec![], vec![a], vec![a, b]] {
                        let may = check_move(PostMortemStatus::InReview, PostMortemStatus::Published, &decisions, required).is_ok();
                        assert_eq!(publish_blocker(&decisions, required).is_none(), may, "{decisions:?} required={required}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_impact_section_is_found_by_its_heading_in_any_case() {
        assert!(is_impact_heading("Impact"));
        assert!(is_impact_heading(" impact "));
        assert!(!is_impact_heading("Impact figures"));
        assert!(!is_impact_heading("Summary"));
    }

    #[test]
    fn a_draft_differs_from_the_saved_text_only_beyond_line_ends_and_trailing_space() {
        let section = Section {
            id: 1,
            position: 1,
            heading: "Summary".into(),
            guidance: String::new(),
            body: "Line one\nLine two".into(),
            body_html: String::new(),
            revision: 1,
            updated_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
            updated_by_name: None,
        };
        assert!(section.is_written());
        assert!(!section.differs_from("Line one\r\nLine two\n\n"));
        assert!(section.differs_from("Line one\nLine 2"));
        assert!(section.differs_from(""));
        let empty = Section { body: String::new(), ..section };
        assert!(!empty.is_written());
        assert!(!empty.differs_from("  \n"));
    }

    #[test]
    fn a_template_is_split_at_its_headings() {
        let sections = template_sections("Intro is ignored\n## Summary\nWhat happened.\n\n## Root cause\n\nWhy.\nReally why.\n## Empty\n");
        assert_eq!(
            sections,
            vec![
                TemplateSection { heading: "Summary".into(), guidance: "What happened.".into() },
                TemplateSection { heading: "Root cause".into(), guidance: "Why.\nReally why.".into() },
                TemplateSection { heading: "Empty".into(), guidance: "".into() },
            ]
        );
    }

    #[test]
    fn a_template_without_sections_or_with_bad_approvals_is_refused_on_its_field() {
        assert_eq!(validate_template(" ", "## A", 1).unwrap_err().field, "name");
        assert_eq!(validate_template("T", "no headings", 1).unwrap_err().field, "body");
        assert_eq!(validate_template("T", "## A", 6).unwrap_err().field, "required_approvals");
        assert_eq!(validate_template(" T ", "## A\r\nx\r\n", 0).unwrap(), ("T".to_string(), "## A\nx".to_string()));
    }

    #[test]
    fn the_timeline_lists_key_times_and_pinned_entries_in_order_in_the_zone() {
        let at = |h, m| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
        let key_times = KeyTimes { started: Some(at(9, 0)), detected: Some(at(9, 5)), resolved: Some(at(11, 0)), ..KeyTimes::default() };
        let pinned = vec![(at(9, 30), "Rolled back the deploy\nsecond line".to_string()), (at(9, 2), "Error rate alert fired".to_string())];
        let zone = chrono::FixedOffset::east_opt(3600).unwrap();
        let text = timeline_markdown(&key_times, &pinned, &zone);
        assert_eq!(
            text,
            "- 2026-03-02 10:00 +01:00 — **Impact started**\n\
             - 2026-03-02 10:02 +01:00 — Error rate alert fired\n\
             - 2026-03-02 10:05 +01:00 — **Detected**\n\
             - 2026-03-02 10:30 +01:00 — Rolled back the deploy\n\
             - 2026-03-02 12:00 +01:00 — **Resolved**"
        );
        assert_eq!(timeline_markdown(&KeyTimes::default(), &[], &zone), "");
    }

    #[test]
    fn completion_counts_done_and_wont_do() {
        assert!(!Completion { finished: 0, total: 0 }.is_complete());
        assert!(!Completion { finished: 2, total: 3 }.is_complete());
        assert!(Completion { finished: 3, total: 3 }.is_complete());
        assert_eq!(Completion { finished: 3, total: 5 }.text(), "3 of 5 done");
    }
}
