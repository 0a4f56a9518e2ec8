//! Dry runs: what the Worker would do with a payload, or with every row of a
//! CSV file, without doing it. The mapping tester page and the npm module show
//! these; they use the same mapping, planner and identity policy as the Worker.

mod batch;
mod event;

pub use batch::{preview_batch, BatchPreview, BatchSummary, RowAction, RowPreview};
pub use event::{preview_event, Preview, PreviewRequest};
