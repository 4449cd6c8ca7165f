// Run by storage_pool.test.ts in a child process with --expose-gc: resident tensors that escape tidy and are then
// dropped without dispose come back to the pool through the FinalizationRegistry, and a loop that keeps doing so
// holds its wasm memory flat.
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
const escaped = () => tidy(() => randn([N]).mul(2)); // returned from the scope: resident, never disposed
let kept = escaped();
const before = cachedBytes();
kept = escaped(); // the first result is dropped
void kept;
await settle();
const afterOne = cachedBytes();
const sizes: number[] = [];
for (let step = 0; step < 50; step++) {
  escaped();
  if (step % 5 === 0) await settle();
  sizes.push(arena.memoryBytes());
}
console.log(
  JSON.stringify({ shared: arena.shared, before, afterOne, first: sizes[10], last: sizes[sizes.length - 1] }),
);
