//! `Plain`: a view the server renders as it walks it, without first resolving it.
//!
//! Before a `Suspense` or `Transition` writes its children, Leptos *resolves* them: it turns the
//! whole subtree into one future, an element's future holding its children's, and awaits it.
//! A page's body is a deep tree, so that future is large and is moved at every level: on an
//! incident page, resolving took more than half of the server's time. A page body that holds
//! its data already has nothing to wait for except inside its own nested `Suspense`s, which
//! wait for themselves when they are written. `Plain` skips the resolving of what it wraps;
//! writing it walks the tree directly, as the in-order stream writes any view. It changes
//! nothing in the browser, and nothing in the HTML.

use crate::components::errors::AppErrorView;
use crate::errors::AppError;
use leptos::prelude::*;
use leptos::tachys::html::attribute::any_attribute::AnyAttribute;
use leptos::tachys::html::attribute::Attribute;
use leptos::tachys::hydration::Cursor;
use leptos::tachys::ssr::StreamBuilder;
use leptos::tachys::view::add_attr::AddAnyAttr;
use leptos::tachys::view::{Position, PositionState, Render, RenderHtml};

/// What a page's `Transition` shows once its data is loaded: the body `body` makes of it, written
/// plainly, or the error's page (a redirect to sign-in when signed out).
fn page_body<T, V: IntoView + 'static>(loaded: Result<T, AppError>, body: impl FnOnce(T) -> V) -> AnyView {
    match loaded {
        Ok(data) => plain(body(data)),
        Err(error) => view! { <AppErrorView error /> }.into_any(),
    }
}

/// A page's body for its `Transition`, built once per render on the server.
///
/// On the server, a `Transition` whose data has loaded builds its children twice: once to look for
/// more data to wait for (then drops what it built), once to write them. For a page body that
/// doubled the cost of a page. On the server `PageBody` keeps the first build and hands it to the
/// second; in the browser it builds the body every time its data changes, as before.
///
/// Make one beside the page's resource, and show it inside the `Transition`:
/// `{move || body.show(move || data.get(), |data| view! { <Body data /> })}`.
#[derive(Clone, Copy)]
pub struct PageBody {
    // Shared with the `Built` handed to Leptos, which takes the view out where it is written; a
    // mutex because a view is `Send` but not `Sync`.
    #[cfg(feature = "ssr")]
    built: StoredValue<std::sync::Arc<std::sync::Mutex<SsrBuild>>>,
}

#[cfg(feature = "ssr")]
#[derive(Default)]
struct SsrBuild {
    /// Where the body is built: the owner of the `Transition`'s first look at its children. The
    /// look for more data runs inside an effect whose owner is gone before the body is written;
    /// what the body creates (signals, stored values) must outlive that.
    owner: Option<Owner>,
    view: Option<AnyView>,
}

impl PageBody {
    #[allow(clippy::new_without_default)]
    pub fn new() -> PageBody {
        PageBody {
            #[cfg(feature = "ssr")]
            built: StoredValue::new(Default::default()),
        }
    }

    /// The body `body` makes of the loaded data (or the error's page), once `load` has it.
    pub fn show<T, V: IntoView + 'static>(
        &self,
        load: impl FnOnce() -> Option<Result<T, AppError>>,
        body: impl FnOnce(T) -> V,
    ) -> Option<AnyView> {
        #[cfg(feature = "ssr")]
        {
            let Some(shared) = self.built.try_get_value() else {
                return load().map(|loaded| page_body(loaded, body));
            };
            let mut built = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if built.owner.is_none() {
                built.owner = Owner::current();
            }
            if built.view.is_none() {
                let loaded = load()?;
                let view = match &built.owner {
                    Some(owner) => owner.with(|| page_body(loaded, body)),
                    None => page_body(loaded, body),
                };
                built.view = Some(view);
            }
            drop(built);
            Some(Built(shared).into_any())
        }
        #[cfg(not(feature = "ssr"))]
        {
            load().map(|loaded| page_body(loaded, body))
        }
    }
}

/// The body a [`PageBody`] keeps: walked where Leptos looks for data, taken where it is written.
#[cfg(feature = "ssr")]
struct Built(std::sync::Arc<std::sync::Mutex<SsrBuild>>);

#[cfg(feature = "ssr")]
impl Built {
    fn take(&self) -> Option<AnyView> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).view.take()
    }
}

#[cfg(feature = "ssr")]
impl Render for Built {
    type State = <Option<AnyView> as Render>::State;

    fn build(self) -> Self::State {
        self.take().build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.take().rebuild(state)
    }
}

#[cfg(feature = "ssr")]
impl RenderHtml for Built {
    type AsyncOutput = Self;
    type Owned = Self;

    const MIN_LENGTH: usize = 0;

    fn dry_resolve(&mut self) {
        if let Some(view) = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).view.as_mut() {
            view.dry_resolve();
        }
    }

    async fn resolve(self) -> Self::AsyncOutput {
        self
    }

    fn to_html_with_buf(self, buf: &mut String, position: &mut Position, escape: bool, mark_branches: bool, extra_attrs: Vec<AnyAttribute>) {
        if let Some(view) = self.take() {
            view.to_html_with_buf(buf, position, escape, mark_branches, extra_attrs);
        }
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        if let Some(view) = self.take() {
            view.to_html_async_with_buf::<OUT_OF_ORDER>(buf, position, escape, mark_branches, extra_attrs);
        }
    }

    fn hydrate<const FROM_SERVER: bool>(self, cursor: &Cursor, position: &PositionState) -> Self::State {
        self.take().hydrate::<FROM_SERVER>(cursor, position)
    }

    fn into_owned(self) -> Self::Owned {
        self
    }
}

#[cfg(feature = "ssr")]
impl AddAnyAttr for Built {
    type Output<SomeNewAttr: Attribute> = Built;

    fn add_any_attr<NewAttr: Attribute>(self, _attr: NewAttr) -> Self::Output<NewAttr> {
        self
    }
}

/// See the module's comment. Make one with [`plain`].
pub struct Plain<T>(T);

/// Wraps a page's body (or any subtree whose data is already loaded) so that the server writes
/// it without resolving it first.
pub fn plain<T: IntoView + 'static>(view: T) -> AnyView {
    Plain(view.into_view()).into_any()
}

impl<T: Render> Render for Plain<T> {
    type State = T::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<T: RenderHtml + 'static> RenderHtml for Plain<T> {
    type AsyncOutput = Self;
    // Already owned: making it an `AnyView` then neither copies the tree nor walks it.
    type Owned = Self;

    const MIN_LENGTH: usize = T::MIN_LENGTH;
    const EXISTS: bool = T::EXISTS;

    // Still walked, so that a resource read anywhere inside is waited for by the `Suspense`.
    fn dry_resolve(&mut self) {
        self.0.dry_resolve();
    }

    async fn resolve(self) -> Self::AsyncOutput {
        self
    }

    // Only a first guess at the buffer's size; measuring would walk the whole tree.
    fn html_len(&self) -> usize {
        T::MIN_LENGTH
    }

    fn to_html_with_buf(self, buf: &mut String, position: &mut Position, escape: bool, mark_branches: bool, extra_attrs: Vec<AnyAttribute>) {
        self.0.to_html_with_buf(buf, position, escape, mark_branches, extra_attrs);
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(buf, position, escape, mark_branches, extra_attrs);
    }

    fn hydrate<const FROM_SERVER: bool>(self, cursor: &Cursor, position: &PositionState) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    async fn hydrate_async(self, cursor: &Cursor, position: &PositionState) -> Self::State {
        self.0.hydrate_async(cursor, position).await
    }

    fn into_owned(self) -> Self::Owned {
        self
    }
}

// A page body is given no attributes from outside; any would be dropped.
impl<T: RenderHtml + 'static> AddAnyAttr for Plain<T> {
    type Output<SomeNewAttr: Attribute> = Plain<T>;

    fn add_any_attr<NewAttr: Attribute>(self, _attr: NewAttr) -> Self::Output<NewAttr> {
        self
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::PageBody;
    use crate::errors::AppError;
    use futures::StreamExt;
    use leptos::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Renders a page's `Transition` as the server does, its data arriving after the first look,
    /// and counts how often the body was built.
    #[tokio::test]
    async fn the_server_builds_a_loaded_body_once() {
        let _ = any_spawner::Executor::init_tokio();
        let owner = Owner::new_root(Some(Arc::new(hydration_context::SsrSharedContext::new())));
        let builds = Arc::new(AtomicUsize::new(0));
        let counted = builds.clone();
        let stream = owner.with(move || {
            let data = Resource::new(
                || (),
                |_| async {
                    tokio::task::yield_now().await;
                    Ok::<_, AppError>("Loaded".to_string())
                },
            );
            let body = PageBody::new();
            view! {
                <Transition fallback=|| "Loading">
                    {move || {
                        let counted = counted.clone();
                        body.show(move || data.get(), move |text| {
                            counted.fetch_add(1, Ordering::SeqCst);
                            view! { <p>{text}</p> }
                        })
                    }}
                </Transition>
            }
            .to_html_stream_in_order()
        });
        let html = stream.collect::<Vec<String>>().await.concat();
        assert!(html.contains("<p>Loaded</p>"), "{html}");
        assert!(!html.contains("Loading"), "{html}");
        assert_eq!(builds.load(Ordering::SeqCst), 1, "built once, to look for more data and to be written");
        drop(owner);
    }
}
