/** What GET / must answer, byte for byte: the original Flask app's sentence. */
export function sentence(value: string): string {
  return `Hi there! The secret is ${value}.\n`;
}
