import { stateColour } from './format';
import { stateCode } from './grid';

/**
 * The 24 UTC hours of an hourly job's day on one line, consecutive hours of
 * one state folded into a range: `00-17 ok  18 ru  19-23 ·` (hours with no
 * run are PENDING). docs/hourly.md#status.
 */
export function describeHours(hours: Readonly<Record<string, { readonly state: string }>>): string {
  const parts: string[] = [];
  let start = 0;
  const stateAt = (h: number) => hours[String(h).padStart(2, '0')]?.state ?? 'PENDING';
  for (let h = 1; h <= 24; h++) {
    if (h < 24 && stateAt(h) === stateAt(start)) continue;
    const from = String(start).padStart(2, '0');
    const range = h - 1 === start ? from : `${from}-${String(h - 1).padStart(2, '0')}`;
    parts.push(`${range} ${stateColour(stateAt(start))(stateCode(stateAt(start)))}`);
    start = h;
  }
  return parts.join('  ');
}
