//! On-call schedules over HTTP, on SQLite and on Postgres: who may read and change them, a
//! rotation and an override deciding who is on call, the schedule's picture (a row per layer and
//! the final row, legend, now, hand-offs by day), bad input refused on its field, and the
//! secret calendar feeds read back with an iCalendar parser.

mod support;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use support::*;

/// Creates a schedule and returns its id.
async fn create_schedule(app: &TestApp, client: &Client, name: &str, zone: &str) -> i64 {
    let response = app.post(client, "/api/schedules/create", &[("name", name), ("time_zone", zone), ("handoff_notice_minutes", "60")]).await;
    assert_eq!(response.status(), StatusCode::OK, "create schedule: {:?}", response.text().await);
    let path: String = response.json().await.unwrap();
    path.rsplit('/').next().unwrap().parse().expect("the schedule's page path")
}

async fn schedule(app: &TestApp, client: &Client, id: i64) -> Value {
    let response = app.post(client, "/api/schedules/get", &[("id", &id.to_string()), ("offset_days", "0"), ("overrides_page", "1")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn on_call(view: &Value) -> Vec<i64> {
    view["on_call"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
}

/// The form of a weekly layer of `people`, handing off at midnight, from `start_date`.
fn weekly_layer<'a>(schedule_id: &'a str, revision: &'a str, people: &'a [String], start_date: &'a str) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = vec![
        ("schedule_id".into(), schedule_id.into()),
        ("revision".into(), revision.into()),
        ("name".into(), "Primary".into()),
        ("shift_count".into(), "1".into()),
        ("shift_unit".into(), "weeks".into()),
        ("handoff_time".into(), "00:00".into()),
        ("start_date".into(), start_date.into()),
    ];
    for (n, person) in people.iter().enumerate() {
        form.push((format!("participants[{n}]"), person.clone()));
    }
    form
}

async fn post_pairs(app: &TestApp, client: &Client, path: &str, form: &[(String, String)]) -> reqwest::Response {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(client, path, &form).await
}

async fn schedules_check_who_is_asking(app: &TestApp) {
    let admin = app.admin().await;
    let viewer = app.signed_in_as(&admin, "viewer@example.com", "viewer").await;
    let responder = app.signed_in_as(&admin, "responder@example.com", "responder").await;
    let id = create_schedule(app, &admin, "Matrix", "UTC").await.to_string();
    let calls: Vec<(&str, bool, Vec<(&str, &str)>)> = vec![
        ("/api/schedules/list", true, vec![("page", "1")]),
        ("/api/schedules/get", true, vec![("id", &id), ("offset_days", "0"), ("overrides_page", "1")]),
        ("/api/calendars/rotate", true, vec![("schedule_id", "0")]),
        ("/api/schedules/create", false, vec![("name", "Other"), ("time_zone", "UTC")]),
        ("/api/schedules/update", false, vec![("id", &id), ("revision", "1"), ("name", "Matrix"), ("time_zone", "UTC")]),
        ("/api/schedules/layers/save", false, vec![("schedule_id", &id), ("revision", "1"), ("name", "L"), ("shift_count", "1"), ("shift_unit", "days"), ("handoff_time", "09:00"), ("start_date", "2026-01-01")]),
        ("/api/schedules/layers/remove", false, vec![("schedule_id", &id), ("layer_id", "1"), ("revision", "1")]),
        ("/api/schedules/overrides/add", false, vec![("schedule_id", &id), ("user_id", "1"), ("kind", "cover"), ("starts", ""), ("ends", "")]),
        ("/api/schedules/overrides/remove", false, vec![("schedule_id", &id), ("override_id", "1")]),
        ("/api/calendars/rotate", false, vec![("schedule_id", &id)]),
        ("/api/schedules/delete", false, vec![("id", &id), ("revision", "0")]),
    ];
    for (path, viewers_may, form) in &calls {
        assert_eq!(app.post(&client(), path, form).await.status(), StatusCode::UNAUTHORIZED, "anonymous {path}");
        let as_viewer = app.post(&viewer, path, form).await.status();
        if *viewers_may {
            assert_eq!(as_viewer, StatusCode::OK, "viewer reads {path}");
        } else {
            assert_eq!(as_viewer, StatusCode::FORBIDDEN, "viewer changes nothing: {path}");
        }
        let as_responder = app.post(&responder, path, form).await.status();
        assert!(!matches!(as_responder.as_u16(), 401 | 403), "responders run on-call: {path} gave {as_responder}");
    }
    let seen = schedule(app, &viewer, create_schedule(app, &admin, "Second", "UTC").await).await;
    assert_eq!((seen["can_edit"].as_bool(), seen["people"].as_array().map(Vec::len)), (Some(false), Some(0)), "a viewer gets no forms");
}

/// The hand-offs of a schedule view, across its days.
fn handoffs(view: &Value) -> Vec<Value> {
    view["handoff_days"].as_array().unwrap().iter().flat_map(|day| day["handoffs"].as_array().unwrap().clone()).collect()
}

async fn a_rotation_and_an_override_decide_who_is_on_call(app: &TestApp) {
    let admin = app.admin().await;
    let ada = app.create_user_named(&admin, "ada@example.com", "Ada Lovelace", "responder").await["id"].as_i64().unwrap();
    let bob = app.create_user_named(&admin, "bob@example.com", "Bob Brown", "responder").await["id"].as_i64().unwrap();
    let id = create_schedule(app, &admin, "Platform", "UTC").await;
    let now = app.clock_now();
    let today = now.date_naive().format("%Y-%m-%d").to_string();
    let people = [ada.to_string(), bob.to_string()];
    let added = post_pairs(app, &admin, "/api/schedules/layers/save", &weekly_layer(&id.to_string(), "1", &people, &today)).await;
    assert_eq!(added.status(), StatusCode::OK, "{:?}", added.text().await);
    let view = schedule(app, &admin, id).await;
    assert_eq!(on_call(&view), [ada], "Ada's week began at midnight");
    assert_eq!(view["layers"][0]["people"].as_array().unwrap().len(), 2);
    // Ada's first turn begins at midnight, when the view begins, and Bob takes over a week
    // later; a fortnight after, the next turn is past the view.
    let handoffs = handoffs(&view);
    assert_eq!(handoffs.len(), 2, "{handoffs:?}");
    assert_eq!((handoffs[0]["who"].as_str(), handoffs[0]["from"].as_str()), (Some("Ada Lovelace"), None));
    assert_eq!((handoffs[1]["who"].as_str(), handoffs[1]["from"].as_str()), (Some("Bob Brown"), Some("Ada Lovelace")));
    assert!(view["handoff_days"][0]["heading"].as_str().unwrap().starts_with("Today, "), "{}", view["handoff_days"]);

    // Bob covers for an hour from now (the admin's zone is UTC).
    let starts = now.format("%Y-%m-%dT%H:%M").to_string();
    let ends = (now + Duration::hours(1)).format("%Y-%m-%dT%H:%M").to_string();
    let form = [("schedule_id", id.to_string()), ("user_id", bob.to_string()), ("kind", "cover".into()), ("covering_for", "0".into()), ("starts", starts), ("ends", ends)];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.post(&admin, "/api/schedules/overrides/add", &form).await.status(), StatusCode::OK);
    app.clock.advance(Duration::minutes(1));
    let view = schedule(app, &admin, id).await;
    assert_eq!(on_call(&view), [bob], "the override takes effect");
    assert_eq!(view["overrides"]["total"], 1);
    let list: Value = app.post(&admin, "/api/schedules/list", &[("page", "1")]).await.json().await.unwrap();
    assert_eq!(list["list"]["rows"][0]["on_call"][0]["id"], bob);

    let override_id = view["overrides"]["rows"][0]["id"].to_string();
    let removed = app.post(&admin, "/api/schedules/overrides/remove", &[("schedule_id", &id.to_string()), ("override_id", &override_id)]).await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert_eq!(on_call(&schedule(app, &admin, id).await), [ada], "removed: the rotation decides again");

    // A week later it is Bob's turn, exactly at midnight.
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::days(7);
    app.clock.advance(midnight - Duration::seconds(1) - app.clock_now());
    assert_eq!(on_call(&schedule(app, &admin, id).await), [ada]);
    app.clock.advance(midnight - app.clock_now());
    assert_eq!(on_call(&schedule(app, &admin, id).await), [bob], "the hand-off instant belongs to the incoming person");
}

/// Two layers: weekly turns of Ada and Bob, and Cy every day from 09:00 to 17:00 on top.
async fn the_picture_has_a_row_per_layer_the_final_row_a_legend_now_and_hand_offs_by_day(app: &TestApp) {
    let admin = app.admin().await;
    let ada = app.create_user_named(&admin, "ada@example.com", "Ada Lovelace", "responder").await["id"].as_i64().unwrap();
    let bob = app.create_user_named(&admin, "bob@example.com", "Bob Brown", "responder").await["id"].as_i64().unwrap();
    let cy = app.create_user_named(&admin, "cy@example.com", "Cy Young", "responder").await["id"].as_i64().unwrap();
    let id = create_schedule(app, &admin, "Picture", "UTC").await;
    let today = app.clock_now().date_naive().format("%Y-%m-%d").to_string();
    let primary = weekly_layer(&id.to_string(), "1", &[ada.to_string(), bob.to_string()], &today);
    assert_eq!(post_pairs(app, &admin, "/api/schedules/layers/save", &primary).await.status(), StatusCode::OK);
    let revision = schedule(app, &admin, id).await["schedule"]["revision"].to_string();
    let mut daytime: Vec<(String, String)> = vec![
        ("schedule_id".into(), id.to_string()),
        ("revision".into(), revision),
        ("name".into(), "Daytime".into()),
        ("participants[0]".into(), cy.to_string()),
        ("shift_count".into(), "1".into()),
        ("shift_unit".into(), "days".into()),
        ("handoff_time".into(), "09:00".into()),
        ("start_date".into(), today.clone()),
        ("active_from".into(), "09:00".into()),
        ("active_to".into(), "17:00".into()),
    ];
    for (n, day) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].iter().enumerate() {
        daytime.push((format!("weekdays[{n}]"), day.to_string()));
    }
    let added = post_pairs(app, &admin, "/api/schedules/layers/save", &daytime).await;
    assert_eq!(added.status(), StatusCode::OK, "{:?}", added.text().await);

    let view = schedule(app, &admin, id).await;
    // The final schedule first, then the layers from the top (the page draws the final row last).
    let labels: Vec<&str> = view["bars"].as_array().unwrap().iter().map(|b| b["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Final schedule", "Daytime", "Primary"]);
    let days = view["days"].as_array().unwrap();
    assert_eq!(days.len(), 14);
    assert_eq!(days[0]["today"], true);
    assert_eq!((days[0]["left"].as_i64(), days[7]["left"].as_i64()), (Some(0), Some(5_000)), "every day is as wide");
    let now_at = view["now_at"].as_i64().expect("now is in the first view");
    assert!((0..days[1]["left"].as_i64().unwrap()).contains(&now_at), "now is on the first day: {now_at}");
    // The legend in turn order, layer by layer from the top, with a colour each.
    let legend: Vec<(&str, &str, i64)> = view["legend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["initials"].as_str().unwrap(), e["name"].as_str().unwrap(), e["tint"].as_i64().unwrap()))
        .collect();
    assert_eq!(legend, [("CY", "Cy Young", 0), ("AL", "Ada Lovelace", 1), ("BB", "Bob Brown", 2)]);
    // A week of Ada has room for her name; her nights between Cy's days for her initials; Cy's
    // eight hours for nothing but the colour (the name is in the tooltip and the legend).
    let segments = |row: usize| view["bars"][row]["segments"].as_array().unwrap().clone();
    assert_eq!(segments(2)[0]["text"], "Ada Lovelace");
    let final_row = segments(0);
    assert!(final_row.iter().any(|s| s["name"] == "Ada Lovelace" && s["text"] == "AL"), "{final_row:?}");
    assert!(final_row.iter().any(|s| s["name"] == "Cy Young" && s["text"] == "" && s["initials"] == "CY"), "{final_row:?}");
    assert!(final_row.windows(2).all(|w| w[0]["left"].as_i64() <= w[1]["left"].as_i64()));
    // Hand-offs under a heading per day: 09:00 Cy takes over, 17:00 Ada or Bob comes back.
    let groups = view["handoff_days"].as_array().unwrap();
    assert_eq!(groups.len(), 14, "{groups:?}");
    assert!(groups[0]["heading"].as_str().unwrap().starts_with("Today, "));
    assert!(groups[1]["heading"].as_str().unwrap().starts_with("Tomorrow, "));
    let tomorrow: Vec<(&str, &str)> =
        groups[1]["handoffs"].as_array().unwrap().iter().map(|h| (h["who"].as_str().unwrap(), h["from"].as_str().unwrap())).collect();
    assert_eq!(tomorrow, [("Cy Young", "Ada Lovelace"), ("Ada Lovelace", "Cy Young")]);
    assert_eq!(view["handoffs_not_listed"], 0);

    // The page draws the same: a labelled list per row, layers first and the final row last,
    // the now line, the legend and the day headings.
    // (Without the markers hydration needs, `<!>`, which sit after dynamic text.)
    let page = app.get(&admin, &format!("/on-call/schedules/{id}")).await.text().await.unwrap().replace("<!>", "");
    let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle} in the page"));
    assert!(at(r#"aria-label="Daytime""#) < at(r#"aria-label="Primary""#));
    assert!(at(r#"aria-label="Primary""#) < at(r#"aria-label="Final schedule""#));
    assert!(page.contains(r#"class="now-line""#) && page.contains(">now</text>"));
    assert!(at(r#"class="picture-legend""#) > at(r#"aria-label="Final schedule""#));
    assert!(page.contains(r#"tabindex="0""#) && page.contains("<title>Cy Young: "));
    assert!(page.contains("<h4>Tomorrow, "));
    assert!(!page.contains(" style=\""), "no inline styles under the Content-Security-Policy");
}

async fn bad_schedule_input_is_refused_on_its_field(app: &TestApp) {
    let admin = app.admin().await;
    let ada = app.create_user(&admin, "ada@example.com", "responder").await["id"].as_i64().unwrap().to_string();
    let id = create_schedule(app, &admin, "Rota", "Europe/Berlin").await.to_string();
    let bad_zone = app.post(&admin, "/api/schedules/create", &[("name", "Elsewhere"), ("time_zone", "Mars/Olympus")]).await;
    assert_eq!(bad_zone.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_zone.json::<Value>().await.unwrap()["Invalid"]["field"], "time_zone");
    let taken = app.post(&admin, "/api/schedules/create", &[("name", "rota"), ("time_zone", "UTC")]).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);

    let people = [ada.clone()];
    let good = weekly_layer(&id, "1", &people, "2026-01-05");
    let with = |key: &str, value: &str| -> Vec<(String, String)> {
        let mut form: Vec<(String, String)> = good.iter().filter(|(k, _)| k != key).cloned().collect();
        form.push((key.to_string(), value.to_string()));
        form
    };
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (good.iter().filter(|(k, _)| !k.starts_with("participants")).cloned().collect(), "participants"),
        (with("participants[0]", "9999"), "participants"),
        (with("shift_count", "0"), "shift_count"),
        (with("shift_unit", "fortnights"), "shift_unit"),
        (with("handoff_time", "25:00"), "handoff_time"),
        (with("start_date", "soon"), "start_date"),
        (with("active_from", "09:00"), "weekdays"),
        (with("weekdays[0]", "Funday"), "weekdays"),
    ];
    for (form, field) in cases {
        let response = post_pairs(app, &admin, "/api/schedules/layers/save", &form).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(response.json::<Value>().await.unwrap()["Invalid"]["field"], field);
    }
    assert_eq!(post_pairs(app, &admin, "/api/schedules/layers/save", &good).await.status(), StatusCode::OK);
    let stale = post_pairs(app, &admin, "/api/schedules/layers/save", &good).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT, "revision 1 is gone: the first edit is kept");
    assert_eq!(schedule(app, &admin, id.parse().unwrap()).await["layers"].as_array().unwrap().len(), 1);

    let override_form = |starts: &str, ends: &str| {
        vec![("schedule_id", id.clone()), ("user_id", ada.clone()), ("kind", "cover".to_string()), ("starts", starts.to_string()), ("ends", ends.to_string())]
    };
    for (starts, ends, field) in [("2030-01-01T10:00", "2030-01-01T09:00", "ends"), ("2020-01-01T10:00", "2020-01-01T11:00", "ends"), ("tomorrow", "2030-01-01T09:00", "starts")] {
        let form = override_form(starts, ends);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = app.post(&admin, "/api/schedules/overrides/add", &form).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{starts} {ends}");
        assert_eq!(response.json::<Value>().await.unwrap()["Invalid"]["field"], field);
    }
}

/// The start, end and person (from the UID) of every event in an iCalendar text, in order, read
/// with a parser independent of the library that writes the feed.
fn events(text: &str) -> Vec<(DateTime<Utc>, DateTime<Utc>, i64)> {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = parser.next().expect("one calendar").expect("the feed parses as iCalendar");
    assert!(parser.next().is_none(), "only one calendar");
    let mut found: Vec<_> = calendar
        .events
        .iter()
        .map(|event| {
            let value = |name: &str| {
                event.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_else(|| panic!("{name} in {event:?}"))
            };
            let instant = |name: &str| NaiveDateTime::parse_from_str(&value(name), "%Y%m%dT%H%M%SZ").expect("a UTC date-time").and_utc();
            assert!(value("SUMMARY").starts_with("On call: "));
            let person = value("UID").split('-').nth(3).unwrap().parse().unwrap();
            (instant("DTSTART"), instant("DTEND"), person)
        })
        .collect();
    found.sort();
    found
}

async fn calendar_feeds_read_back_as_the_same_shifts(app: &TestApp) {
    let admin = app.admin().await;
    let ada = app.create_user(&admin, "ada@example.com", "responder").await["id"].as_i64().unwrap();
    let bob = app.create_user(&admin, "bob@example.com", "responder").await["id"].as_i64().unwrap();
    let ada_client = client();
    assert_eq!(app.login(&ada_client, "ada@example.com", USER_PASSWORD).await.status(), StatusCode::OK);
    let id = create_schedule(app, &admin, "Payments", "America/Chicago").await;
    // Daily 09:00 Chicago hand-offs, Ada first, from eight days ago.
    let now = app.clock_now();
    let start = (now - Duration::days(8)).date_naive().format("%Y-%m-%d").to_string();
    let mut form = weekly_layer(&id.to_string(), "1", &[ada.to_string(), bob.to_string()], &start);
    form.retain(|(k, _)| k != "shift_unit" && k != "handoff_time");
    form.push(("shift_unit".into(), "days".into()));
    form.push(("handoff_time".into(), "09:00".into()));
    assert_eq!(post_pairs(app, &admin, "/api/schedules/layers/save", &form).await.status(), StatusCode::OK);

    let url: String = app.post(&admin, "/api/calendars/rotate", &[("schedule_id", &id.to_string())]).await.json().await.unwrap();
    let path = url.strip_prefix(&app.address).expect("an address on this server").to_string();
    assert!(path.starts_with("/calendars/") && path.ends_with(".ics"), "{path}");
    let response = app.get(&bare_client(), &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(reqwest::header::SET_COOKIE).is_none(), "no session for a calendar app");
    assert!(response.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap().starts_with("text/calendar"));
    let shifts = events(&response.text().await.unwrap());
    // Every shift is a day long but for the ones over a daylight-saving change, hands off at
    // 09:00 Chicago time, and Ada and Bob alternate.
    let tz: chrono_tz::Tz = "America/Chicago".parse().unwrap();
    assert!(shifts.len() >= 90, "about 97 days of daily shifts, got {}", shifts.len());
    for pair in shifts.windows(2) {
        assert_eq!(pair[0].1, pair[1].0, "no gaps or overlaps");
        assert_ne!(pair[0].2, pair[1].2, "turns alternate");
    }
    // (The last one is cut at the end of the feed.)
    for (start, end, _) in &shifts[1..shifts.len() - 1] {
        assert_eq!(start.with_timezone(&tz).format("%H:%M").to_string(), "09:00");
        let hours = (*end - *start).num_hours();
        assert!((23..=25).contains(&hours), "{hours}");
    }
    assert!(shifts.first().unwrap().0 <= now - Duration::days(7) && shifts.last().unwrap().1 >= now + Duration::days(89));

    // A new address replaces the old one.
    let second: String = app.post(&admin, "/api/calendars/rotate", &[("schedule_id", &id.to_string())]).await.json().await.unwrap();
    assert_eq!(app.get(&bare_client(), &path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&bare_client(), second.strip_prefix(&app.address).unwrap()).await.status(), StatusCode::OK);
    assert_eq!(app.get(&bare_client(), "/calendars/not-a-token.ics").await.status(), StatusCode::NOT_FOUND);

    // Ada's own feed: only her shifts, every other day.
    assert!(shifts.iter().any(|s| s.2 == ada) && shifts.iter().any(|s| s.2 == bob));
    let mine: String = app.post(&ada_client, "/api/calendars/rotate", &[("schedule_id", "0")]).await.json().await.unwrap();
    let own = events(&app.get(&bare_client(), mine.strip_prefix(&app.address).unwrap()).await.text().await.unwrap());
    assert!(own.len() >= 45 && own.len() <= shifts.len() / 2 + 1, "{} of {}", own.len(), shifts.len());
    assert!(own.iter().all(|s| s.2 == ada));
    for pair in own.windows(2) {
        let gap = (pair[1].0 - pair[0].1).num_hours();
        assert!((23..=25).contains(&gap), "Bob's day in between: {gap}");
    }
}

http_tests!(
    schedules_check_who_is_asking,
    a_rotation_and_an_override_decide_who_is_on_call,
    the_picture_has_a_row_per_layer_the_final_row_a_legend_now_and_hand_offs_by_day,
    bad_schedule_input_is_refused_on_its_field,
    calendar_feeds_read_back_as_the_same_shifts,
);
