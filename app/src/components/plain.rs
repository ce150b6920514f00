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
pub fn page_body<T, V: IntoView + 'static>(loaded: Result<T, AppError>, body: impl FnOnce(T) -> V) -> AnyView {
    match loaded {
        Ok(data) => plain(body(data)),
        Err(error) => view! { <AppErrorView error /> }.into_any(),
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
