/** One figure of `npm run bench`: a value, the baseline it is compared with (same run), and its target. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline?: string | number | null;
  ratio?: number | null;
  target?: string | number | null;
  ok?: boolean | null;
}
