//! The open connections, what each is waiting for, and which to close when room is needed.
//!
//! A connection either waits on its client (for a request head, between keep-alive requests,
//! or for the client to read its answer: a write is blocked) or on the server (its request is
//! being answered). Room is made by closing the connection that has waited on its client the
//! longest: at `max_connections` for a new connection, and when the renderings the answers
//! hold reach their bound (`render.rs`), the connections that keep the oldest one alive while
//! not reading it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// Every open connection of a server.
pub(crate) struct Connections {
    max: usize,
    table: Mutex<Table>,
    /// Told when room may have appeared: a connection closed, went idle or blocked, a rendering
    /// was released. Shared with the renderings.
    pub(crate) changed: Arc<Notify>,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, Entry>,
}

#[derive(Default)]
struct Entry {
    /// The connection's task, to close it.
    task: Option<AbortHandle>,
    /// Since when it waits for a request head; `None` while a request is being answered.
    idle_since: Option<Instant>,
    /// Since when a write to its client has been blocked.
    blocked_since: Option<Instant>,
    /// The rendering its answer holds.
    holding: Option<u64>,
}

impl Entry {
    /// Since when it has waited on its client, if it does.
    fn waiting_since(&self) -> Option<Instant> {
        match (self.idle_since, self.blocked_since) {
            (Some(idle), Some(blocked)) => Some(idle.min(blocked)),
            (idle, blocked) => idle.or(blocked),
        }
    }
}

impl Connections {
    pub(crate) fn new(max: usize, changed: Arc<Notify>) -> Self {
        Self {
            max,
            table: Mutex::default(),
            changed,
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a new connection can be opened: below the cap, or after closing the connection
    /// that has waited on its client the longest. False when every connection is being
    /// answered.
    pub(crate) fn make_room(&self) -> bool {
        let mut table = self.table();
        if table.open.len() < self.max {
            return true;
        }
        let victim = table
            .open
            .iter()
            .filter_map(|(&id, entry)| Some((entry.waiting_since()?, id)))
            .min();
        match victim {
            Some((_, id)) => {
                close(&mut table, id);
                true
            }
            None => false,
        }
    }

    /// Registers a new connection, waiting for its first request head; it is forgotten when
    /// the returned handle (and its clones) are dropped.
    pub(crate) fn open(self: &Arc<Self>) -> Conn {
        let mut table = self.table();
        let id = table.next_id;
        table.next_id += 1;
        table.open.insert(
            id,
            Entry {
                idle_since: Some(Instant::now()),
                ..Entry::default()
            },
        );
        Conn(Arc::new(Registered {
            connections: Arc::clone(self),
            id,
        }))
    }

    /// Closes every connection holding the rendering (one of `alive`) whose holders all wait on
    /// their clients, the one they have waited on the longest; false if there is none.
    pub(crate) fn release_a_rendering(&self, alive: &[u64]) -> bool {
        let mut table = self.table();
        // For each rendering, since when its last holder has waited (None: one does not).
        let mut waiting: HashMap<u64, Option<Instant>> = HashMap::new();
        for entry in table.open.values() {
            if let Some(rendering) = entry.holding.filter(|r| alive.contains(r)) {
                let since = waiting.entry(rendering).or_insert(entry.blocked_since);
                *since = since.zip(entry.blocked_since).map(|(a, b)| a.max(b));
            }
        }
        let Some(rendering) = waiting
            .into_iter()
            .filter_map(|(rendering, since)| Some((since?, rendering)))
            .min()
            .map(|(_, rendering)| rendering)
        else {
            return false;
        };
        let holders: Vec<u64> = table
            .open
            .iter()
            .filter(|(_, entry)| entry.holding == Some(rendering))
            .map(|(&id, _)| id)
            .collect();
        for id in holders {
            close(&mut table, id);
        }
        true
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut Entry) -> bool) {
        let notify = self.table().open.get_mut(&id).is_some_and(change);
        if notify {
            self.changed.notify_waiters();
        }
    }
}

/// Closes connection `id`: its task is dropped, which closes its socket, at the runtime's next
/// turn; it no longer counts at once.
fn close(table: &mut Table, id: u64) {
    if let Some(task) = table.open.remove(&id).and_then(|entry| entry.task) {
        task.abort();
    }
}

/// A registered connection; cloned into what serves it.
#[derive(Clone)]
pub(crate) struct Conn(Arc<Registered>);

struct Registered {
    connections: Arc<Connections>,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.connections.table().open.remove(&self.id);
        self.connections.changed.notify_waiters();
    }
}

impl Conn {
    fn update(&self, change: impl FnOnce(&mut Entry) -> bool) {
        self.0.connections.update(self.0.id, change);
    }

    /// The task serving the connection, which closing it aborts.
    pub(crate) fn serve_with(&self, task: AbortHandle) {
        self.update(|entry| {
            entry.task = Some(task);
            false
        });
    }

    /// A request head has arrived: the server is answering it.
    pub(crate) fn request_started(&self) {
        self.update(|entry| {
            entry.idle_since = None;
            false
        });
    }

    /// The answer holds `rendering`.
    pub(crate) fn holds(&self, rendering: u64) {
        self.update(|entry| {
            entry.holding = Some(rendering);
            false
        });
    }

    /// The answer has been written (or dropped): waiting for the next request head.
    pub(crate) fn request_done(&self) {
        self.update(|entry| {
            entry.idle_since = Some(Instant::now());
            entry.holding = None;
            true
        });
    }

    /// A write is blocked: the client does not read (yet).
    pub(crate) fn write_blocked(&self) {
        self.update(|entry| {
            entry.blocked_since = Some(Instant::now());
            true
        });
    }

    /// A write went through.
    pub(crate) fn write_done(&self) {
        self.update(|entry| {
            entry.blocked_since = None;
            false
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::sync::Notify;

    use super::Connections;

    #[test]
    fn room_is_made_by_the_connection_waiting_longest() {
        let connections = Arc::new(Connections::new(3, Arc::new(Notify::new())));
        let ids = |c: &Connections| {
            let mut ids: Vec<u64> = c.table().open.keys().copied().collect();
            ids.sort_unstable();
            ids
        };
        let [a, b, c] = [connections.open(), connections.open(), connections.open()];
        assert!(connections.make_room());
        // `a` was the oldest idle one.
        assert_eq!(ids(&connections), [1, 2]);
        // Busy ones are never closed; a blocked writer is.
        b.request_started();
        c.request_started();
        let d = connections.open();
        d.request_started();
        assert!(!connections.make_room());
        c.write_blocked();
        assert!(connections.make_room());
        assert_eq!(ids(&connections), [1, 3]);
        // A connection forgets itself when dropped.
        drop((a, b));
        assert_eq!(ids(&connections), [3]);
        drop((c, d));
        assert!(ids(&connections).is_empty());
    }

    #[test]
    fn a_rendering_is_released_by_closing_its_blocked_holders() {
        let connections = Arc::new(Connections::new(10, Arc::new(Notify::new())));
        let holders: Vec<_> = (0..4).map(|_| connections.open()).collect();
        for (holder, rendering) in holders.iter().zip([7, 7, 8, 9]) {
            holder.request_started();
            holder.holds(rendering);
        }
        // No rendering has every holder blocked.
        holders[1].write_blocked();
        assert!(!connections.release_a_rendering(&[7, 8, 9]));
        // Now both of 7 are, and 9's one.
        holders[0].write_blocked();
        holders[3].write_blocked();
        // 7's holders have waited the longest: both are closed.
        assert!(connections.release_a_rendering(&[7, 8, 9]));
        let mut open: Vec<u64> = connections.table().open.keys().copied().collect();
        open.sort_unstable();
        assert_eq!(open, [2, 3]);
        // Renderings not alive any more are not looked at.
        assert!(!connections.release_a_rendering(&[8]));
    }
}
