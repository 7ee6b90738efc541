/** The sentence of the original Flask app, byte for byte. */
export function greeting(secret: string): string {
  return `Hi there! The secret is ${secret}.\n`;
}

/**
 * The encoded greeting for the last value seen. The value changes rarely, so the
 * hot path reuses one Buffer instead of formatting and encoding per request.
 */
export class GreetingBody {
  #secret: string | undefined;
  #body = Buffer.alloc(0);

  /** `onChange` hears of every new value, the first one included. */
  constructor(private readonly onChange: () => void = () => undefined) {}

  for(secret: string): Buffer {
    if (secret !== this.#secret) {
      this.#body = Buffer.from(greeting(secret), 'utf8');
      this.#secret = secret;
      this.onChange();
    }
    return this.#body;
  }
}
