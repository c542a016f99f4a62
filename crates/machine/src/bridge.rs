//! Context bridging: turns a run's shards, in order, into records that prove them one by one.
//! Each shard's record needs only a little from the shards before it: its index, the committed
//! digest so far, and for each key it touches the tag of the shard that last wrote it. The last
//! shard also carries the run's memory boundary (every key touched or in the image, with its
//! final value). The records are then independent and can be proven in any order.

use std::collections::HashMap;
use std::sync::Arc;

use tessera_executor::Shard;
use tessera_mips::Program;

use crate::bus::global_memory_fields;
use crate::chips::global_sum::{record_messages, GlobalMessage};
use crate::chips::image::ProgramImage;
use crate::chips::memory::{record_global_boundary, record_shard_boundary, GlobalBoundaryRow};
use crate::record::MachineRecord;

/// The run so far, as the next shard's record needs it.
pub struct RunBridge {
    program: Arc<Program>,
    image: HashMap<u32, u32>,
    /// Every key touched so far: its last value and the tag (`1 +` index) of the shard that left
    /// it.
    touched: HashMap<u32, (u32, u32)>,
    digest: [u32; 8],
    next_index: u32,
    next_clock: u64,
    /// Whether each shard must start where the previous one ended (an honest run always
    /// does; tests turn this off to build forged runs and watch the verifier reject them).
    pub check_continuity: bool,
}

impl RunBridge {
    pub fn new(program: Arc<Program>) -> Self {
        let image = ProgramImage::new(&program).words.into_iter().collect();
        RunBridge {
            program,
            image,
            touched: HashMap::new(),
            digest: [0; 8],
            next_index: 0,
            next_clock: 0,
            check_continuity: true,
        }
    }

    /// The record of the run's next shard (which must follow the previous one).
    pub fn record(&mut self, shard: &Shard) -> Result<MachineRecord, String> {
        let index = self.next_index;
        if shard.start.clock + shard.cpu_events.len() as u64 >= 1 << 32 {
            return Err("a proven run has fewer than 2^32 cycles".into());
        }
        let mut record =
            MachineRecord::from_shard(self.program.clone(), shard, index, self.digest)?;
        if self.check_continuity && shard.start.clock != self.next_clock {
            return Err(format!(
                "shard {index} starts at cycle {}, not {}",
                shard.start.clock, self.next_clock
            ));
        }
        let mut messages: Vec<GlobalMessage> = Vec::with_capacity(2 * record.memory_boundary.len());
        let mut rows = std::mem::take(&mut record.memory_boundary);
        for row in &mut rows {
            let (value, tag) = match self.touched.get(&row.key) {
                Some(&last) => last,
                None => (self.image.get(&row.key).copied().unwrap_or(0), 0),
            };
            if self.check_continuity && value != row.initial {
                return Err(format!(
                    "shard {index} finds {:#x} at key {:#x}, where the run left {value:#x}",
                    row.initial, row.key
                ));
            }
            row.prev_tag = tag;
            messages.push((false, global_memory_fields(row.key, row.initial, tag)));
            messages.push((true, global_memory_fields(row.key, row.value, index + 1)));
            self.touched.insert(row.key, (row.value, index + 1));
        }
        record_shard_boundary(&mut record, &rows);
        record.memory_boundary = rows;

        if shard.halted {
            let mut keys: Vec<u32> = self
                .touched
                .keys()
                .chain(self.image.keys())
                .copied()
                .collect();
            keys.sort_unstable();
            keys.dedup();
            let rows: Vec<GlobalBoundaryRow> = keys
                .into_iter()
                .map(|key| {
                    let image = self.image.get(&key).copied();
                    let (value, tag) = self
                        .touched
                        .get(&key)
                        .copied()
                        .unwrap_or((image.unwrap_or(0), 0));
                    GlobalBoundaryRow {
                        key,
                        value,
                        tag,
                        starts_at_zero: image.is_none(),
                    }
                })
                .collect();
            for row in &rows {
                if row.starts_at_zero {
                    messages.push((true, global_memory_fields(row.key, 0, 0)));
                }
                messages.push((false, global_memory_fields(row.key, row.value, row.tag)));
            }
            record_global_boundary(&mut record, &rows);
            record.memory_global = rows;
        }
        record_messages(&mut record, &messages);

        self.digest = record.digest.map(|(word, _)| word);
        self.next_index += 1;
        self.next_clock = shard.start.clock + shard.cpu_events.len() as u64;
        Ok(record)
    }
}
