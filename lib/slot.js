'use strict'
// Redis Cluster's key slot (CRC16/XMODEM of the key, or of its {hash tag}, mod 16384), for
// the few decisions JavaScript makes per node: which scripts a node has already loaded.

const TABLE = new Uint16Array(256)
for (let i = 0; i < 256; i++) {
  let c = i << 8
  for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff
  TABLE[i] = c
}

function crc16(bytes, start, end) {
  let crc = 0
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]) & 0xff]
  return crc
}

/** The bytes of `key` that Redis Cluster hashes: its {hash tag}, or all of it. */
function hashedRange(b) {
  const open = b.indexOf(0x7b) // '{'
  if (open >= 0) {
    const close = b.indexOf(0x7d, open + 1) // '}'
    if (close > open + 1) return [open + 1, close]
  }
  return [0, b.length]
}

function bytesOf(key) {
  return typeof key === 'string' ? Buffer.from(key) : key instanceof Uint8Array ? key : Buffer.from(String(key))
}

/** The slot of `key` (a string, Buffer or number). */
function keySlot(key) {
  const b = bytesOf(key)
  const [start, end] = hashedRange(b)
  return crc16(b, start, end) & 16383
}

/** Whether `key` holds a hash tag (Cluster hashes only that part of it). */
function hasHashTag(key) {
  return hashedRange(bytesOf(key))[0] !== 0
}

module.exports = { keySlot, hasHashTag }
