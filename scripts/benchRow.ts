/** One figure of `npm run bench`: a value, the baseline it is compared with (same run), and its target. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline?: string | number | null;
  ratio?: number | null;
  target?: string | number | null;
  ok?: boolean | null;
  /** For a missed target: by how much and why, printed under the table. */
  note?: string;
}
