/**
 * Colours: the Okabe-Ito palette, distinguishable with the common colour-vision deficiencies and readable on white.
 * Layers and runs take them in order; dashes tell a second set apart (e.g. the book's curves, or a second run).
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

export const colorAt = (i: number): string => PALETTE[i % PALETTE.length]!;

/** Dash patterns for the n-th run in a comparison (solid first). */
export const DASHES = ['', '6 3', '2 3', '8 3 2 3'] as const;
export const dashAt = (i: number): string => DASHES[i % DASHES.length]!;
