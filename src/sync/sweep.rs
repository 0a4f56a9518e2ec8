//! Events the queue lost: inbound events and GHL syncs still queued or
//! processing long after their last change are put back on the queue (the
//! store touches them, so one sweep takes each once).

use super::protocol::WorldError;
use super::queue::QueuedEvent;
use super::world::World;
use crate::admin_api::Swept;

pub async fn sweep<W: World>(
    world: &W,
    location: &str,
    older_than_ms: Option<u64>,
) -> Result<Swept, WorldError> {
    let stale = world.stale(older_than_ms).await?;
    for key in &stale.inbound {
        world.enqueue(QueuedEvent::inbound(location, key)).await?;
    }
    for webhook_id in &stale.ghl {
        world
            .enqueue(QueuedEvent::ghl(location, webhook_id))
            .await?;
    }
    Ok(stale)
}
