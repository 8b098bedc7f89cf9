/**
 * A UUIDv7 generator (RFC 9562): 48-bit millisecond timestamp, a 12-bit counter (rand_a,
 * RFC 9562 §6.2 method 1), then random bits. Each generator remembers its last timestamp and
 * counter, so ids made within one millisecond (or while the clock stands still or steps back)
 * still sort in the order they were made: strictly increasing, so keyset pagination by primary key
 * lists rows in creation order with no extra index, and "newest first" is stable.
 */
export function createUuidv7(): (nowMs: number) => string {
  let lastMs = -1;
  let counter = 0;
  return (nowMs) => {
    let ms = Math.floor(nowMs);
    if (ms > lastMs) {
      lastMs = ms;
      // A random start in the lower half leaves room for 2048+ ids in the same millisecond.
      counter = crypto.getRandomValues(new Uint16Array(1))[0]! & 0x7ff;
    } else {
      ms = lastMs;
      counter++;
      if (counter > 0xfff) {
        // Counter spent: borrow the next millisecond (the RFC's advice), still increasing.
        lastMs = ms = lastMs + 1;
        counter = 0;
      }
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    let ts = ms;
    for (let i = 5; i >= 0; i--) {
      bytes[i] = ts % 256;
      ts = Math.floor(ts / 256);
    }
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

/** The process's generator: every table's ids (users, audit events) come from it. */
export const uuidv7 = createUuidv7();
