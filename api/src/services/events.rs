//! The bus of slip events that subscriptions listen to. Every command
//! publishes its event once its transaction has committed.

use entity::dossier_event;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Slip events as they happen, to every subscriber of this server.
#[derive(Debug)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<dossier_event::Model>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self { sender: broadcast::channel(1024).0 }
    }
}

impl EventBus {
    /// Hands a committed event to the subscribers.
    pub fn publish(&self, event: dossier_event::Model) {
        // No subscriber is not an error.
        let _ = self.sender.send(Arc::new(event));
    }

    /// A new subscriber's receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<dossier_event::Model>> {
        self.sender.subscribe()
    }
}
