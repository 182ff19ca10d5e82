// Kubernetes resource quantities ("500m", "4", "1Gi", "1.5G", "2e3"), compared by value. The API server stores a
// canonical spelling ("4000m" becomes "4", "1024Mi" becomes "1Gi"), so comparing what we applied with what it
// stored must compare values, or every pass would see a difference and write again.

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d{1,3})?$/;

const DECIMAL_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_POWER: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** Scale of the exact value: nano units, the finest a quantity can express. */
const NANO_DIGITS = 9;

/**
 * The value of a quantity in nano units as an exact integer, or undefined when the text is not a quantity. Digits
 * below a nano are dropped (the API server rounds them up; such inputs do not occur in what we apply).
 */
export function quantityNanos(text: string): bigint | undefined {
  const match = QUANTITY.exec(text);
  if (match === null) return undefined;
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  const digits = BigInt(`${whole}${fraction}` || '0');
  let exponent = NANO_DIGITS - fraction.length;
  let binaryPower = 0;
  if (suffix in BINARY_POWER) binaryPower = BINARY_POWER[suffix] ?? 0;
  else if (suffix in DECIMAL_EXPONENT) exponent += DECIMAL_EXPONENT[suffix] ?? 0;
  else if (suffix !== '') exponent += Number(suffix.slice(1));
  let value = digits * (1n << BigInt(binaryPower));
  value = exponent >= 0 ? value * 10n ** BigInt(exponent) : value / 10n ** BigInt(-exponent);
  return sign === '-' ? -value : value;
}

/** True when both texts are quantities of the same value ("4000m" and "4"). */
export function sameQuantity(a: string, b: string): boolean {
  const left = quantityNanos(a);
  return left !== undefined && left === quantityNanos(b);
}
