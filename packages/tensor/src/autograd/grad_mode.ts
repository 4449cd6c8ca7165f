/** Global gradient-recording mode, as torch.no_grad / torch.enable_grad. */
let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Turn gradient recording on or off; returns the previous mode. Prefer `noGrad(fn)`. */
export function setGradEnabled(enabled: boolean): boolean {
  const previous = gradEnabled;
  gradEnabled = enabled;
  return previous;
}

function withMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Run `fn` without recording gradients (optimizer updates, evaluation). Synchronous: the mode is restored when `fn`
 * returns, so the body of an async function after its first `await` runs in the caller's mode.
 *
 * @example
 * noGrad(() => w.sub_(w.grad!.mul(0.1)));
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** Run `fn` with gradient recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
