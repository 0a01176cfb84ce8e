//! The watcher handed out by every backend: a bounded queue of events that the
//! backend fills and the user drains, stoppable from any thread.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Mutex, Notify};

use crate::error::{Error, Result};
use crate::registry::Event;

/// Events a watcher holds before further ones are dropped (and counted).
pub const WATCH_QUEUE_CAPACITY: usize = 4096;

struct Shared {
    stopped: AtomicBool,
    stop_signal: Notify,
    dropped: AtomicU64,
}

/// The receiving end: `next()` yields changes in the order the backend saw them.
///
/// `Watcher` is `Send + Sync`; `stop()` may be called from another thread while a
/// `next()` is waiting, and that `next()` then returns [`Error::WatcherStopped`].
/// Events are per node: an event's service carries the node(s) that changed.
///
/// ```
/// use std::time::Duration;
/// use microreg::{Action, Client, Config, Error, Node, Registry, Service};
///
/// # #[tokio::main] async fn main() -> microreg::Result<()> {
/// let client = Client::new(Config::memory())?;
/// // Watch first: changes from now on.
/// let watcher = client.watch(&client.watch_options(Some("greeter".into()))).await?;
///
/// let service = Service::new("greeter", "1.0.0").with_node(Node::new("greeter-1", "10.0.0.5:8080"));
/// client.register(&service, &client.register_options(None)).await?;
/// let event = watcher.next().await?;
/// assert_eq!((event.action, event.service.nodes[0].id.as_str()), (Action::Create, "greeter-1"));
///
/// client.deregister(&service, client.domain()).await?;
/// assert_eq!(watcher.next().await?.action, Action::Delete);
///
/// // Nothing more: a bounded wait times out; after stop(), every call says so.
/// let quiet = watcher.next_timeout(Duration::from_millis(10)).await;
/// assert_eq!(quiet.unwrap_err(), Error::Timeout);
/// watcher.stop();
/// assert_eq!(watcher.next().await.unwrap_err(), Error::WatcherStopped);
/// # Ok(()) }
/// ```
pub struct Watcher {
    events: Mutex<mpsc::Receiver<Result<Event>>>,
    shared: Arc<Shared>,
}

/// The sending end, kept by the backend.
#[derive(Clone)]
pub struct WatchSender {
    events: mpsc::Sender<Result<Event>>,
    shared: Arc<Shared>,
}

/// A connected sender and watcher.
pub fn channel() -> (WatchSender, Watcher) {
    let (tx, rx) = mpsc::channel(WATCH_QUEUE_CAPACITY);
    let shared = Arc::new(Shared {
        stopped: AtomicBool::new(false),
        stop_signal: Notify::new(),
        dropped: AtomicU64::new(0),
    });
    (
        WatchSender {
            events: tx,
            shared: shared.clone(),
        },
        Watcher {
            events: Mutex::new(rx),
            shared,
        },
    )
}

impl WatchSender {
    /// Queues an event without waiting. Returns false once the watcher is gone or
    /// stopped, so the backend can forget it. A full queue drops the event and
    /// counts it: a stalled consumer must not stall the backend or grow memory.
    pub fn send(&self, event: Event) -> bool {
        self.push(Ok(event))
    }

    /// Queues an event, waiting while the queue is full: for a backend whose
    /// source can wait (etcd's watch stream holds further events meanwhile),
    /// so that a burst larger than the queue loses nothing. Returns false once
    /// the watcher is gone or stopped.
    pub async fn send_waiting(&self, event: Event) -> bool {
        if self.is_closed() {
            return false;
        }
        tokio::select! {
            sent = self.events.send(Ok(event)) => sent.is_ok(),
            _ = self.closed() => false,
        }
    }

    /// Ends the stream with an error (e.g. the backend went away).
    pub fn fail(&self, error: Error) {
        self.push(Err(error));
    }

    fn push(&self, item: Result<Event>) -> bool {
        if self.is_closed() {
            return false;
        }
        match self.events.try_send(item) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Resolves once nobody will read further events (the watcher was stopped
    /// or dropped), so a backend task can end without polling.
    pub async fn closed(&self) {
        loop {
            let stopped = self.shared.stop_signal.notified();
            tokio::pin!(stopped);
            stopped.as_mut().enable();
            if self.is_closed() {
                return;
            }
            tokio::select! {
                _ = self.events.closed() => return,
                _ = &mut stopped => {}
            }
        }
    }

    /// Whether nobody will read further events.
    pub fn is_closed(&self) -> bool {
        self.shared.stopped.load(Ordering::Acquire) || self.events.is_closed()
    }
}

impl Watcher {
    /// Waits for the next event. [`Error::WatcherStopped`] after `stop()` or when
    /// the backend closed the stream.
    pub async fn next(&self) -> Result<Event> {
        if self.is_stopped() {
            return Err(Error::WatcherStopped);
        }
        let stopped = self.shared.stop_signal.notified();
        tokio::pin!(stopped);
        stopped.as_mut().enable();
        if self.is_stopped() {
            return Err(Error::WatcherStopped);
        }
        let mut events = tokio::select! {
            guard = self.events.lock() => guard,
            _ = &mut stopped => return Err(Error::WatcherStopped),
        };
        tokio::select! {
            item = events.recv() => item.unwrap_or(Err(Error::WatcherStopped)),
            _ = &mut stopped => Err(Error::WatcherStopped),
        }
    }

    /// Like [`Watcher::next`], but gives up with [`Error::Timeout`] after `timeout`.
    pub async fn next_timeout(&self, timeout: Duration) -> Result<Event> {
        tokio::time::timeout(timeout, self.next())
            .await
            .unwrap_or(Err(Error::Timeout))
    }

    /// Stops the watcher; pending and future `next()` calls return
    /// [`Error::WatcherStopped`]. Idempotent.
    pub fn stop(&self) {
        self.shared.stopped.store(true, Ordering::Release);
        self.shared.stop_signal.notify_waiters();
    }

    /// Whether `stop()` was called.
    pub fn is_stopped(&self) -> bool {
        self.shared.stopped.load(Ordering::Acquire)
    }

    /// How many events were dropped because the queue was full.
    pub fn dropped_events(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop();
    }
}
