/**
 * Today as the user's calendar has it (YYYY-MM-DD in the local time zone). A chat turn's session date and the
 * reference date of time-aware retrieval: "yesterday" said at 21:00 in New York is the local yesterday, which the
 * UTC date (already tomorrow there) would get wrong.
 */
export function localIsoDate(date: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
