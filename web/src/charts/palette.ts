import type { Deploy } from '../lib/types.ts';

/** Series colours: distinct, readable on white, colour-blind friendlier than echarts' default. */
export const SERIES_COLORS = [
  '#2f81f7',
  '#e16f24',
  '#1a7f37',
  '#8250df',
  '#bf3989',
  '#0598bc',
  '#9a6700',
  '#6e7781',
  '#cf222e',
  '#116329',
] as const;

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length] as string;
}

/** Deploy markers by status: a failed or rolled back deploy must catch the eye. */
export const DEPLOY_COLORS: Readonly<Record<Deploy['status'], string>> = {
  started: '#9a6700',
  succeeded: '#8250df',
  failed: '#cf222e',
  rolled_back: '#e16f24',
};

export const STATUS_LABELS: Readonly<Record<Deploy['status'], string>> = {
  started: 'in progress',
  succeeded: 'succeeded',
  failed: 'failed',
  rolled_back: 'rolled back',
};
