//! The blameless check of post-mortem text: it points out sentences that make a person the cause
//! ("Bob broke the deploy.", "The on-call engineer forgot to check the dashboard.") or use a
//! blaming phrase ("human error"), and says what to write instead. It warns; it never refuses.
//!
//! A sentence blames when a person-like subject is followed by a blame verb. Person-like: a
//! name Quell knows, a capitalised word that reads as a given name (not a sentence starter, a
//! technology or one of the organisation's services), a role ("the engineer", "the on-call", "our
//! SRE") or a pronoun for a person ("he", "she", "they", "someone"). A blame verb: "broke",
//! "forgot", "failed to", "should have", "didn't", "was supposed to", an adverb such as
//! "accidentally" … ; for a role, a pronoun or a known name, also "deleted", "dropped" and the
//! like. "The outage was caused by Mallory." blames too.
//!
//! No I/O.

use serde::{Deserialize, Serialize};

/// A sentence that seems to blame a person, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlameWarning {
    pub sentence: String,
    pub suggestion: String,
}

/// Verbs (and adverbs) that, right after a person, make the person the cause.
const BLAME_VERBS: &[&str] = &[
    "broke", "breaks", "break", "forgot", "forgets", "neglected", "neglects", "ignored", "ignores", "overlooked", "overlooks",
    "botched", "caused", "causes", "missed", "misses", "messed", "screwed", "failed", "fails", "didn't", "didnt", "never",
    "mistakenly", "accidentally", "carelessly", "wrongly", "recklessly", "negligently", "misconfigured", "fat-fingered",
    "shouldn't", "should've",
];

/// Verbs that blame only after a subject that is surely a person (a role, a pronoun, a known
/// name): after a capitalised word they could as well be about a system.
const PERSON_ONLY_VERBS: &[&str] = &["deleted", "dropped", "removed", "skipped", "misread", "mistyped", "disabled"];

/// Words that may come between a person and the verb: "Bob just broke …".
const FILLERS: &[&str] = &["just", "also", "again", "then", "still", "simply", "probably", "apparently", "clearly", "obviously"];

/// Past participles that, with "by <person>" later in the sentence, blame the person.
const BLAME_PARTICIPLES: &[&str] = &["broken", "caused", "missed", "ignored", "overlooked", "botched", "deleted", "dropped", "misconfigured"];

/// Phrases that blame whoever they are about.
const BLAME_PHRASES: &[&str] =
    &["human error", "his fault", "her fault", "their fault", "fault of", "to blame", "blame on", "blame lies", "operator error", "user error"];

/// Words for a person in a role.
const ROLES: &[&str] = &[
    "engineer", "engineers", "developer", "developers", "dev", "devs", "operator", "operators", "admin", "administrator", "sre",
    "sres", "intern", "on-call", "oncall", "responder", "reviewer", "contractor", "employee", "manager", "author", "committer",
    "team", "teammate", "colleague", "person", "lead", "architect",
];

/// Words that come before a role: "the engineer", "our SRE".
const DETERMINERS: &[&str] = &["the", "our", "a", "an", "that", "this", "their", "his", "her", "one", "another", "some"];

/// Pronouns and the like that stand for a person.
const PEOPLE: &[&str] = &["he", "she", "they", "someone", "somebody"];

/// Capitalised words that are not people: sentence starters and common nouns.
const NOT_NAMES: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "our", "their", "his", "her", "we", "you", "nobody",
    "everyone", "everybody", "everything", "nothing", "something", "anything", "anyone", "after", "before", "when", "while",
    "then", "because", "since", "during", "at", "on", "in", "by", "for", "from", "to", "with", "without", "if", "once", "as",
    "also", "later", "earlier", "finally", "first", "second", "next", "meanwhile", "however", "there", "here", "what", "why",
    "how", "who", "which", "traffic", "latency", "disk", "memory", "load", "deploy", "deploys", "deployment", "release",
    "database", "cache", "service", "services", "server", "servers", "system", "systems", "alert", "alerts", "customers",
    "users", "requests", "errors", "sessions", "jobs", "queue", "queues", "nodes", "pods", "backups", "replication", "config",
    "configuration", "change", "changes", "migration", "script", "tests", "test", "build", "pipeline", "network", "storage",
    "search", "login", "auth", "automation", "rollback", "failover", "upgrade", "patch", "cluster", "primary", "replica",
    "production", "staging", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
];

/// Technologies whose capitalised names read like given names.
const TECHNOLOGIES: &[&str] = &[
    "kubernetes", "redis", "postgres", "postgresql", "mysql", "nginx", "kafka", "docker", "terraform", "linux", "jenkins",
    "cloudflare", "grafana", "prometheus", "alertmanager", "elasticsearch", "varnish", "ansible", "helm", "vault", "consul",
    "sentry", "datadog", "stripe", "slack", "quell", "chrome", "safari", "firefox", "java", "python", "node", "rust", "ruby",
    "rails", "django", "spring", "azure", "google", "amazon", "heroku", "vercel", "netlify", "fastly", "akamai", "memcached",
    "mongo", "cassandra", "celery", "sidekiq", "envoy", "istio", "traefik", "github", "gitlab", "windows", "android", "ios",
];

/// One word of a sentence as written and in lower case.
struct Word {
    written: String,
    lower: String,
}

/// Points out the sentences of `text` that seem to blame a person. `names` are the names of
/// people Quell knows (full names; first names of two letters or more count too); `things`
/// are names of what the organisation runs (its services), which are never people.
pub fn blame_warnings(text: &str, names: &[String], things: &[String]) -> Vec<BlameWarning> {
    let mut known: Vec<Vec<String>> = Vec::new();
    for name in names {
        let parts: Vec<String> = split_words(name).into_iter().map(|w| w.lower).collect();
        if parts.is_empty() {
            continue;
        }
        if parts.len() > 1 && parts[0].chars().count() >= 2 {
            known.push(vec![parts[0].clone()]);
        }
        known.push(parts);
    }
    let things: Vec<String> = things.iter().flat_map(|t| split_words(t)).map(|w| w.lower).collect();
    let mut warnings = Vec::new();
    for sentence in sentences(text) {
        let words = split_words(sentence);
        let lower = sentence.to_lowercase();
        let suggestion = if let Some(who) = blamed(&words, &known, &things) {
            format!(
                "This makes {who} the cause. Describe what the system allowed instead, e.g. \"the deploy tool let an unreviewed change reach production\"."
            )
        } else if let Some(phrase) = BLAME_PHRASES.iter().find(|phrase| lower.contains(*phrase)) {
            format!("\"{phrase}\" puts the cause on a person. Describe the conditions that made the mistake easy, and what would catch it next time.")
        } else {
            continue;
        };
        warnings.push(BlameWarning { sentence: sentence.trim().to_string(), suggestion });
    }
    warnings
}

/// Whom the sentence blames, as written ("Bob", "the on-call engineer"), if anyone.
fn blamed(words: &[Word], known: &[Vec<String>], things: &[String]) -> Option<String> {
    for start in 0..words.len() {
        for (len, certain) in people_at(words, start, known, things) {
            if blames_after(words, start + len, certain) {
                return Some(written(&words[start..start + len]));
            }
        }
    }
    // "… was caused by Mallory."
    let participle = words.iter().position(|w| BLAME_PARTICIPLES.contains(&w.lower.as_str()))?;
    let by = words[participle..].iter().position(|w| w.lower == "by")? + participle;
    let (len, _) = people_at(words, by + 1, known, things).into_iter().next()?;
    Some(written(&words[by + 1..by + 1 + len]))
}

/// The person-like subjects that start at `start`, each as how many words it takes and whether
/// it is surely a person (a known name, a role, a pronoun) rather than a capitalised word:
/// "the on-call" and "the on-call engineer" both start "the on-call engineer forgot".
fn people_at(words: &[Word], start: usize, known: &[Vec<String>], things: &[String]) -> Vec<(usize, bool)> {
    let mut found = Vec::new();
    let Some(rest) = words.get(start..) else { return found };
    let Some(first) = rest.first() else { return found };
    // A name Quell knows.
    for name in known {
        if rest.len() >= name.len() && rest.iter().zip(name).all(|(w, n)| &w.lower == n) {
            found.push((name.len(), true));
        }
    }
    if PEOPLE.contains(&first.lower.as_str()) {
        found.push((1, true));
    }
    // A role, after a determiner and up to two words that qualify it, or on its own.
    let after_determiner = usize::from(DETERMINERS.contains(&first.lower.as_str()));
    for qualifiers in 0..=2 {
        let at = start + after_determiner + qualifiers;
        match words.get(at) {
            Some(word) if ROLES.contains(&word.lower.as_str()) && (after_determiner == 1 || qualifiers == 0) => {
                found.push((at + 1 - start, true));
            }
            Some(word) if word.lower.chars().all(|c| c.is_alphabetic() || c == '-') => {}
            _ => break,
        }
    }
    // A capitalised given name, with a capitalised surname perhaps; not after "the".
    let after_article = start > 0 && DETERMINERS.contains(&words[start - 1].lower.as_str());
    if !after_article && reads_as_name(first, things) {
        found.push((1, false));
        if rest.get(1).is_some_and(|w| reads_as_name(w, things)) {
            found.push((2, false));
        }
    }
    found
}

/// "Bob", "Ada": a capitalised word of letters that is not a sentence starter, a technology, one
/// of `things`, or a word ending in "-ing" ("Monitoring").
fn reads_as_name(word: &Word, things: &[String]) -> bool {
    let mut chars = word.written.chars();
    let capitalised = chars.next().is_some_and(char::is_uppercase) && chars.all(char::is_lowercase);
    let length = word.lower.chars().count();
    capitalised
        && (2..=15).contains(&length)
        && !(length > 5 && word.lower.ends_with("ing"))
        && !NOT_NAMES.contains(&word.lower.as_str())
        && !TECHNOLOGIES.contains(&word.lower.as_str())
        && !things.contains(&word.lower)
}

/// Whether the words from `at` blame the subject before them (`certain`: it is surely a person).
fn blames_after(words: &[Word], at: usize, certain: bool) -> bool {
    let mut at = at;
    if words.get(at).is_some_and(|w| FILLERS.contains(&w.lower.as_str())) {
        at += 1;
    }
    let Some(verb) = words.get(at).map(|w| w.lower.as_str()) else { return false };
    let next = words.get(at + 1).map(|w| w.lower.as_str());
    match verb {
        "should" => next == Some("have") || next == Some("not"),
        "did" => next == Some("not"),
        "was" | "were" => matches!(next, Some("supposed" | "careless" | "negligent" | "sloppy" | "reckless")),
        verb => BLAME_VERBS.contains(&verb) || (certain && PERSON_ONLY_VERBS.contains(&verb)),
    }
}

/// Words as written, joined by spaces, with "The" at the start lowered: "the on-call engineer".
fn written(words: &[Word]) -> String {
    let text = words.iter().map(|w| w.written.as_str()).collect::<Vec<_>>().join(" ");
    match words.first() {
        Some(first) if DETERMINERS.contains(&first.lower.as_str()) => text.to_lowercase(),
        _ => text,
    }
}

/// The words of `text`: letters, digits, apostrophes and inner hyphens ("on-call", "didn't").
fn split_words(text: &str) -> Vec<Word> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '-' || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let written = w.replace('’', "'");
            Word { lower: written.to_lowercase(), written }
        })
        .collect()
}

/// Sentences: split after `.`, `!`, `?` and at line ends.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?' | '\n') {
            let end = i + c.len_utf8();
            if !text[start..end].trim().is_empty() {
                out.push(&text[start..end]);
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sentences that blame a person, none of whom Quell knows by name.
    const BLAMING: &[&str] = &[
        "Bob broke the deploy.",
        "The on-call engineer forgot to check the dashboard.",
        "Alice forgot to renew the certificate.",
        "He ignored the alert.",
        "She didn't run the migration first.",
        "They should have tested it in staging.",
        "The developer accidentally deleted the production table.",
        "Someone caused the outage by pushing a bad config.",
        "The intern deleted the users table.",
        "Our SRE neglected the disk alerts.",
        "Carol mistakenly restarted the primary database.",
        "The release manager failed to follow the checklist.",
        "Dave messed up the DNS change.",
        "The admin overlooked the expiring certificate.",
        "It was human error.",
        "This was the fault of the deploy team.",
        "Bob Smith forgot to scale the cluster.",
        "The operator ignored the runbook.",
        "He should've rolled back sooner.",
        "Erin carelessly approved the change.",
        "The on-call didn't answer the page.",
        "Frank never checked the replication lag.",
        "The engineer missed the alert.",
        "She was supposed to check the backups.",
        "Grace botched the failover.",
        "The reviewer did not catch the typo.",
        "Heidi wrongly assumed the cache was warm.",
        "They failed to page the database team.",
        "The new developer broke the build.",
        "Ivan shouldn't have merged it on Friday.",
        "Blame lies with the platform team.",
        "Judy fat-fingered the firewall rule.",
        "The contractor misconfigured the load balancer.",
        "Somebody forgot to update the runbook.",
        "The outage was caused by Mallory.",
        "At 10:05 Trent just broke the replica set again.",
    ];

    /// Sentences that describe systems and events, or people doing their work.
    const BLAMELESS: &[&str] = &[
        "The load balancer dropped connections.",
        "Redis failed to start after the upgrade.",
        "The deploy broke checkout for card payments.",
        "Checkout failed for 20 minutes.",
        "We rolled back the release at 10:30.",
        "Ada deployed the fix at 10:05.",
        "The alert fired at 10:02.",
        "Monitoring missed the spike because the threshold was too high.",
        "The deploy tool let an unreviewed change reach production.",
        "The on-call engineer should check the dashboard during deploys.",
        "Kubernetes failed to schedule the pods.",
        "Postgres ran out of connections.",
        "The certificate expired at midnight.",
        "Nobody was paged because the policy had no levels.",
        "The migration missed an index on the orders table.",
        "Traffic doubled after the campaign started.",
        "Our alerting did not cover the queue depth.",
        "The team added a dashboard for replication lag.",
        "Ada reviewed the change and approved it.",
        "The cache broke under load.",
        "Payments errors rose to 40%.",
        "DNS changes took an hour to propagate.",
        "The runbook did not mention the failover step.",
        "A config change caused the outage.",
        "Disk usage crossed 95% at 03:00.",
        "The script deleted temporary files as designed.",
        "We should add an alert on queue depth.",
        "Bob led the response and wrote this report.",
        "Latency rose because the connection pool was too small.",
        "The failover worked once the lag cleared.",
        "Grace paged the database team at 10:10.",
        "Sessions were dropped when the node restarted.",
        "The test suite missed the regression.",
        "Nginx broke the websocket upgrade after the config reload.",
        "The Payments service dropped requests during the deploy.",
    ];

    fn things() -> Vec<String> {
        vec!["Checkout".to_string(), "Payments".to_string()]
    }

    #[test]
    fn blame_is_found_without_knowing_anyone_by_name() {
        for sentence in BLAMING {
            let warnings = blame_warnings(sentence, &[], &things());
            assert_eq!(warnings.len(), 1, "should warn: {sentence}");
            assert_eq!(warnings[0].sentence, *sentence);
        }
        assert!(BLAMING.len() >= 30 && BLAMELESS.len() >= 30);
    }

    #[test]
    fn sentences_about_systems_and_work_pass() {
        for sentence in BLAMELESS {
            assert_eq!(blame_warnings(sentence, &[], &things()), vec![], "should pass: {sentence}");
        }
    }

    #[test]
    fn the_warning_names_who_is_blamed_and_what_to_write_instead() {
        let text = "The cache expired at 09:00. Bob broke the deploy by pushing twice!\nThe on-call engineer forgot to renew the certificate.\n\
                    It was human error. The deploy tool allowed an unreviewed change.";
        let warnings = blame_warnings(text, &[], &[]);
        let found: Vec<&str> = warnings.iter().map(|w| w.sentence.as_str()).collect();
        assert_eq!(
            found,
            ["Bob broke the deploy by pushing twice!", "The on-call engineer forgot to renew the certificate.", "It was human error."]
        );
        assert!(warnings[0].suggestion.contains("makes Bob the cause"), "{}", warnings[0].suggestion);
        assert!(warnings[1].suggestion.contains("makes the on-call engineer the cause"), "{}", warnings[1].suggestion);
        assert!(warnings[2].suggestion.contains("\"human error\""));
    }

    #[test]
    fn known_names_count_even_when_they_read_like_things() {
        // A person called "Deploy" is still a person; a known name needs no capital either.
        let names = vec!["Deploy Bot".to_string(), "ada lovelace".to_string()];
        assert_eq!(blame_warnings("Deploy Bot deleted the table.", &names, &[]).len(), 1);
        assert_eq!(blame_warnings("ada deleted the table.", &names, &[]).len(), 1);
        // Without knowing them, "deleted" after a capitalised word could be about a system.
        assert!(blame_warnings("Ada deleted the table.", &[], &[]).is_empty());
        assert_eq!(blame_warnings("Ada forgot the table.", &[], &[]).len(), 1);
    }
}
