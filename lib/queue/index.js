'use strict'
// Job queues shaped like BullMQ's, one file per part: job.js (what every part shares,
// QueueBase, Job), queue.js, worker.js, events.js (QueueEvents), scheduler.js.
const { Job, UnrecoverableError } = require('./job')
const { Queue } = require('./queue')
const { Worker } = require('./worker')
const { QueueEvents } = require('./events')

module.exports = { Queue, Worker, Job, QueueEvents, UnrecoverableError }
