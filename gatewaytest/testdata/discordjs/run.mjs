// A third-party client against the emulator: discord.js's @discordjs/ws,
// unchanged, with two shards. It asks GET /gateway/bot through a minimal
// REST stand-in, connects, and exits 0 after receiving the wanted number of
// dispatches, printing one JSON summary line.
//
//   node run.mjs API_URL none|zlib|payload COUNT
import { WebSocketManager, WebSocketShardEvents, CompressionMethod } from '@discordjs/ws';

const [api, mode, want] = [process.argv[2], process.argv[3], Number(process.argv[4] || 200)];
const manager = new WebSocketManager({
  token: 'tok',
  intents: 1 | 512 | 4096 | 32768,
  rest: {
    async get(route) {
      const r = await fetch(api + route, { headers: { Authorization: 'Bot tok' } });
      return r.json();
    },
  },
  shardCount: 2,
  compression: mode === 'zlib' ? CompressionMethod.ZlibNative : null,
  useIdentifyCompression: mode === 'payload',
});
const counts = {};
let total = 0;
manager.on(WebSocketShardEvents.Dispatch, (event) => {
  counts[event.t] = (counts[event.t] || 0) + 1;
  total++;
  if (total === want) {
    console.log(JSON.stringify({ mode, total, counts }));
    manager.destroy().then(() => process.exit(0));
  }
});
manager.on(WebSocketShardEvents.Error, (e) => console.error('error', e));
setTimeout(() => {
  console.log(JSON.stringify({ mode, timeout: true, total, counts }));
  process.exit(1);
}, 60000);
await manager.connect();
