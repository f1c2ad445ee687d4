/** Where two texts first differ, with some context either side, or undefined when they are equal. */
export function firstDifference(actual: string, expected: string, context = 40): string | undefined {
  if (actual === expected) return undefined;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, at - context), at + context));
  return `lengths ${actual.length} and ${expected.length}, first difference at ${at}: ${around(actual)} vs ${around(expected)}`;
}
