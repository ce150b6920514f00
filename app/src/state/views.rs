//! The parts of the busiest pages that are the same for everyone who may see them, made once per
//! version of what they show (`state::cache`) instead of at every request: what forms choose from
//! (`Choices`), an incident as its page shows it (`IncidentData`), the incidents list for a
//! filter (`ListData`), and the account behind a session (`user_record`, read by every signed-in
//! request). Server functions shape them for the viewer (times in their zone, what
//! they may do) at every request.
//!
//! Versions: an incident's comes from the live hub, which moves it when this instance changes the
//! incident (before the server function answers) or hears that another instance did; the store's
//! `shared_version` moves after every write to what it covers (see `Store::shared_version`), here
//! at once and on other instances when they hear of it. A value is made again after `MAX_AGE` at
//! the latest.

use crate::domain::catalog::{IncidentType, Person, RoleType, Service, Severity};
use crate::domain::incident::IncidentSummary;
use crate::domain::updates::{ComponentChange, Update};
use crate::state::cache::Cache;
use crate::state::AppState;
use crate::store::incidents::{IncidentDetail, IncidentFilter, IncidentPage, IncidentSort, TimelinePage};
use crate::store::notifications::Recipients;
use crate::domain::action_item::ActionItem;
use crate::store::action_items::ItemFilter;
use crate::store::page::{Page, PageRequest};
use crate::store::post_mortems::{PostMortemFilter, PostMortemRow};
use crate::store::updates::UpdateTemplate;
use crate::store::UserRecord;
use crate::store::StoreError;
use std::sync::Arc;
use std::time::Duration;

/// The longest a view is served: a change whose announcement was lost, or that another process
/// made, shows by then.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// What forms choose from: the first `limit` severities, services, incident types, role types,
/// active people and responders.
#[derive(Debug)]
pub struct Choices {
    pub severities: Vec<Severity>,
    pub services: Vec<Service>,
    pub incident_types: Vec<IncidentType>,
    pub role_types: Vec<RoleType>,
    pub people: Vec<Person>,
    pub responders: Vec<Person>,
}

/// What the incident page shows of an incident, the same for every viewer: the incident with its
/// services, roles and ticks, one page of its timeline, its updates and what the updates card
/// needs, and who its updates go to.
#[derive(Debug)]
pub struct IncidentData {
    pub detail: IncidentDetail,
    pub timeline: TimelinePage,
    /// The newest `updates_shown` updates, and how many there are.
    pub updates: Vec<Update>,
    pub updates_total: i64,
    pub severity: Option<Severity>,
    pub templates: Vec<UpdateTemplate>,
    /// The public services among the incident's, with their component states.
    pub public_services: Vec<Service>,
    pub component_states: Vec<ComponentChange>,
    /// Who its updates go to: the first `RECIPIENTS_SHOWN` people's names, how many people, and
    /// the webhooks' names (kept small: an organisation-wide subscription may name thousands).
    pub recipient_names: Vec<String>,
    pub recipients_total: i64,
    pub webhook_names: Vec<String>,
}

/// People named on the incident page as its updates' recipients at most.
pub const RECIPIENTS_SHOWN: usize = 50;

/// A page of the incidents list for one filter, sort and cursor, with the open incidents shown
/// above it.
#[derive(Debug)]
pub struct ListData {
    pub page: IncidentPage,
    pub open: Vec<IncidentSummary>,
    pub open_total: i64,
}

/// Which timeline page of an incident: highlights only, and older than a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineWindow {
    pub pinned: bool,
    pub older_than: Option<(chrono::DateTime<chrono::Utc>, i64)>,
    pub size: i64,
}

/// An incident's pages as its paging card shows them to everyone: the incident, its pages,
/// whom they paged, the names they mention, and the service its first page went to.
#[derive(Debug)]
pub struct IncidentPages {
    pub incident: crate::domain::incident::Incident,
    pub pages: Vec<crate::store::paging::PageRecord>,
    pub recipients: Vec<crate::store::paging::Recipient>,
    pub people: Vec<Person>,
    pub paged_service: Option<i64>,
}

/// An incident's post-mortem card as everyone sees it: the incident, its post-mortem, its action
/// items' completion, and the templates a post-mortem can start from.
#[derive(Debug)]
pub struct IncidentPostMortem {
    pub incident: crate::domain::incident::Incident,
    pub post_mortem: Option<crate::domain::post_mortem::PostMortem>,
    pub completion: crate::domain::post_mortem::Completion,
    pub templates: Vec<(i64, String)>,
}

/// The kept views. The incident page's paging card, what can be paged and the post-mortem card
/// are made by the server functions that read them (`api::paging`, `api::post_mortems`).
#[derive(Clone)]
pub struct Views {
    choices: Cache<Choices>,
    incidents: Cache<Option<IncidentData>>,
    lists: Cache<ListData>,
    users: Cache<Option<UserRecord>>,
    /// An incident's paging card, per incident version.
    pub incident_pages: Cache<Option<IncidentPages>>,
    /// What can be paged (services with a policy, policies, people), per shared version.
    pub page_targets: Cache<Vec<(String, String)>>,
    /// An incident's post-mortem card, per incident version.
    pub incident_post_mortems: Cache<Option<IncidentPostMortem>>,
    post_mortem_lists: Cache<Page<PostMortemRow>>,
    action_item_lists: Cache<Page<ActionItem>>,
}

impl Default for Views {
    fn default() -> Self {
        Views {
            choices: Cache::new(8, MAX_AGE),
            incidents: Cache::new(512, MAX_AGE),
            lists: Cache::new(256, MAX_AGE),
            users: Cache::new(4096, MAX_AGE),
            incident_pages: Cache::new(512, MAX_AGE),
            page_targets: Cache::new(4, MAX_AGE),
            incident_post_mortems: Cache::new(512, MAX_AGE),
            post_mortem_lists: Cache::new(256, MAX_AGE),
            action_item_lists: Cache::new(512, MAX_AGE),
        }
    }
}

impl AppState {
    /// The value `cache` keeps for `incident_id` at its version now (with the shared version), or
    /// the one `make` makes, which is then kept.
    pub async fn kept_for_incident<V: Send + Sync, E>(
        &self,
        cache: &Cache<V>,
        incident_id: i64,
        make: impl Future<Output = Result<V, E>>,
    ) -> Result<Arc<V>, E> {
        let version = (self.live.incident_version(incident_id), self.store.shared_version());
        cache.get_or_make(&incident_id.to_string(), version, |_| true, make).await
    }

    /// The account `id` (`None`: no such account), as every signed-in request checks it: the
    /// shared version moves with every change to an account (its role, whether it is active,
    /// its password's `auth_version`), here at once and on other instances when they hear it.
    pub async fn user_record(&self, id: i64) -> Result<Arc<Option<UserRecord>>, StoreError> {
        let store = &self.store;
        self.views.users.get_or_make(&id.to_string(), (0, store.shared_version()), |_| true, store.user_by_id(id)).await
    }

    /// What forms choose from (the first `limit` of each list).
    pub async fn choices(&self, limit: i64) -> Result<Arc<Choices>, StoreError> {
        let store = &self.store;
        let version = (0, store.shared_version());
        self.views
            .choices
            .get_or_make(&limit.to_string(), version, |_| true, async {
                Ok(Choices {
                    severities: store.list_severities(PageRequest::first(limit)).await?.rows,
                    services: store.list_services(PageRequest::first(limit)).await?.rows,
                    incident_types: store.list_incident_types(PageRequest::first(limit)).await?.rows,
                    role_types: store.list_role_types(PageRequest::first(limit)).await?.rows,
                    people: store.list_people(limit).await?,
                    responders: store.list_responders(limit).await?,
                })
            })
            .await
    }

    /// What the incident page shows of `incident_id` to everyone (`None`: no such incident).
    pub async fn incident_data(&self, incident_id: i64, window: TimelineWindow, updates_shown: i64) -> Result<Arc<Option<IncidentData>>, StoreError> {
        let store = &self.store;
        let version = (self.live.incident_version(incident_id), store.shared_version());
        let key = format!("{incident_id}:{window:?}:{updates_shown}");
        self.views
            .incidents
            .get_or_make(&key, version, |_| true, async {
                let Some(detail) = store.incident_detail(incident_id).await? else {
                    return Ok(None);
                };
                let timeline = store.timeline(incident_id, window.pinned, window.older_than, window.size).await?;
                let updates = store.incident_updates(incident_id, None, updates_shown).await?;
                let updates_total = if (updates.len() as i64) < updates_shown {
                    updates.len() as i64
                } else {
                    store.count_incident_updates(incident_id).await?
                };
                let severity = store.severity(detail.incident.severity_id).await?;
                let templates = store.update_templates().await?;
                let service_ids: Vec<i64> = detail.services.iter().map(|(id, _)| *id).collect();
                let public_services: Vec<Service> = store.services_by_ids(&service_ids).await?.into_iter().filter(|s| s.public).collect();
                let public_ids: Vec<i64> = public_services.iter().map(|s| s.id).collect();
                let component_states = store.component_states(&public_ids).await?;
                let Recipients { emails, webhooks } = store.recipients(incident_id, detail.incident.severity_id, &service_ids).await?;
                Ok(Some(IncidentData {
                    detail,
                    timeline,
                    updates,
                    updates_total,
                    severity,
                    templates,
                    public_services,
                    component_states,
                    recipients_total: emails.len() as i64,
                    recipient_names: emails.into_iter().take(RECIPIENTS_SHOWN).map(|(name, _)| name).collect(),
                    webhook_names: webhooks.into_iter().map(|w| w.name).collect(),
                }))
            })
            .await
    }

    /// A page of the post-mortems list (they show their incident's title and severity, so any
    /// incident's change counts too).
    pub async fn post_mortem_list(&self, filter: &PostMortemFilter, page: PageRequest) -> Result<Arc<Page<PostMortemRow>>, StoreError> {
        let version = (self.live.any_version(), self.store.shared_version());
        let key = format!("{filter:?}:{page:?}");
        self.views.post_mortem_lists.get_or_make(&key, version, |_| true, self.store.list_post_mortems(filter, page)).await
    }

    /// A page of an action item list (the filter holds the viewer for "mine" and their day for
    /// "overdue"; items show their incident's title, so any incident's change counts too).
    pub async fn action_item_list(&self, filter: &ItemFilter, page: PageRequest) -> Result<Arc<Page<ActionItem>>, StoreError> {
        let version = (self.live.any_version(), self.store.shared_version());
        let key = format!("{filter:?}:{page:?}");
        self.views.action_item_lists.get_or_make(&key, version, |_| true, self.store.list_action_items(filter, page)).await
    }

    /// A page of the incidents list, and the open incidents (the first `open_size`, most severe
    /// first, and how many there are).
    pub async fn incident_list(
        &self,
        filter: &IncidentFilter,
        sort: IncidentSort,
        cursor: Option<&str>,
        size: i64,
        open_size: i64,
    ) -> Result<Arc<ListData>, StoreError> {
        let store = &self.store;
        let version = (self.live.any_version(), store.shared_version());
        let key = format!("{filter:?}:{sort:?}:{cursor:?}:{size}:{open_size}");
        self.views
            .lists
            .get_or_make(&key, version, |_| true, async {
                let page = store.list_incidents(filter, sort, cursor, size, true).await?;
                let open_filter = IncidentFilter::open();
                let open = store.list_incidents(&open_filter, IncidentSort::Severity, None, open_size, false).await?;
                let open_total = store.count_incidents(&open_filter).await?;
                Ok(ListData { page, open: open.rows, open_total })
            })
            .await
    }
}
