/**
 * The WebAssembly SIMD kernels of the CPU backend (float32). Built by scripts/build_wasm.ts into a generated module
 * (src/backends/cpu/wasm/kernels.generated.ts); the loader is src/backends/cpu/wasm/module.ts. Operands are byte
 * addresses in this module's memory; the loader owns everything above `heapBase()`.
 */
export {
  addFloats,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dForward,
  convScratchBytes,
  setConvGeometry,
} from './conv';
export { gemmScratchBytes, setGemmScratch, sgemm } from './gemm';
export { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad, setPoolGeometry } from './pool';

/** The first byte the loader may use: everything below is the kernels' static scratch. */
export function heapBase(): usize {
  return __heap_base;
}
export { addScaledF32, sigmoidF32, sigmoidGradF32 } from './elementwise';
export { outerSums, rowDots } from './skinny';
export { binaryF32 } from './elementwise';
export { sumF32 } from './reduce';
