/** A double's 64 bits as 16 hex digits (NaN payloads and -0 kept). */
export function toHex(v: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  return b.getBigUint64(0).toString(16).padStart(16, '0');
}
