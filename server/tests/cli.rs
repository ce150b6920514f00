//! The operator's command line, run as a real process against a fresh SQLite database.

use std::io::Write;
use std::process::{Command, Stdio};

struct Outcome {
    success: bool,
    stdout: String,
    stderr: String,
}

fn quell(database_url: &str, args: &[&str], stdin: &str) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quell"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("QUELL_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start quell");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    Outcome {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[tokio::test]
async fn operators_create_the_first_admin_and_reset_passwords_from_the_command_line() {
    let db = app::store::testing::empty_sqlite().await.unwrap();
    let url = db.url();

    let migrated = quell(&url, &["migrate"], "");
    assert!(migrated.success, "{}", migrated.stderr);
    assert!(migrated.stdout.contains("Migrations applied"));

    let create = |role: &'static str, password: &'static str| {
        quell(&url, &["user", "create", "--email", "Op@Example.com", "--name", "Olga Operator", "--role", role], password)
    };
    let responder_first = create("responder", "a long operator passphrase\n");
    assert!(!responder_first.success);
    assert!(responder_first.stderr.contains("the first user must be an admin"), "{}", responder_first.stderr);
    let weak = create("admin", "short\n");
    assert!(!weak.success);
    assert!(weak.stderr.contains("Use at least 12 characters."), "{}", weak.stderr);
    let created = create("admin", "a long operator passphrase\n");
    assert!(created.success, "{}", created.stderr);
    assert!(created.stdout.contains("Created Olga Operator <op@example.com> as admin."), "{}", created.stdout);
    let duplicate = create("admin", "a long operator passphrase\n");
    assert!(!duplicate.success);
    assert!(duplicate.stderr.contains("already exists"), "{}", duplicate.stderr);

    assert!(db.store.setup_completed().await.unwrap(), "the first admin completes setup");
    let record = db.store.user_by_email("op@example.com").await.unwrap().expect("created");
    assert!(app::auth::verify_password("a long operator passphrase".into(), Some(record.password_hash.clone())).await);

    let reset = quell(&url, &["user", "reset-password", "--email", "op@example.com"], "a replacement passphrase\n");
    assert!(reset.success, "{}", reset.stderr);
    let after = db.store.user_by_email("op@example.com").await.unwrap().unwrap();
    assert_eq!(after.auth_version, record.auth_version + 1, "existing sessions end");
    assert!(app::auth::verify_password("a replacement passphrase".into(), Some(after.password_hash)).await);

    let unknown = quell(&url, &["user", "reset-password", "--email", "ghost@example.com"], "a replacement passphrase\n");
    assert!(!unknown.success);
    assert!(unknown.stderr.contains("no user with the email"), "{}", unknown.stderr);
    db.cleanup().await;
}

#[test]
fn a_bad_configuration_is_reported_by_variable_name() {
    let outcome = quell("mysql://nope", &["migrate"], "");
    assert!(!outcome.success);
    assert!(outcome.stderr.contains("DATABASE_URL"), "{}", outcome.stderr);
}
