// Column values as the postgres client returns them: bigint (int8) arrives as a decimal string,
// because not every int8 fits a JavaScript number; the store's times and sequence numbers do.
export function optionalNumber(value: string | number | null): number | undefined {
  return value === null ? undefined : Number(value);
}
