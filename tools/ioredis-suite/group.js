// one-off: assign each non-excluded failure to an apparent-cause group
const fs=require('fs')
const rows=fs.readFileSync('/tmp/harness/failures.txt','utf8').trim().split('\n').map(l=>l.split('\t')).filter(r=>!(r[3]||'').startsWith('[EXCLUDED'))
const G=[
 ['handshake wire form vs mock servers (HELLO answered +OK, sentinel/NAT discovery)', r=>/sentinel/.test(r[0])||/HELLO command before|readonly command exactly once/.test(r[1])],
 ['client identity (CLIENT SETINFO lib-name)', r=>/client_info/.test(r[0])&&/Redis should/.test(r[1])],
 ['Cluster against mocks / empty startup nodes', r=>/Cluster/.test(r[1])],
 ['reconnect / connect() lifecycle (disconnect(true), retryStrategy, resubscribe, status)', r=>/reconnect|#connect|retryStrategy|server exits|replacement|connect event|restart|restore subscription|auto-resubscription|currect database|pipelined multi|select" event/.test(r[1])],
 ['teardown: disconnect() vs mock write (EPIPE) / closed-connection rejections', r=>/EPIPE|Connection is closed/.test(r[2])],
 ['error messages / error classes', r=>/ReplyError|elasticache|fatal_error|password is wrong|friendly error|NOPERM/.test(r[0]+r[1])],
 ['subscriber-mode semantics (RESP2 reject, quit, pmessage types)', r=>/pub_sub|spub_ssub/.test(r[0])],
 ['stringNumbers', r=>/stringNumbers|string_numbers/.test(r[0]+r[1])],
 ['missing API / options surface (options, retryAttempts, autoPipelineQueueSize, monitor.get, addBuiltinCommand, multi({pipeline:false}), Buffer keyPrefix)', r=>/maxRetries|duplicate|blacklisted|monitor|pipeline.ts|transaction.ts|scripting|keyPrefix|COUNT|tracing/.test(r[0]+r[1])],
 ['other behaviour', r=>true],
]
const out=new Map(G.map(g=>[g[0],[]]))
for(const r of rows){const g=G.find(g=>g[1](r));out.get(g[0]).push(r)}
for(const [k,v] of out){console.log(`\n## ${k}: ${v.length}`);for(const r of v)console.log(`  ${r[0].replace('test/functional/','')} | ${r[1]} | ${r[2].slice(0,110)}${r[4]?' '+r[4]:''}`)}
