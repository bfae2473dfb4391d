/** Metric name -> slot in an ArmView's sums vector; grows as new names appear, never reorders. */
const slots = new Map<string, number>();

/** The slot of `name`, assigning the next one to a new name. */
export function slotOf(name: string): number {
  let i = slots.get(name);
  if (i === undefined) {
    i = slots.size;
    slots.set(name, i);
  }
  return i;
}

/** The slot of `name`; undefined when no arm has had it. */
export function knownSlot(name: string): number | undefined {
  return slots.get(name);
}
