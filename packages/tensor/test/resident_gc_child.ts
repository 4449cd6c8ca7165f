// Run by storage_pool.test.ts in a child process with --expose-gc. Tensors returned from tidy leave wasm memory at
// once (their values move to a typed array and the block is free again), so a loop that keeps returning them holds
// its wasm memory flat without any garbage collection; pinned tensors dropped without dispose come back through the
// FinalizationRegistry.
import { getBackend } from '../src/backend.js';
import { cachedBytes, randn, tidy } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc!;
const arena = (getBackend('cpu') as unknown as { arena: { shared: boolean; memoryBytes(): number } }).arena;
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const N = 1 << 16;
const x = randn([N]);
const returned = () => tidy(() => x.mul(2).add(1)); // a resident result, returned: moved out at the scope's end
returned();
const sizes: number[] = [];
const kept: unknown[] = [];
for (let step = 0; step < 50; step++) {
  kept.push(returned()); // all alive: none may keep a block
  sizes.push(arena.memoryBytes());
}
const flat = sizes[49] === sizes[0];

let pinned = x.pinMemory();
pinned = x.pinMemory(); // the first pinned copy is dropped without dispose
void pinned;
const beforeGc = cachedBytes();
await settle();
const afterGc = cachedBytes();
console.log(
  JSON.stringify({ shared: arena.shared, flat, first: sizes[0], last: sizes[49], beforeGc, afterGc }),
);
