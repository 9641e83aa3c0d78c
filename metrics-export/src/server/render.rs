//! Rendering scrapes: on a thread of their own, one rendering shared by every scrape that waits
//! for it, and a bound on the renderings alive.
//!
//! A scrape waits for the next rendering of its kind (format and encoding) to start: the scrapes
//! that arrive while one is being made share the one after it, so every answer was read from
//! the registry after its request arrived, and a kind is never rendered twice at once. The
//! renderings are made one at a time on the runtime's blocking thread (`metrics-render`), so the
//! connections' thread never waits for one: `/health` and the other answers go on meanwhile.
//!
//! At most [`MAX_RENDERINGS`] renderings are alive at once, counting those being made: an
//! answer holds its rendering (shared, not copied) until its last byte is written. When the
//! bound is reached, the next rendering waits for one to be released; if every holder of one
//! is blocked on a client that does not read, those connections are closed to release it.
//!
//! The buffers of released renderings (and those compressed renderings are made from) are kept
//! to render the next ones into, so that under a steady load the allocator is not asked for
//! (and does not fragment) blocks the size of an exposition: at most [`MAX_RENDERINGS`] such
//! buffers exist at once, and one once the server is idle.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{watch, Notify};

use super::eviction::Connections;
use super::handler::Handler;
use crate::scrape::Scrape;

/// The renderings alive at once, those being made included.
pub(crate) const MAX_RENDERINGS: usize = 4;

/// The renderings of one server.
pub(crate) struct Renderer {
    handler: Arc<Handler>,
    connections: Arc<Connections>,
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
}

#[derive(Default)]
struct State {
    kinds: [Kind; Scrape::KINDS],
    /// The renderings made and not yet released, oldest first.
    alive: Vec<u64>,
    /// The renderings being made (or waiting for the render thread).
    reserved: usize,
    next_id: u64,
    /// Emptied buffers of released renderings, to render the next ones into.
    spare: Vec<Vec<u8>>,
}

impl State {
    /// Keeps `buffer` (emptied) for a next rendering; when the server is idle, one is enough.
    ///
    /// A buffer is allocated only when none is spare, that is when every one is held by a
    /// rendering alive or being made: so there are never more than [`MAX_RENDERINGS`].
    fn recycle(&mut self, mut buffer: Vec<u8>) {
        buffer.clear();
        self.spare.push(buffer);
        if self.alive.is_empty() && self.reserved == 0 {
            self.spare.truncate(1);
        }
    }
}

#[derive(Default)]
struct Kind {
    /// The rendering the scrapes arriving now will share, before it starts.
    next: Option<watch::Sender<Outcome>>,
    /// Whether a task is making this kind's renderings.
    driven: bool,
}

#[derive(Clone)]
enum Outcome {
    Pending,
    Made(Arc<Rendering>),
    /// The rendering panicked.
    Failed,
}

/// A scrape's body, shared by the answers that hold it.
pub(crate) struct Rendering {
    pub(crate) body: Vec<u8>,
    pub(crate) gzipped: bool,
    slot: Slot,
}

impl Drop for Rendering {
    fn drop(&mut self) {
        let body = std::mem::take(&mut self.body);
        let mut state = lock(&self.slot.state);
        let id = self.id();
        state.alive.retain(|&alive| alive != id);
        // A compressed body is too small to render into: freed.
        if !self.gzipped {
            state.recycle(body);
        }
        // The slot, dropped next, tells the waiting renderings.
    }
}

impl Rendering {
    /// Tells this rendering from the others alive.
    pub(crate) fn id(&self) -> u64 {
        self.slot.id.unwrap_or(u64::MAX)
    }
}

/// A place among the [`MAX_RENDERINGS`]: reserved while the rendering is made, then its id
/// among the alive ones; given back when dropped.
struct Slot {
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    id: Option<u64>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        {
            let mut state = lock(&self.state);
            match self.id {
                Some(id) => state.alive.retain(|&alive| alive != id),
                None => state.reserved -= 1,
            }
        }
        self.changed.notify_waiters();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Renderer {
    pub(crate) fn new(handler: Arc<Handler>, connections: Arc<Connections>) -> Self {
        let changed = Arc::clone(&connections.changed);
        Self {
            handler,
            connections,
            state: Arc::default(),
            changed,
        }
    }

    /// The rendering of `scrape` that starts next; `None` if rendering panicked.
    pub(crate) async fn rendering(self: &Arc<Self>, scrape: Scrape) -> Option<Arc<Rendering>> {
        let mut made = {
            let mut state = lock(&self.state);
            let kind = &mut state.kinds[scrape.index()];
            let made = match &kind.next {
                Some(next) => next.subscribe(),
                None => {
                    let (next, made) = watch::channel(Outcome::Pending);
                    kind.next = Some(next);
                    made
                }
            };
            if !kind.driven {
                kind.driven = true;
                tokio::spawn(Arc::clone(self).drive(scrape));
            }
            made
        };
        let outcome = made
            .wait_for(|outcome| !matches!(outcome, Outcome::Pending))
            .await
            .ok()?
            .clone();
        match outcome {
            Outcome::Made(rendering) => Some(rendering),
            Outcome::Pending | Outcome::Failed => None,
        }
    }

    /// Makes the renderings of `scrape`'s kind, one after the other, while scrapes wait for one.
    async fn drive(self: Arc<Self>, scrape: Scrape) {
        loop {
            let slot = self.reserve().await;
            let next = {
                let mut state = lock(&self.state);
                let kind = &mut state.kinds[scrape.index()];
                match kind.next.take() {
                    Some(next) => next,
                    None => {
                        kind.driven = false;
                        return;
                    }
                }
            };
            if next.receiver_count() == 0 {
                // Every scrape that waited for it has gone (closed).
                continue;
            }
            let handler = Arc::clone(&self.handler);
            let mut text = lock(&self.state).spare.pop().unwrap_or_default();
            let made = tokio::task::spawn_blocking(move || {
                handler.write(scrape, &mut text);
                // The buffer grew by doubling when the size hint was short: give back what the
                // answers would otherwise hold for nothing.
                if text.capacity() > 2 * text.len() + 4096 {
                    text.shrink_to_fit();
                }
                match crate::scrape::compress(scrape.gzip, &text) {
                    Some(mut compressed) => {
                        compressed.shrink_to_fit();
                        (compressed, true, Some(text))
                    }
                    None => (text, false, None),
                }
            })
            .await;
            let outcome = match made {
                Ok((body, gzipped, text)) => {
                    let mut slot = slot;
                    let id = {
                        let mut state = lock(&self.state);
                        if let Some(text) = text {
                            state.recycle(text);
                        }
                        state.reserved -= 1;
                        let id = state.next_id;
                        state.next_id += 1;
                        state.alive.push(id);
                        id
                    };
                    slot.id = Some(id);
                    Outcome::Made(Arc::new(Rendering {
                        body,
                        gzipped,
                        slot,
                    }))
                }
                Err(_) => Outcome::Failed,
            };
            // No one waiting any more: the rendering is dropped, and its slot given back.
            let _ = next.send(outcome);
        }
    }

    /// A slot for one more rendering, once fewer than [`MAX_RENDERINGS`] are alive.
    async fn reserve(&self) -> Slot {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let alive = {
                let mut state = lock(&self.state);
                if state.alive.len() + state.reserved < MAX_RENDERINGS {
                    state.reserved += 1;
                    return Slot {
                        state: Arc::clone(&self.state),
                        changed: Arc::clone(&self.changed),
                        id: None,
                    };
                }
                state.alive.clone()
            };
            // Closing them drops what they hold at the runtime's next turn, which tells
            // `changed`; else a holder finishes or blocks, which does too.
            self.connections.release_a_rendering(&alive);
            notified.await;
        }
    }
}
