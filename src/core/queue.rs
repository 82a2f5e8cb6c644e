//! Job queues: BullMQ 6's key layout and our own Lua scripts over it, behind `Queue` and
//! `Worker` (`scripts/queue/common.lua` states the invariants they keep). Every state
//! change of a job is one script, so one atomic step and one round trip: add (with
//! de-duplication, delay and priority), move to active with a lease, finish (fenced by the
//! lease's token, with the retry scheduled and the next job fetched in the same step),
//! stalled-job recovery. Leases are kept alive by [`crate::core::lock::watch`] on the
//! runtime's timers, like `withLock`'s locks.

/// Helpers every queue script starts with (see the comments in the file).
macro_rules! queue_script {
    ($file:literal) => {
        concat!(
            include_str!("scripts/queue/common.lua"),
            include_str!(concat!("scripts/queue/", $file))
        )
    };
}

/// Adds jobs (one step for a whole `addBulk`).
pub const ADD: &str = queue_script!("add.lua");
/// Moves waiting jobs to active, each with a lease.
pub const FETCH: &str = queue_script!("fetch.lua");
/// Completes, fails or schedules the retry of an attempt, and fetches the next job.
pub const FINISH: &str = queue_script!("finish.lua");
/// Recovers jobs whose lease expired.
pub const STALLED: &str = queue_script!("stalled.lua");
/// Removes a job no worker holds.
pub const REMOVE: &str = queue_script!("remove.lua");
/// Pauses or resumes a queue.
pub const PAUSE: &str = queue_script!("pause.lua");
/// Records a job's progress.
pub const PROGRESS: &str = queue_script!("progress.lua");
/// A job's state.
pub const STATE: &str = queue_script!("state.lua");
/// Moves a finished job back to wait.
pub const RETRY: &str = queue_script!("retry.lua");
/// Deletes old jobs of one state.
pub const CLEAN: &str = queue_script!("clean.lua");
/// Deletes the waiting (and delayed) jobs.
pub const DRAIN: &str = queue_script!("drain.lua");
/// Deletes a whole queue.
pub const OBLITERATE: &str = queue_script!("obliterate.lua");
/// A job's manual operations: promote, change its priority, extend its lock, read a
/// deduplication key.
pub const JOB_OP: &str = queue_script!("job_op.lua");
/// Job schedulers: upsert, next run, remove.
pub const SCHEDULER: &str = queue_script!("scheduler.lua");

/// Every script by the name JavaScript knows it by.
pub const SCRIPTS: [(&str, &str); 14] = [
    ("add", ADD),
    ("fetch", FETCH),
    ("finish", FINISH),
    ("stalled", STALLED),
    ("remove", REMOVE),
    ("pause", PAUSE),
    ("progress", PROGRESS),
    ("state", STATE),
    ("retry", RETRY),
    ("clean", CLEAN),
    ("drain", DRAIN),
    ("obliterate", OBLITERATE),
    ("scheduler", SCHEDULER),
    ("jobOp", JOB_OP),
];

/// The job fields a fetch returns for each job, in order (`common.lua` reads them with one
/// HMGET; the JavaScript `Job` takes them in this order).
pub const ROW_FIELDS: [&str; 14] = [
    "name",
    "data",
    "opts",
    "timestamp",
    "delay",
    "priority",
    "atm",
    "ats",
    "stc",
    "processedOn",
    "progress",
    "rjk",
    "stacktrace",
    "defa",
];

/// Why a queue name cannot be used, if it cannot (BullMQ's rules: not empty, no ':').
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a queue name must be a non-empty string".into());
    }
    if name.contains(':') {
        return Err(format!("Queue name cannot contain :, got {name:?}"));
    }
    Ok(())
}

/// The prefix of every key of queue `name`: `<prefix>:<name>:`, BullMQ's layout. On a
/// Cluster every key of a queue must share a slot: a hash tag in the prefix (BullMQ's
/// advice, `{bull}`) or in the name (`{emails}`) does that.
pub fn key_base(prefix: &str, name: &str) -> Result<String, String> {
    check_name(name)?;
    Ok(format!("{prefix}:{name}:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bullmqs() {
        assert_eq!(key_base("bull", "email").unwrap(), "bull:email:");
        assert_eq!(key_base("{bull}", "email").unwrap(), "{bull}:email:");
        assert!(key_base("bull", "a:b").is_err());
        assert!(key_base("bull", "").is_err());
    }

    #[test]
    fn the_fetch_reads_the_row_fields_in_order() {
        // Lua cannot import the list: the one HMGET that reads a row must name it exactly.
        let common = include_str!("scripts/queue/common.lua");
        let at = common
            .find("redis.call('HMGET', jk, ")
            .expect("the row's HMGET");
        let call = &common[at..at + common[at..].find(')').expect("end of the call")];
        let fields: Vec<&str> = call
            .split(',')
            .skip(2)
            .map(|f| f.trim().trim_matches('\''))
            .collect();
        assert_eq!(fields, ROW_FIELDS);
    }

    #[test]
    fn every_script_starts_with_the_helpers() {
        for (_, s) in SCRIPTS {
            assert!(s.starts_with("-- Shared by every queue script"));
        }
    }
}
